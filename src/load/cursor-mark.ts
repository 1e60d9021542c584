/**
 * The mark of an incremental sync (SPEC §13): the cursor's maximum among the rows a run read,
 * kept as exact text, and the lower bound the next run reads from. Both are computed by the
 * target in SQL, on the local values the run stored, so nothing passes through a float or a
 * JavaScript Date: a datetime(6) mark keeps its microseconds, a decimal(30,10) mark its digits,
 * a BIGINT UNSIGNED mark above 2^63 stays exact (it is a numeric locally).
 *
 * The text is the ReadWindow `from` form (providers/provider.ts): digits for numbers,
 * `YYYY-MM-DD` for dates, `YYYY-MM-DD HH:MM:SS.ffffff` for timestamps, timestamptz in UTC wall
 * time without an offset, so every remote dialect can cast it to the column's own type.
 */
import type pg from 'pg';
import { ConnectorError } from '../errors.js';

/** How a cursor column orders: the local types whose order is the same on every engine (no collation). */
export type CursorKind = 'integer' | 'numeric' | 'date' | 'timestamp' | 'timestamptz';

const KINDS: ReadonlyArray<[RegExp, CursorKind]> = [
  [/^(smallint|integer|int|int2|int4|int8|bigint)$/i, 'integer'],
  [/^(numeric|decimal)(\(\s*\d+\s*(,\s*\d+\s*)?\))?$/i, 'numeric'],
  [/^date$/i, 'date'],
  [/^timestamp(\(\d\))?( without time zone)?$/i, 'timestamp'],
  [/^(timestamptz(\(\d\))?|timestamp(\(\d\))? with time zone)$/i, 'timestamptz'],
];

/** The kind of a cursor of local type `localType`; undefined when it cannot be compared exactly on both sides. */
export function cursorKindOf(localType: string): CursorKind | undefined {
  return KINDS.find(([shape]) => shape.test(localType.trim()))?.[1];
}

/** The SQL type the target computes a kind in (timestamptz marks are UTC wall times, so timestamp). */
const SQL_TYPE: Record<CursorKind, string> = {
  integer: 'pg_catalog.numeric', numeric: 'pg_catalog.numeric', date: 'pg_catalog.date',
  timestamp: 'pg_catalog.timestamp', timestamptz: 'pg_catalog.timestamp',
};

/** `expr` (of the kind's SQL_TYPE) as mark text. */
function asMarkText(kind: CursorKind, expr: string): string {
  switch (kind) {
    case 'integer': case 'numeric': return `(${expr})::pg_catalog.text`;
    case 'date': return `pg_catalog.to_char(${expr}, 'YYYY-MM-DD')`;
    default: return `pg_catalog.to_char(${expr}, 'YYYY-MM-DD HH24:MI:SS.US')`;
  }
}

/** A local column value as the kind's SQL_TYPE (timestamptz → its UTC wall time). */
function asKindValue(kind: CursorKind, column: string): string {
  return kind === 'timestamptz' ? `pg_catalog.timezone('UTC', ${column})` : `(${column})::${SQL_TYPE[kind]}`;
}

/** Anything else cannot be a bound (infinity, NaN, years past 9999, BC dates). */
const MARK_SHAPE = /^-?[0-9]+(\.[0-9]+)?$|^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?)?$/;

export interface Mark {
  /** NULL when no row with a non-NULL cursor was ever read. */
  mark: string | null;
  /** Rows of this read at `mark` (the next read takes them again: its bound is inclusive). */
  rowsAtMark: number;
  /** Rows of this read whose cursor is NULL (merged every run: the `null_cursor` warning). */
  nullRows: number;
}

/**
 * The new mark after reading `table` (the staged rows, or a first run's new table): the greater
 * of the rows' maximum and the previous mark (rows at or below an old mark may have been
 * updated or deleted remotely: the mark never moves back).
 */
export async function readMark(client: pg.ClientBase, table: string, column: string, kind: CursorKind, previous: string | null): Promise<Mark> {
  const value = asKindValue(kind, `t.${column}`);
  // `column` is quoted by the caller (a local name through qi)
  const { rows } = await client.query<{ mark: string | null; n: string; nulls: string }>(
    `with m as (select pg_catalog.max(${value}) as v, pg_catalog.count(*) filter (where t.${column} is null) as nulls from ${table} as t)
     select ${asMarkText(kind, `greatest(m.v, $1::${SQL_TYPE[kind]})`)} as mark, m.nulls::pg_catalog.text as nulls,
            (select pg_catalog.count(*) from ${table} as t where ${value} operator(pg_catalog.=) greatest(m.v, $1::${SQL_TYPE[kind]}))::pg_catalog.text as n
       from m`, [previous]);
  const mark = rows[0]!.mark;
  if (mark !== null && !MARK_SHAPE.test(mark)) {
    throw new ConnectorError('INVALID_PARAMETERS',
      `The cursor's maximum ${mark.slice(0, 40)} cannot be a mark (infinite, not a number, or a year outside 0001–9999); choose another cursor column.`);
  }
  return { mark, rowsAtMark: Number(rows[0]!.n), nullRows: Number(rows[0]!.nulls) };
}

/**
 * Where the next read starts: `mark - lookback` (SPEC §13, late commits). An interval for date
 * and time cursors, a number for numeric ones; integer cursors round the bound down.
 */
export async function lowerBound(db: pg.Pool | pg.ClientBase, mark: string, kind: CursorKind, lookback: number | string | undefined): Promise<string> {
  if (lookback === undefined || lookback === 0) return mark;
  const numericCursor = kind === 'integer' || kind === 'numeric';
  if (numericCursor !== (typeof lookback === 'number')) {
    throw new ConnectorError('INVALID_PARAMETERS', numericCursor
      ? `The cursor is a number, so lookback must be a number too (how far below the mark to read again), not ${JSON.stringify(lookback)}.`
      : `The cursor is a date or time, so lookback must be an interval such as "10 minutes", not ${JSON.stringify(lookback)}.`);
  }
  const lowered = numericCursor
    ? `${kind === 'integer' ? 'pg_catalog.floor' : ''}($1::pg_catalog.numeric operator(pg_catalog.-) $2::pg_catalog.numeric)`
    : `($1::${SQL_TYPE[kind]} operator(pg_catalog.-) $2::pg_catalog.interval)${kind === 'date' ? '::pg_catalog.date' : ''}`;
  const { rows } = await db.query<{ bound: string }>(`select ${asMarkText(kind, lowered)} as bound`, [mark, String(lookback)]);
  const bound = rows[0]!.bound;
  if (!MARK_SHAPE.test(bound)) throw new ConnectorError('INVALID_PARAMETERS', `mark ${mark} minus lookback ${lookback} is out of range (${bound}).`);
  return bound;
}
