/**
 * Streams one SELECT into a RowSink. Backpressure: `sink.write` false → `request.pause()`
 * (tedious stops reading the socket, the server blocks on TCP) until `sink.drained()`. Cancel:
 * `request.cancel()` sends an ATTENTION packet and SQL Server stops the statement; used for the
 * AbortSignal (→ CANCELLED), the statement timeout (→ SOURCE_UNREACHABLE) and a full sink / the
 * row limit (→ resolves).
 */
import tedious from 'tedious';
import { ConnectorError } from '../../errors.js';
import type { CopyValue, RowSink } from '../../rows/sink.js';
import type { StreamOptions } from '../provider.js';
import type { Converter } from './cast-rules.js';
import type { SqlServerConnection } from './connection.js';
import { classifyRequestError } from './errors.js';

export interface StreamColumn {
  /** Position of the column in the result row. */
  index: number;
  name: string;
  convert: Converter;
}

export interface SelectPlan {
  sql: string;
  /** Bound by sp_executesql as nvarchar (the statement CASTs them to the type they compare as). */
  params: Array<{ name: string; value: string }>;
  columns: StreamColumn[];
  /** Columns the result must have (a mismatch means the query changed since describe). */
  resultWidth: number;
  /** What the statement does, for error messages (default: reading rows). */
  what?: string;
}

type Stop = 'full' | 'cancel' | 'timeout' | 'error';

export function streamSelect(sc: SqlServerConnection, plan: SelectPlan, sink: RowSink, opts: StreamOptions, statementTimeoutMs: number): Promise<void> {
  const { signal, limit } = opts;
  const ctx = sc.errorContext;
  if (signal.aborted) return Promise.reject(new ConnectorError('CANCELLED', 'The import was cancelled before reading rows from SQL Server'));
  return new Promise<void>((resolve, reject) => {
    let rows = 0;
    let stopped: Stop | undefined;
    let stopError: Error | undefined;
    let settled = false;
    const width = plan.columns.length;

    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };

    const request = new tedious.Request(plan.sql, (err) => {
      if (stopped === 'full') return finish();
      if (stopped === 'cancel') return finish(new ConnectorError('CANCELLED', `The import was cancelled; the SQL Server query was stopped after ${rows} rows`));
      if (stopped === 'timeout') return finish(new ConnectorError('SOURCE_UNREACHABLE', `SQL Server at ${ctx.where}: the query did not finish within the statement timeout (${statementTimeoutMs} ms); it was stopped after ${rows} rows`));
      if (stopped === 'error') return finish(stopError);
      if (err) return finish(classifyRequestError(err, ctx, plan.what ?? 'reading rows'));
      finish();
    });

    const stop = (why: Stop, err?: Error) => {
      if (stopped) return;
      stopped = why;
      stopError = err;
      request.cancel();
    };
    const onAbort = () => stop('cancel');
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => stop('timeout'), statementTimeoutMs);

    request.on('columnMetadata', (columns: unknown[] | Record<string, unknown>) => {
      const count = Array.isArray(columns) ? columns.length : Object.keys(columns).length;
      if (count !== plan.resultWidth) {
        stop('error', new ConnectorError('SOURCE_QUERY_FAILED', `SQL Server returned ${count} columns where ${plan.resultWidth} were described; run the import again`));
      }
    });

    request.on('row', (columns: Array<{ value: unknown }>) => {
      if (stopped) return;
      rows++;
      const out: CopyValue[] = new Array(width);
      try {
        for (let i = 0; i < width; i++) {
          const c = plan.columns[i]!;
          const v = columns[c.index]!.value;
          out[i] = v === null || v === undefined ? null : c.convert(v, rows);
        }
      } catch (err) {
        return stop('error', err instanceof ConnectorError ? err : new ConnectorError('INTERNAL', `Converting row ${rows}: ${(err as Error).message}`, { cause: err }));
      }
      const more = sink.write(out);
      if (sink.full || rows >= limit) return stop('full');
      if (!more) {
        request.pause();
        sink.drained().then(() => { if (!stopped) request.resume(); }, (err: Error) => stop('error', err));
      }
    });

    for (const p of plan.params) request.addParameter(p.name, tedious.TYPES.NVarChar, p.value);
    sc.conn.execSql(request);
  });
}
