/**
 * A MariaDB source that is slow on purpose, so a fault can be injected while rows stream: each
 * row costs SLEEP(sleepSeconds) on the server, and rows are padded so MariaDB's 16 KB network
 * buffer flushes every few rows (rows_fetched moves while the query runs).
 */
import type { MysqlDb } from '../../helpers/mysql.js';

/** Enough numbered rows for every slow query in a file. */
export const NUMBERS_ROWS = 2000;
const PAD_BYTES = 1000;

// A recursive CTE would stop silently at MariaDB's max_recursive_iterations (1000): cross join digits.
const DIGITS = '(select 0 d union all select 1 union all select 2 union all select 3 union all select 4 union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)';

export async function createNumbers(my: { exec(sql: string): Promise<unknown> }): Promise<void> {
  await my.exec(`create table numbers (n int primary key);
    insert into numbers select n from (select 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d as n from ${DIGITS} a, ${DIGITS} b, ${DIGITS} c, ${DIGITS} e) s
     where n <= ${NUMBERS_ROWS};`);
}

/**
 * A sql_query of `rows` rows taking about rows × sleepSeconds on the server. `marker` names it in
 * the remote processlist.
 */
export function slowQuery(opts: SlowQueryOptions): string {
  return `select n, '${opts.marker}' as marker, repeat('x', ${PAD_BYTES}) as pad from numbers where n <= ${opts.rows} and sleep(${opts.sleepSeconds}) = 0 order by n`;
}

export interface SlowQueryOptions {
  rows: number;
  /** Seconds per row, or a SQL expression such as `(select s from delay)` that a test can change between attempts. */
  sleepSeconds: number | string;
  marker: string;
}

export function slowRequest(my: MysqlDb, opts: SlowQueryOptions & { table: string; connection?: Record<string, unknown> }): Record<string, unknown> {
  return { connector: { provider: 'mysql', connection: opts.connection ?? my.connection(), table: opts.table, sql_query: slowQuery(opts) } };
}
