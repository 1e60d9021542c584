/**
 * The polite end of a remote connection, bounded in time (mysql and postgres connection.ts): the
 * goodbye message (COM_QUIT, Terminate) gets no answer, and a server that does not close the
 * socket promptly must not hold a finished job or answer open; after `ms` the caller drops the
 * socket itself.
 */
export async function closeWithin(ms: number, end: (done: () => void) => void): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    end(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
