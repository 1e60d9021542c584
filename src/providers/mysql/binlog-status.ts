/**
 * The source's binlog as SQL shows it: the current end (`SHOW MASTER STATUS`, `SHOW BINARY LOG
 * STATUS` on MySQL 8.4+ where the old spelling is gone), the files still on disk, and the
 * consistent-snapshot position (MariaDB's Binlog_snapshot_* status, MySQL's lock sequence).
 */
import { ConnectorError } from '../../errors.js';
import type { BinlogPosition } from './binlog-position.js';
import { driverErrno, type MysqlConnection } from './connection.js';

const ER_PARSE_ERROR = 1064;
/** ER_SPECIFIC_ACCESS_DENIED_ERROR: "you need (at least one of) the … privilege(s)". */
export const ER_SPECIFIC_ACCESS_DENIED = 1227;

/** The log's end now: where a bounded read stops. */
export async function logEnd(conn: MysqlConnection): Promise<BinlogPosition> {
  let rows;
  try {
    rows = await conn.query('SHOW MASTER STATUS');
  } catch (err) {
    if (driverErrno(err) !== ER_PARSE_ERROR) throw privilegeError(err, conn, 'REPLICATION CLIENT');
    rows = await conn.query('SHOW BINARY LOG STATUS').catch((e: unknown) => { throw privilegeError(e, conn, 'REPLICATION CLIENT'); });
  }
  const [file, pos] = rows[0] ?? [];
  if (file === undefined || file === null) {
    throw new ConnectorError('INVALID_PARAMETERS', `The MySQL server ${conn.ctx.server} writes no binary log; enable it (my.cnf [mysqld] log_bin=binlog and server_id=<n>, then restart)`);
  }
  return { file: String(file), pos: Number(pos) };
}

/** `SHOW BINARY LOGS`: the files the server still has, oldest first, with their sizes. */
export async function binaryLogs(conn: MysqlConnection): Promise<Array<{ file: string; size: number }>> {
  const rows = await conn.query('SHOW BINARY LOGS').catch((e: unknown) => { throw privilegeError(e, conn, 'REPLICATION CLIENT'); });
  return rows.map((r) => ({ file: String(r[0]), size: Number(r[1]) }));
}

/**
 * Opens a consistent-snapshot transaction on `conn` and returns the binlog position it sees.
 * MariaDB (and Percona) report it without locks; MySQL needs a short global read lock so that
 * no commit falls between the snapshot and SHOW MASTER STATUS.
 */
export async function startSnapshot(conn: MysqlConnection): Promise<BinlogPosition> {
  if (conn.flavour === 'mariadb') {
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    const status = new Map((await conn.query("SHOW STATUS LIKE 'binlog_snapshot%'")).map((r) => [String(r[0]).toLowerCase(), r[1]]));
    const file = status.get('binlog_snapshot_file');
    const pos = Number(status.get('binlog_snapshot_position'));
    if (!file) {
      await conn.query('ROLLBACK');
      throw new ConnectorError('INVALID_PARAMETERS', `The MariaDB server ${conn.ctx.server} writes no binary log; enable it (my.cnf [mysqld] log_bin=binlog and server_id=<n>, then restart)`);
    }
    const [[gtid]] = (await conn.execute('SELECT BINLOG_GTID_POS(?, ?)', [String(file), pos])) as [[string | null]];
    return { file: String(file), pos, ...(gtid ? { gtid: String(gtid) } : {}) };
  }
  try {
    await conn.query('FLUSH TABLES WITH READ LOCK');
  } catch (err) {
    throw privilegeError(err, conn, 'RELOAD');
  }
  try {
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    return await logEnd(conn);
  } finally {
    await conn.query('UNLOCK TABLES');
  }
}

/** A 1227 "needs privilege X" as 1503 with the GRANT that fixes it; other errors unchanged. */
export function privilegeError(err: unknown, conn: MysqlConnection, privilege: string): unknown {
  if (driverErrno(err) !== ER_SPECIFIC_ACCESS_DENIED) return err;
  return new ConnectorError('SOURCE_AUTH_FAILED', `The MySQL user "${conn.ctx.username ?? ''}" lacks the ${privilege} privilege change capture needs; `
    + `run GRANT ${privilege} ON *.* TO the user on the source`, { cause: err });
}
