/**
 * Makes a decoded change's values exactly what streamRows gives for the same row.
 *
 * The peek runs in the session's own backend, so the output functions print with the session's
 * settings (TimeZone UTC, DateStyle ISO, IntervalStyle postgres, extra_float_digits 3,
 * bytea_output hex: connection.ts), as the COPY does. What differs is the SELECT cast a cast rule
 * puts in streamRows' SELECT (cast-rules.ts), per value here:
 * - `pg_catalog.text` (enums, composites, arrays of those, name, "char", reg*, extension types):
 *   an I/O conversion cast prints the type's output, which is the change's text. Only a cast
 *   FUNCTION to text can print something else: name and "char" are verified identical
 *   (change-capture-values.test.ts); any other type with one is refused by check().
 * - `pg_catalog.<elem>[]` (arrays of domains): the array's text does not change.
 * - `pg_catalog.numeric` (money, printed with lc_monetary as `$1,234.50`): converted by the
 *   server, one statement per fetched batch, in the same session (same lc_monetary).
 * - a user cast's time zone: ` <zone>` appended to finite values, as sql-text.ts withZone does.
 */
import { ConnectorError } from '../../errors.js';
import { UNCHANGED, type Change, type ChangeValue } from '../../rows/changes.js';
import type { SourcePlan } from '../../rows/plan.js';
import type { Described } from './catalog.js';

export const TEXT_CAST = 'pg_catalog.text';
const MONEY_CAST = 'pg_catalog.numeric';
/** Types whose cast FUNCTION to text prints what their output function prints (verified by test). */
export const TEXT_CAST_FUNCTIONS_IDENTICAL: ReadonlySet<string> = new Set(['name', '"char"']);
const MONEY_SQL = `select (u.v::pg_catalog.money)::pg_catalog.numeric::pg_catalog.text as v
  from unnest($1::pg_catalog.text[]) with ordinality as u(v, i) order by u.i`;

type Query = (text: string, values: unknown[]) => Promise<Array<{ v: string }>>;

interface ColumnConversion {
  money: boolean;
  zone?: string;
}

export class ChangeValues {
  private readonly columns: ColumnConversion[];

  constructor(plan: SourcePlan, described: Described) {
    this.columns = plan.columns.map((_, i) => {
      const selected = described.selected[i]!;
      const cast = selected.selectCast;
      if (cast !== undefined && cast !== TEXT_CAST && cast !== MONEY_CAST && !cast.endsWith('[]')) {
        throw new ConnectorError('INTERNAL', `No change-capture conversion for the SELECT cast ${cast}`);
      }
      return { money: cast === MONEY_CAST, ...(selected.timeZone !== undefined ? { zone: selected.timeZone } : {}) };
    });
  }

  /** Converts the values of `changes` in place (money through one server statement). */
  async convert(changes: readonly Change[], query: Query): Promise<void> {
    const pending: Array<{ values: ChangeValue[]; i: number }> = [];
    for (const change of changes) {
      for (const values of valuesOf(change)) this.collect(values, pending);
    }
    if (pending.length > 0) {
      const rows = await query(MONEY_SQL, [pending.map((p) => p.values[p.i])]);
      pending.forEach((p, n) => { p.values[p.i] = rows[n]!.v; });
    }
    for (const change of changes) {
      for (const values of valuesOf(change)) this.addZones(values);
    }
  }

  private collect(values: ChangeValue[], pending: Array<{ values: ChangeValue[]; i: number }>): void {
    this.columns.forEach((c, i) => {
      if (c.money && typeof values[i] === 'string') pending.push({ values, i });
    });
  }

  private addZones(values: ChangeValue[]): void {
    this.columns.forEach((c, i) => {
      const v = values[i];
      if (c.zone !== undefined && typeof v === 'string' && v !== 'infinity' && v !== '-infinity') values[i] = `${v} ${c.zone}`;
    });
  }
}

/** The value arrays of a change: its new row and its old one, when it has them. */
function valuesOf(change: Change): ChangeValue[][] {
  if (change.op === 'truncate') return [];
  if (change.op === 'delete') return [change.old];
  return change.op === 'update' && change.old ? [change.row, change.old] : [change.row];
}

/** Keeps UNCHANGED out of old rows (a complete old image never has one; be safe). */
export function oldValue(v: ChangeValue): string | null {
  return v === UNCHANGED ? null : (v as string | null);
}
