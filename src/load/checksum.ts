/**
 * The content checksum a sync keeps per run, so that a run over unchanged remote rows writes
 * nothing (no churn, no dead tuples: SPEC §5). Computed on the staged rows of a refresh and on
 * the new table of a first run, which hold the same columns in the same order, so the second
 * run can already skip an unchanged table.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { qi } from './ddl.js';
import type { TableColumn } from './target-catalog.js';

/**
 * Order-independent: the row count and the sum of a 64-bit hash of each row's text, over the
 * columns in their planned order, plus the column names and types, as md5 hex. A sum (not XOR)
 * so that duplicated rows count.
 */
export async function checksumOf(client: pg.ClientBase, table: string, columns: readonly TableColumn[]): Promise<string> {
  const row = `row(${columns.map((c) => `t.${qi(c.name)}`).join(', ')})::text`;
  const { rows } = await client.query<{ n: string; h: string }>(
    `select pg_catalog.count(*)::text as n, coalesce(pg_catalog.sum(pg_catalog.hashtextextended(${row}, 0::bigint)), 0)::text as h from ${table} as t`);
  const signature = columns.map((c) => `${c.name} ${c.type}`).join(',');
  return crypto.createHash('md5').update(`${rows[0]!.n}:${rows[0]!.h}:${signature}`).digest('hex');
}
