/**
 * Creates a logical slot together with an exported snapshot (docs/change-capture-design.md §1c):
 * `CREATE_REPLICATION_SLOT … LOGICAL pgoutput (SNAPSHOT 'export')` on a replication connection.
 * The snapshot lives only while that connection stays open and idle, so the caller imports it
 * (SET TRANSACTION SNAPSHOT) before calling `close()`.
 *
 * Creating the slot waits for every transaction already running on the source to finish (the
 * snapshot builder needs a consistent point): one long source transaction blocks it. The
 * walsender does not apply statement_timeout to replication commands, so the wait is bounded here
 * by the session's statement timeout (a CancelRequest interrupts the wait; the half-made slot is
 * ephemeral and vanishes with the error).
 */
import pg from 'pg';
import { ConnectorError } from '../../errors.js';
import { seconds } from '../timeout-errors.js';
import type { SessionOptions, SourceRequest } from '../provider.js';
import { openReplicationConnection } from './connection.js';
import { classifyPgError } from './errors.js';

/** PostgreSQL 15 replaced `EXPORT_SNAPSHOT` by the `(SNAPSHOT 'export')` option list; 15 still reads both. */
const SNAPSHOT_OPTION_VERSION = 150000;
/** How long a CancelRequest gets to stop the slot creation before the socket is dropped. */
const CANCEL_GRACE_MS = 1_000;

export interface ExportedSlot {
  consistentPoint: string;
  snapshotName: string;
  /** Ends the replication connection, and with it the exported snapshot. */
  close(): Promise<void>;
}

export async function createExportedSlot(request: SourceRequest, opts: SessionOptions, slot: string, signal: AbortSignal): Promise<ExportedSlot> {
  const repl = await openReplicationConnection(request, opts);
  const { ctx } = repl;
  const option = repl.server.versionNum >= SNAPSHOT_OPTION_VERSION ? "(SNAPSHOT 'export')" : 'EXPORT_SNAPSHOT';
  let stopped: ConnectorError | undefined;
  const stop = (err: ConnectorError) => {
    stopped = err;
    void repl.cancel().then((cancelError) => {
      if (cancelError) opts.log.warn({ err: cancelError.message }, 'PostgreSQL cancel request failed');
      // A cancel that did not arrive leaves the walsender waiting: dropping the socket ends it.
      setTimeout(() => repl.destroy(), CANCEL_GRACE_MS).unref();
    });
  };
  const onAbort = () => stop(new ConnectorError('CANCELLED', 'Cancelled while creating the PostgreSQL replication slot'));
  const timeoutMs = ctx.statementTimeoutMs;
  const timer = Number.isFinite(timeoutMs) && timeoutMs > 0
    ? setTimeout(() => stop(new ConnectorError('SOURCE_UNREACHABLE',
      `Creating the PostgreSQL replication slot "${slot}" on ${ctx.server}:${ctx.port} did not finish within ${seconds(timeoutMs)} s (setting statement_timeout): `
      + 'it waits for every transaction already running on the source to end; find long-running ones in pg_stat_activity (state "idle in transaction" or old xact_start) and retry')), timeoutMs)
    : undefined;
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal.aborted) throw new ConnectorError('CANCELLED', 'Cancelled before the PostgreSQL replication slot was created');
    const { rows } = await repl.client.query<{ consistent_point: string; snapshot_name: string }>(`CREATE_REPLICATION_SLOT ${pg.escapeIdentifier(slot)} LOGICAL pgoutput ${option}`);
    const row = rows[0]!;
    return { consistentPoint: row.consistent_point, snapshotName: row.snapshot_name, close: () => repl.close() };
  } catch (err) {
    repl.destroy();
    throw stopped ?? classifyPgError(err, ctx);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
