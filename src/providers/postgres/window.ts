/**
 * A ReadWindow (provider.ts, SPEC §13 incremental syncs) against one described source: which
 * planned columns the COPY emits, and the cursor's WHERE / ORDER BY.
 *
 * The bound is compared in the column's own type, never as text: `'<from>'::pg_catalog.int8`
 * (an integer bound beyond the type's range is compared as numeric, `boundType`).
 * It is cast to the base type WITHOUT the column's typmod on purpose: a typmod cast rounds or
 * rejects the literal (`'-1000'::numeric(5,2)` is an overflow error, and a mark minus a lookback
 * can leave the column's range; `'… 00:00:00.7'::timestamp(0)` rounds up a second and an
 * exclusive bound would then skip the rows of that second), while the unconstrained type
 * compares every value exactly. A timestamptz bound is UTC wall time: it is read as a timestamp
 * and placed in UTC by `pg_catalog.timezone('UTC', …)`, so neither the remote session's TimeZone
 * (a transaction-pooling pgbouncer can lose the session's `SET`) nor its DateStyle decides it.
 *
 * A diff-mode read (`keyRanges`) compares the key column itself with each range's integer bounds
 * in the same way, so a btree on the key serves every range (a BitmapOr of range scans). For an
 * integer key a bound beyond the type's range is not compared as numeric (that would leave the
 * column's operators for all the OR's arms) but dropped or the range skipped: `k >= -2^70` holds
 * for every int8 value and `k >= 2^70` for none.
 *
 * COPY (SELECT …) takes no parameters, so the bound is a quoted literal (escapeLiteral) of a
 * value that first has to match the documented form.
 */
import pg from 'pg';
import { ConnectorError } from '../../errors.js';
import type { SourcePlan } from '../../rows/plan.js';
import type { ReadWindow } from '../provider.js';
import { typeKey, type RemoteColumn } from './cast-rules.js';
import { buildSelect, copyToSql, type CursorClause, type DescribedSource, type KeyRangeClause, type SelectedColumn, type SelectFilter } from './sql-text.js';

/** Remote types (cast-rules.ts typeKey, after domains) a cursor can be, and the type its bound is cast to. */
export const CURSOR_TYPES: ReadonlyMap<string, string> = new Map(
  ['int2', 'int4', 'int8', 'numeric', 'date', 'timestamp', 'timestamptz'].map((name) => [name, `pg_catalog.${name}`]),
);
const TIMESTAMP = 'pg_catalog.timestamp';
const TIMESTAMPTZ = 'pg_catalog.timestamptz';
const NUMERIC = 'pg_catalog.numeric';
/** Bits of each integer type: a bound beyond its range or with a fraction would fail the cast, so it is compared as numeric. */
const INTEGER_BITS: ReadonlyMap<string, number> = new Map([['pg_catalog.int2', 16], ['pg_catalog.int4', 32], ['pg_catalog.int8', 64]]);
const INTEGER_TEXT = /^-?[0-9]+$/;
/** The types a diff-mode key (KeyBuckets.column, ReadWindow.keyRanges.column) can be, after domains. */
const DIFF_KEY_TYPES: ReadonlySet<string> = new Set([...INTEGER_BITS.keys(), NUMERIC]);

/** ReadWindow.cursor.from: plain digits, a date, a timestamp (provider.ts). */
const CURSOR_FROM = /^[0-9 :.-]+$/;

/** The cast a cursor bound on this column needs, or undefined when the column cannot be a cursor (text, floats, arrays, …). */
export function cursorTypeOf(column: RemoteColumn): string | undefined {
  return CURSOR_TYPES.get(typeKey(column));
}

export interface DescribedColumns {
  source: DescribedSource;
  /** One per plan column, in the plan's order. */
  selected: SelectedColumn[];
}

/** The COPY statement of one read, and how many columns each of its rows has. */
export function windowedCopySql(plan: SourcePlan, described: DescribedColumns, limit: number, window: ReadWindow | undefined, format: 'text' | 'binary'): { sql: string; columnCount: number } {
  const columns = window?.columns ? window.columns.map((name) => described.selected[planIndex(plan, name, 'window column')]!) : described.selected;
  if (columns.length === 0) throw new ConnectorError('INVALID_PARAMETERS', 'The read selects no column (an empty column list)');
  const filter: SelectFilter = {};
  if (window?.cursor) {
    const i = planIndex(plan, window.cursor.column, 'cursor column');
    filter.cursor = cursorClause(described.selected[i]!, plan.columns[i]!.remoteType, window.cursor);
  }
  if (window?.keyRanges) {
    const column = diffKeyColumn(plan, described, window.keyRanges.column);
    filter.keyRanges = { column, ranges: keyRangeBounds(column.cursorType!, window.keyRanges.ranges) };
  }
  if (window?.order && !window.cursor) filter.order = window.order.map((name) => described.selected[planIndex(plan, name, 'key column')]!);
  return { sql: copyToSql(buildSelect(described.source, columns, limit, filter), format), columnCount: columns.length };
}

/** The described column of a diff-mode key: a plan column of an integer or numeric type (or a domain over one). */
export function diffKeyColumn(plan: SourcePlan, described: DescribedColumns, name: string): SelectedColumn {
  const i = planIndex(plan, name, 'diff-mode key column');
  const column = described.selected[i]!;
  if (column.cursorType === undefined || !DIFF_KEY_TYPES.has(column.cursorType)) {
    throw new ConnectorError('INVALID_PARAMETERS', `The diff-mode key column "${name}" has type ${plan.columns[i]!.remoteType}; a merge without a cursor needs a single-column integer or numeric primary_key`);
  }
  return column;
}

/** Plain-digit integer text (ReadWindow.keyRanges, KeyBuckets) as a BigInt, or INVALID_PARAMETERS naming `what`. */
export function integerParameter(value: string, what: string): bigint {
  if (!INTEGER_TEXT.test(value)) throw new ConnectorError('INVALID_PARAMETERS', `The ${what} ${JSON.stringify(value)} is not an integer`);
  return BigInt(value);
}

/**
 * Each range's bounds as literals of the key's type. Adjacent ranges are joined (fewer OR arms);
 * for an integer key, ranges outside the type's values are dropped and bounds beyond it omitted.
 */
function keyRangeBounds(type: string, ranges: ReadonlyArray<{ from: string; to: string }>): KeyRangeClause['ranges'] {
  const joined: Array<{ from: bigint; to: bigint }> = [];
  for (const range of ranges) {
    const from = integerParameter(range.from, 'key range bound');
    const to = integerParameter(range.to, 'key range bound');
    if (from >= to) continue;
    const last = joined[joined.length - 1];
    if (last !== undefined && last.to === from) last.to = to;
    else joined.push({ from, to });
  }
  const literal = (value: bigint) => `${pg.escapeLiteral(value.toString())}::${type}`;
  const range = integerRange(type);
  if (range === undefined) return joined.map((r) => ({ from: literal(r.from), to: literal(r.to) }));
  const { min, max } = range;
  return joined.filter((r) => r.from <= max && r.to > min).map((r) => ({
    ...(r.from > min ? { from: literal(r.from) } : {}),
    ...(r.to <= max ? { to: literal(r.to) } : {}),
  }));
}

/** The values of an integer type (`pg_catalog.int2` …), or undefined for any other type. */
export function integerRange(type: string): { min: bigint; max: bigint } | undefined {
  const bits = INTEGER_BITS.get(type);
  if (bits === undefined) return undefined;
  const min = -(2n ** BigInt(bits - 1));
  return { min, max: -min - 1n };
}

function planIndex(plan: SourcePlan, name: string, role: string): number {
  const found = plan.columns.flatMap((c, i) => (c.remoteName === name ? [i] : []));
  if (found.length === 0) throw new ConnectorError('INVALID_PARAMETERS', `The ${role} "${name}" is not an imported column of the PostgreSQL source`);
  if (found.length > 1) throw new ConnectorError('INVALID_PARAMETERS', `The ${role} "${name}" names ${found.length} columns of the sql_query; give them distinct names`);
  return found[0]!;
}

function cursorClause(column: SelectedColumn, remoteType: string, cursor: NonNullable<ReadWindow['cursor']>): CursorClause {
  const type = column.cursorType;
  if (!type) {
    throw new ConnectorError('INVALID_PARAMETERS', `The cursor column "${cursor.column}" has type ${remoteType}, which cannot be a cursor; use an integer, numeric, date, timestamp or timestamptz column`);
  }
  const includeNulls = cursor.includeNulls === true;
  if (cursor.from === undefined) return { column, includeNulls };
  if (!CURSOR_FROM.test(cursor.from)) throw new ConnectorError('INVALID_PARAMETERS', `The cursor mark ${JSON.stringify(cursor.from)} of "${cursor.column}" is not a number, date or timestamp`);
  const literal = pg.escapeLiteral(cursor.from);
  const sql = type === TIMESTAMPTZ ? `pg_catalog.timezone('UTC', ${literal}::${TIMESTAMP})` : `${literal}::${boundType(type, cursor.from)}`;
  return { column, bound: { sql, exclusive: cursor.exclusive === true }, includeNulls };
}

/**
 * The column's type, except for an integer bound outside the column's range (a mark minus a
 * lookback below -32768 for a smallint): numeric compares it exactly where the cast would fail.
 * Only then does the comparison leave the column's btree operators (no index scan on the cursor).
 */
function boundType(type: string, from: string): string {
  const bits = INTEGER_BITS.get(type);
  if (bits === undefined) return type;
  if (!INTEGER_TEXT.test(from)) return NUMERIC;
  const value = BigInt(from);
  const limit = 2n ** BigInt(bits - 1);
  return value >= -limit && value < limit ? type : NUMERIC;
}
