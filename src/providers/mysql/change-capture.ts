/**
 * Change capture for MySQL/MariaDB (SPEC §16): the row-based binlog of one table, read with
 * @vlasky/zongji (binlog.ts, change-reader.ts). Positions are binlog-position.ts JSON.
 *
 * The binlog needs no slot: the source keeps its files for binlog_expire_logs_seconds whatever
 * the readers do, so confirm() and release() have nothing to do, and available() only asks
 * whether the stored file is still listed.
 *
 * snapshot() opens a consistent-snapshot transaction on the session's own connection; the
 * session's next streamRows runs its SELECT inside it on that connection and then ends it
 * (index.ts). A reconnect in between would read outside the snapshot, so index.ts fails then.
 */
import { ConnectorError } from '../../errors.js';
import type { ChangeCapture, ChangeLogNames, ChangeReadOptions, ChangeSink } from '../../rows/changes.js';
import type { SourcePlan } from '../../rows/plan.js';
import type { WarningCounter } from '../../rows/warnings.js';
import { comparePositions, fileSequence, formatPosition, parsePosition } from './binlog-position.js';
import { binaryLogs, ER_SPECIFIC_ACCESS_DENIED, logEnd, startSnapshot } from './binlog-status.js';
import { BinlogDump } from './binlog.js';
import { readBinlog } from './change-reader.js';
import { rowConverter } from './change-values.js';
import { driverErrno, type MysqlConnection } from './connection.js';

export interface CaptureSession {
  /** The session's (reading) connection, reopened if it was dropped. */
  connection(): Promise<MysqlConnection>;
  /** The followed table; fails for a sql_query source. */
  table(): { schema: string; table: string };
  encoding: string | undefined;
  /** snapshot() left `conn` inside a consistent-snapshot transaction. */
  snapshotTaken(conn: MysqlConnection): void;
}

/** Binlog reads have no job warning counter; values nulled on the way count nowhere (streamRows counts them on the first run). */
const NO_WARNINGS: WarningCounter = { count: () => {} };

const PRIVILEGES_SQL = `SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES
 WHERE GRANTEE = CONCAT('''', LEFT(CURRENT_USER(), LENGTH(CURRENT_USER()) - LENGTH(SUBSTRING_INDEX(CURRENT_USER(), '@', -1)) - 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')`;
const MONITOR_PRIVILEGES = ['REPLICATION CLIENT', 'BINLOG MONITOR', 'SUPER'];

export class MysqlChangeCapture implements ChangeCapture {
  constructor(private readonly session: CaptureSession) {}

  async check(plan: SourcePlan, _names: ChangeLogNames, opts: ChangeReadOptions): Promise<void> {
    this.session.table();
    rowConverter(plan, this.session.encoding, NO_WARNINGS); // fails for what the binlog cannot give exactly
    const missingKey = opts.key.filter((k) => !plan.columns.some((c) => c.remoteName === k));
    if (opts.key.length === 0 || missingKey.length > 0) {
      throw new ConnectorError('INVALID_PARAMETERS', `Change capture needs a primary_key of imported columns; not columns of the MySQL table: ${missingKey.join(', ') || '(none given)'}`);
    }
    const conn = await this.session.connection();
    const [[logBin, format, image]] = (await conn.query('SELECT @@global.log_bin, @@global.binlog_format, @@global.binlog_row_image')) as [[unknown, unknown, unknown]];
    if (String(logBin) !== '1' && String(logBin).toUpperCase() !== 'ON') {
      throw setting('the binary log is off', 'log_bin=binlog and server_id=<n> under [mysqld] in my.cnf, then restart the server');
    }
    if (String(format).toUpperCase() !== 'ROW') {
      throw setting(`binlog_format is ${String(format)}`, "binlog_format=ROW under [mysqld] in my.cnf, or SET GLOBAL binlog_format = 'ROW' (new sessions pick it up)");
    }
    if (String(image).toUpperCase() !== 'FULL') {
      throw setting(`binlog_row_image is ${String(image)}`, "binlog_row_image=FULL under [mysqld] in my.cnf, or SET GLOBAL binlog_row_image = 'FULL'");
    }
    const granted = new Set((await conn.query(PRIVILEGES_SQL)).map((r) => String(r[0]).toUpperCase()));
    const missing = [...(granted.has('REPLICATION SLAVE') ? [] : ['REPLICATION SLAVE']), ...(MONITOR_PRIVILEGES.some((p) => granted.has(p)) ? [] : ['REPLICATION CLIENT'])];
    if (missing.length > 0) {
      throw new ConnectorError('SOURCE_AUTH_FAILED', `The MySQL user "${conn.ctx.username ?? ''}" lacks ${missing.join(' and ')} for change capture; `
        + `run GRANT ${missing.join(', ')} ON *.* TO the user on the source`);
    }
  }

  async snapshot(_plan: SourcePlan, _names: ChangeLogNames, _opts: ChangeReadOptions): Promise<string> {
    this.session.table();
    const conn = await this.session.connection();
    const position = await startSnapshot(conn);
    this.session.snapshotTaken(conn);
    return formatPosition(position);
  }

  async available(position: string, _names: ChangeLogNames, _opts: { signal: AbortSignal }): Promise<boolean> {
    const { file } = parsePosition(position);
    return (await binaryLogs(await this.session.connection())).some((log) => log.file === file);
  }

  async readChanges(plan: SourcePlan, from: string, names: ChangeLogNames, sink: ChangeSink, opts: ChangeReadOptions): Promise<void> {
    const start = parsePosition(from);
    const { schema, table } = this.session.table();
    const convert = rowConverter(plan, this.session.encoding, NO_WARNINGS);
    const conn = await this.session.connection();
    const bound = await logEnd(conn);
    await readBinlog({
      dump: new BinlogDump(conn.config, conn.ctx), target: { schema, table, serverId: names.serverId },
      plan, convert, from: start, bound, sink, signal: opts.signal,
    });
  }

  async confirm(_position: string, _names: ChangeLogNames): Promise<void> {
    // The binlog has no reader-held retention: nothing to release.
  }

  async lagBytes(position: string, _names: ChangeLogNames): Promise<number | null> {
    const p = parsePosition(position);
    const conn = await this.session.connection();
    try {
      const end = await logEnd(conn);
      if (comparePositions(p, end) >= 0) return 0;
      if (end.file === p.file) return end.pos - p.pos;
      // Rest of the stored file, the whole files after it, the current file up to its end.
      let bytes = 0;
      for (const log of await binaryLogs(conn)) {
        const seq = fileSequence(log.file);
        if (log.file === p.file) bytes += Math.max(0, log.size - p.pos);
        else if (seq > fileSequence(p.file) && seq < fileSequence(end.file)) bytes += log.size;
      }
      return bytes + end.pos;
    } catch (err) {
      if (driverErrno(err) === ER_SPECIFIC_ACCESS_DENIED) return null;
      throw err;
    }
  }

  async release(_names: ChangeLogNames): Promise<void> {
    // No slot or publication exists on MySQL.
  }
}

function setting(problem: string, fix: string): ConnectorError {
  return new ConnectorError('INVALID_PARAMETERS', `Change capture needs a row-based binlog with full row images, but on the MySQL source ${problem}; set ${fix}`);
}
