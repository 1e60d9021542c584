/**
 * One binlog dump (@vlasky/zongji) from a position, for one table: started, paused for
 * backpressure, and stopped with both of its connections gone (no socket or timer left behind).
 *
 * zongji opens its own two mysql2 connections (a control one for INFORMATION_SCHEMA and the
 * dump) from the options given here, which are the session's own (connection.ts): the same
 * socket factory to the address the network policy checked, the same TLS options and flags. So
 * zongji cannot reach another host. Value options make its decoding exact (change-values.ts):
 * dateStrings, jsonStrings, bigNumberStrings, and timezone 'Z' because the binlog stores
 * TIMESTAMP as epoch seconds, which the provider's sessions print in UTC.
 */
import type mysql from 'mysql2';
import ZongJi, { type AnyBinlogEvent, type ColumnSchema } from '@vlasky/zongji';
import { ConnectorError } from '../../errors.js';
import { classifyMysqlError, type ErrorContext } from './errors.js';
import type { BinlogPosition } from './binlog-position.js';

/** include/mysql_com.h enum_field_types. */
const MYSQL_TYPE_BLOB = 252;
const MYSQL_TYPE_GEOMETRY = 255;
/** ER_MASTER_FATAL_ERROR_READING_BINLOG: the file is purged or the position is not in it. */
const ER_BINLOG_READ_FATAL = 1236;
/** ER_SPECIFIC_ACCESS_DENIED_ERROR: no REPLICATION SLAVE. */
const ER_SPECIFIC_ACCESS_DENIED = 1227;
/** zongji stop(): KILL of the dump thread is bounded by its own 1 s timer; ours is the backstop. */
const STOP_TIMEOUT_MS = 3_000;

export interface BinlogTarget {
  schema: string;
  table: string;
  serverId: number;
}

export class BinlogDump {
  private readonly zongji: ZongJi;
  private stopping: Promise<void> | undefined;

  constructor(config: mysql.ConnectionOptions, private readonly ctx: ErrorContext) {
    this.zongji = new ZongJi({
      ...config,
      ...(config.ssl && typeof config.ssl === 'object' ? { ssl: { ...config.ssl } } : {}),
      dateStrings: true, jsonStrings: true, supportBigNumbers: true, bigNumberStrings: true, timezone: 'Z',
    });
  }

  /** Streams from `from`; `onEvent` runs synchronously per event, `onError` once on a failure. */
  start(from: BinlogPosition, target: BinlogTarget, onEvent: (event: AnyBinlogEvent) => void, onError: (err: ConnectorError) => void): void {
    this.zongji.on('error', (err: unknown) => onError(this.classify(err, from)));
    this.zongji.on('binlog', (event: AnyBinlogEvent) => {
      if (event.getEventName() === 'tablemap') this.readSpatialAsBlob((event as { tableId: number }).tableId);
      onEvent(event);
    });
    this.zongji.start({
      serverId: target.serverId, filename: from.file, position: from.pos,
      includeSchema: { [target.schema]: [target.table] },
    });
  }

  /** The column definitions zongji decodes the table's rows with (INFORMATION_SCHEMA, fetched on its first TableMap). */
  columnSchemas(tableId: number): ColumnSchema[] | undefined {
    return this.zongji.tableMap[tableId]?.columnSchemas;
  }

  pause(): void {
    this.zongji.connection?.pause();
  }

  resume(): void {
    this.zongji.connection?.resume();
  }

  /** Ends the dump (KILL of its server thread) and closes both connections; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STOP_TIMEOUT_MS);
      this.zongji.once('stopped', () => {
        clearTimeout(timer);
        resolve();
      });
      this.zongji.stop();
    });
    return this.stopping;
  }

  /**
   * zongji parses spatial values into {x, y} objects, losing the SRID and most geometry kinds;
   * their binlog layout (length_size + bytes) is a BLOB's, so reading them as a BINARY BLOB gives
   * MySQL's internal SRID + WKB bytes, which values.ts turns into EWKB text as streamRows does.
   * Runs before the table's row events are parsed (zongji emits the TableMap first).
   */
  private readSpatialAsBlob(tableId: number): void {
    for (const column of this.zongji.tableMap[tableId]?.columns ?? []) {
      if (column.type === MYSQL_TYPE_GEOMETRY) {
        column.type = MYSQL_TYPE_BLOB;
        column.charset = null;
      }
    }
  }

  private classify(err: unknown, from: BinlogPosition): ConnectorError {
    const errno = (err as { errno?: number } | undefined)?.errno;
    const remote = (err as { sqlMessage?: string; message?: string } | undefined)?.sqlMessage ?? String((err as Error)?.message ?? err);
    if (errno === ER_BINLOG_READ_FATAL) {
      return new ConnectorError('SOURCE_NOT_FOUND', `The MySQL binlog from ${from.file}:${from.pos} is no longer on the source (purged or rotated away): ${remote}; the sync must re-snapshot`, { cause: err });
    }
    if (errno === ER_SPECIFIC_ACCESS_DENIED) {
      return new ConnectorError('SOURCE_AUTH_FAILED', `The MySQL user "${this.ctx.username ?? ''}" may not read the binlog: ${remote}; run GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO the user`, { cause: err });
    }
    return classifyMysqlError(err, this.ctx);
  }
}
