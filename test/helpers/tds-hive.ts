/**
 * E2e files that run the same cases against SQL Server and Hive (issue 19 item 5): the TDS and
 * HiveServer2 test servers side by side under one sync fixture (one target database, alice, a
 * sync sidecar), each one's test tables (made anew, read back as text), and the local table's
 * column types.
 */
import { afterAll, beforeAll } from 'vitest';
import { hiveTables, localHiveServerFactory, type HiveTestServer } from '../providers/hive/server-factory.js';
import { sqlserverTables, tdsTestServer, type SqlServerUnderTest } from '../providers/sqlserver/server.js';
import { syncFixture, type SyncFixture } from './incremental.js';
import type { TargetDb } from './target.js';

export type TdsAndHive = [SqlServerUnderTest, HiveTestServer];

/** syncFixture with both test servers as the source. */
export const tdsAndHiveFixture = () => syncFixture<TdsAndHive>(
  () => Promise.all([tdsTestServer.start(), localHiveServerFactory('PLAIN').start()]),
  (servers) => Promise.all(servers.map((s) => s.stop())),
);

/** Both servers' test tables, for describe.each; `servers()` is read when a case runs, after beforeAll. */
export const tdsAndHiveTables = (servers: () => TdsAndHive) => [sqlserverTables(() => servers()[0]), hiveTables(() => servers()[1])];

export type RemoteTables = ReturnType<typeof tdsAndHiveTables>[number];

/**
 * The file's beforeAll / afterAll of tdsAndHiveFixture: `env` is filled in once beforeAll has
 * run; `remotes` are both servers' test tables, for describe.each.
 */
export function useTdsAndHive(): { env: SyncFixture<TdsAndHive>; remotes: RemoteTables[] } {
  const fixture = tdsAndHiveFixture();
  const env = {} as SyncFixture<TdsAndHive>;
  beforeAll(async () => {
    Object.assign(env, await fixture.setUp());
  });
  afterAll(() => fixture.tearDown());
  return { env, remotes: tdsAndHiveTables(() => env.source) };
}

/** The local table's columns and their types, as format_type spells them, in column order. */
export async function columnTypes(db: TargetDb, table: string): Promise<Record<string, string>> {
  const { rows } = await db.query<{ name: string; type: string }>(
    `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
      where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`, [table]);
  return Object.fromEntries(rows.map((r) => [r.name, r.type]));
}
