/**
 * Drives a postgres SourceSession into a real target table the way the load does: the text path
 * through CopyTextEncoder + `COPY … FROM STDIN`, the binary path through BinaryCopyForwarder +
 * `COPY … FROM STDIN (FORMAT binary)`. The table is created from the plan's local types (only
 * the window's columns, in its order, when a read window names them).
 */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BinaryCopyForwarder } from '../../../src/load/binary-copy-sink.js';
import { CopyTextEncoder } from '../../../src/load/copy-encoder.js';
import type { ReadWindow, SourceSession } from '../../../src/providers/provider.js';
import type { SourcePlan } from '../../../src/rows/plan.js';
import type { WarningCounter } from '../../../src/rows/warnings.js';

export interface Loaded {
  rows: number;
  truncated: boolean;
}

const noWarnings: WarningCounter = { count: () => undefined };

export async function loadPlan(targetUrl: string, table: string, session: SourceSession, plan: SourcePlan, path: 'text' | 'binary', opts: { maxRows?: number; signal?: AbortSignal; window?: ReadWindow } = {}): Promise<Loaded> {
  const maxRows = opts.maxRows ?? 1_000_000_000;
  const client = new pg.Client(targetUrl);
  await client.connect();
  try {
    const read = opts.window?.columns ? opts.window.columns.map((name) => plan.columns.find((c) => c.remoteName === name)!) : plan.columns;
    const columns = read.map((c) => `${pg.escapeIdentifier(c.remoteName)} ${c.localType}`).join(', ');
    await client.query(`create table ${pg.escapeIdentifier(table)} (${columns})`);
    const format = path === 'binary' ? ' (format binary)' : '';
    const stream = client.query(copyFrom(`copy ${pg.escapeIdentifier(table)} from stdin${format}`));
    const finished = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    const streamOpts = { limit: maxRows + 1, warnings: noWarnings, signal: opts.signal ?? new AbortController().signal, ...(opts.window ? { window: opts.window } : {}) };
    let truncated: boolean;
    if (path === 'binary') {
      const forwarder = new BinaryCopyForwarder(stream, { maxRows });
      await session.streamBinaryCopy!(plan, forwarder, streamOpts);
      forwarder.finish();
      truncated = forwarder.truncated;
    } else {
      const encoder = new CopyTextEncoder(stream, { maxRows, columnCount: read.length });
      await session.streamRows(plan, encoder, streamOpts);
      encoder.flush();
      truncated = encoder.truncated;
    }
    stream.end();
    await finished;
    return { rows: Number(stream.rowCount), truncated };
  } finally {
    await client.end();
  }
}

/**
 * Every column of a table in its output form, in UTC, ordered by the first column (or, with
 * `order: 'load'`, by ctid: the order COPY stored the rows of a fresh table in, i.e. the order
 * the source streamed them). `format('%s')` calls the type's output function like COPY does;
 * `::text` would strip char(n)'s padding.
 */
export async function tableAsText(url: string, table: string, columns: readonly string[], order: 'first column' | 'load' = 'first column'): Promise<Array<Array<string | null>>> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query("set timezone = 'UTC'");
    const list = columns.map((c) => `case when ${pg.escapeIdentifier(c)} is null then null else format('%s', ${pg.escapeIdentifier(c)}) end`).join(', ');
    const { rows } = await client.query({ text: `select ${list} from ${pg.escapeIdentifier(table)} order by ${order === 'load' ? 'ctid' : pg.escapeIdentifier(columns[0]!)}`, rowMode: 'array' });
    return rows as Array<Array<string | null>>;
  } finally {
    await client.end();
  }
}
