/**
 * One statement on a connection of its own, closed right after: for what cannot go through a
 * database's pool (CREATE / DROP DATABASE, cluster-wide roles, acting once as another login role)
 * and for setup code that runs before any pool exists (global setup, test servers, fixtures).
 */
import pg from 'pg';
import { inject } from 'vitest';

/**
 * Runs `text` on a fresh connection to `url` and returns its rows. Without values it goes by the
 * simple protocol, so `text` may hold several statements (the rows are then not meaningful).
 */
export async function queryOnce<R extends pg.QueryResultRow = Record<string, any>>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Runs `text` as the superuser on the test cluster's maintenance database (in test files only: it needs inject). */
export async function adminQuery(text: string): Promise<void> {
  await queryOnce(inject('servers').pg.url, text);
}
