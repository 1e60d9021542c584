/**
 * Waiting for a server inside a container to really take work. Log lines and open ports say a
 * process started, not that it accepts logins (MySQL's entrypoint restarts the server after its
 * init scripts; SQL Server and Hive print "ready" before their first login succeeds), so each
 * factory also retries a real login until it works.
 */

/** Between attempts: long enough not to hammer a starting server, short next to its start-up. */
const RETRY_MS = 1_000;

export async function untilReady(what: string, probe: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await probe();
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`${what} did not accept a login within ${Math.round(timeoutMs / 1000)} s: ${err instanceof Error ? err.message : String(err)}`);
      }
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}

/** Pulling an image on a cold machine dominates; SQL Server and Hive then need ~30–90 s to start. */
export const STARTUP_TIMEOUT_MS = 600_000;
export const LOGIN_TIMEOUT_MS = 180_000;
