/**
 * A MySQL/MariaDB change-log position as the target stores it (SPEC §16, `sync_state.mark`):
 * `{"file":"binlog.000001","pos":1091,"gtid":"0-1-4"}`. `file`/`pos` are where the next binlog
 * dump starts and always sit at a transaction boundary (after an XID or a standalone DDL event);
 * `gtid` is MariaDB's GTID position there, kept for failover and diagnostics, not for ordering.
 */
import { ConnectorError } from '../../errors.js';

export interface BinlogPosition {
  file: string;
  pos: number;
  gtid?: string;
}

/** Binlog file names end in a sequence number (`binlog.000042`), which orders them. */
const FILE_SEQUENCE = /\.(\d+)$/;

export function formatPosition(p: BinlogPosition): string {
  return JSON.stringify(p.gtid ? { file: p.file, pos: p.pos, gtid: p.gtid } : { file: p.file, pos: p.pos });
}

export function parsePosition(text: string): BinlogPosition {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const p = value as Partial<BinlogPosition> | undefined;
  if (!p || typeof p.file !== 'string' || !FILE_SEQUENCE.test(p.file) || !Number.isSafeInteger(p.pos) || (p.pos as number) < 4
    || (p.gtid !== undefined && typeof p.gtid !== 'string')) {
    throw new ConnectorError('INVALID_PARAMETERS', 'The stored MySQL binlog position is not {"file":"<name>.<n>","pos":<n>}; re-snapshot the sync');
  }
  return { file: p.file, pos: p.pos as number, ...(p.gtid ? { gtid: p.gtid } : {}) };
}

export function fileSequence(file: string): number {
  return Number(FILE_SEQUENCE.exec(file)?.[1] ?? Number.NaN);
}

/** < 0 when `a` is before `b`: by file sequence number, then offset. */
export function comparePositions(a: BinlogPosition, b: BinlogPosition): number {
  return fileSequence(a.file) - fileSequence(b.file) || a.pos - b.pos;
}
