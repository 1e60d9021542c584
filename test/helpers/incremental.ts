/**
 * What the incremental-sync tests (issue 18, SPEC §13) share whatever the source: a target
 * database with alice and a sync sidecar, a sync created as alice and its first run awaited, the
 * run's counts, where the sync stands (sync_state), the diff-mode bucket geometry, and tables
 * compared as sorted rows of text, remote timestamps rounded to the microsecond the target keeps.
 * Reading the remote side stays in each provider's file; only the MariaDB read, used by three
 * files, is here.
 */
import pg from 'pg';
import type { MysqlDb } from './mysql.js';
import type { TestSidecar } from './sidecar.js';
import { createSync, startSyncSidecar, waitForSyncRun, type SyncRow } from './sync.js';
import { createTargetDb, type TargetDb } from './target.js';
import { withAlice, type RoleFactory, type TestRole } from '../sql/helpers.js';

export interface SyncFixture<S> {
  db: TargetDb;
  source: S;
  roles: RoleFactory;
  /** A member of cdb_connector_user (with CREATE on public unless `createInPublic: false`). */
  alice: TestRole;
  sidecar: TestSidecar;
}

/**
 * A file's beforeAll / afterAll: `setUp` makes the target database and the source side by side,
 * alice, then a sync sidecar; `tearDown` undoes whatever of that was made, the sidecar first.
 */
export function syncFixture<S>(startSource: () => Promise<S>, stopSource: (source: S) => Promise<unknown>, opts: { createInPublic?: boolean } = {}) {
  const made: Partial<SyncFixture<S>> = {};
  return {
    async setUp(): Promise<SyncFixture<S>> {
      [made.db, made.source] = await Promise.all([createTargetDb(), startSource()]);
      ({ roles: made.roles, alice: made.alice } = await withAlice(made.db, opts));
      made.sidecar = await startSyncSidecar(made.db);
      return made as SyncFixture<S>;
    },
    async tearDown(): Promise<void> {
      await made.sidecar?.stop();
      if (made.source !== undefined) await stopSource(made.source);
      // cleanup() drops the database too
      if (made.roles) await made.roles.cleanup();
      else await made.db?.drop();
    },
  };
}

/** cdb_connector_sync as `as`, then its first run awaited. */
export async function syncAndWait(db: TargetDb, as: TestRole, params: unknown, timeoutMs?: number): Promise<SyncRow> {
  const created = await createSync(db.urlAs(as.name), params);
  return waitForSyncRun(db, created.id, undefined, timeoutMs);
}

export interface RunCounts {
  state: string;
  rows_fetched: number;
  rows_inserted: number;
  rows_updated: number;
  rows_deleted: number;
  rows_unchanged: number;
}

export interface RunRecord extends RunCounts {
  error_code: number | null;
  error_message: string | null;
  warnings: Array<{ code: string; message: string }>;
}

const COUNTS = 'state, rows_fetched::int, rows_inserted::int, rows_updated::int, rows_deleted::int, rows_unchanged::int';

/** The counts of one run (import `importId`), nothing else: for whole-object comparisons. */
export async function runCounts(db: TargetDb, importId: string): Promise<RunCounts> {
  const { rows } = await db.query<RunCounts>(`select ${COUNTS} from cdb_connectors.imports where id = $1`, [importId]);
  if (!rows[0]) throw new Error(`no import ${importId}`);
  return rows[0];
}

/** The sync's latest run: its counts, error and warnings. */
export async function lastRun(db: TargetDb, syncId: string): Promise<RunRecord> {
  const { rows } = await db.query<RunRecord>(
    `select ${COUNTS}, error_code, error_message, warnings
       from cdb_connectors.imports where sync_id = $1 order by created_at desc limit 1`, [syncId]);
  if (!rows[0]) throw new Error(`sync ${syncId} has no run`);
  return rows[0];
}

export interface SyncState {
  mode: string;
  cursor: string | null;
  mark: string | null;
  rows_at_mark: number | null;
}

/** Where the sync stands between runs (cdb_connectors.sync_state, read as superuser). */
export async function syncState(db: TargetDb, syncId: string): Promise<SyncState> {
  const { rows } = await db.query<SyncState>('select mode, cursor, mark, rows_at_mark::int from cdb_connectors.sync_state where sync_id = $1', [syncId]);
  if (!rows[0]) throw new Error(`sync ${syncId} has no sync_state row`);
  return rows[0];
}

/** The mark and the rows read at it, nothing else. */
export async function markOf(db: TargetDb, syncId: string): Promise<Pick<SyncState, 'mark' | 'rows_at_mark'>> {
  const { mark, rows_at_mark } = await syncState(db, syncId);
  return { mark, rows_at_mark };
}

export interface DiffGeometry {
  key_column: string;
  origin: string;
  width: string;
  unlearned: boolean;
}

/** The diff mode's buckets as the first run laid them out (cdb_connectors.sync_diff). */
export async function diffGeometry(db: TargetDb, syncId: string): Promise<DiffGeometry> {
  const { rows } = await db.query<DiffGeometry>(
    'select key_column, origin::text, width::text, hashes is null as unlearned from cdb_connectors.sync_diff where sync_id = $1', [syncId]);
  if (!rows[0]) throw new Error(`sync ${syncId} has no sync_diff row`);
  return rows[0];
}

/** The bucket of `key`: floor((key - origin) / width), also below the origin. */
export function bucketOf(geometry: Pick<DiffGeometry, 'origin' | 'width'>, key: bigint): bigint {
  const origin = BigInt(geometry.origin);
  const width = BigInt(geometry.width);
  const d = key - origin;
  return d >= 0n ? d / width : -((-d + width - 1n) / width);
}

export type Cell = string | null;

/** Rows as sorted JSON text, every value as its String() text: a lost, duplicated or stale row shows. */
export function asSortedText(rows: ReadonlyArray<ReadonlyArray<unknown>>): string[] {
  return rows.map((r) => JSON.stringify(r.map((v) => (v === null ? null : String(v))))).sort();
}

/** The local table's rows (in column order) as sorted text. */
export async function localRows(db: TargetDb, sql: string): Promise<string[]> {
  const { rows } = await db.pool.query<unknown[]>({ text: sql, rowMode: 'array' });
  return asSortedText(rows);
}

/** A MariaDB SELECT's rows as sorted text (MariaDB's own text of each value). */
export async function mysqlRows(my: MysqlDb, sql: string): Promise<string[]> {
  const [rows] = await my.exec(sql) as [Record<string, unknown>[]];
  return asSortedText(rows.map((r) => Object.values(r)));
}

/** `rows` with the cells of `columns` (by index) passed through `round`. */
export function roundColumns(rows: Cell[][], columns: number[], round: (text: Cell) => Cell): Cell[][] {
  return rows.map((r) => r.map((v, i) => (columns.includes(i) ? round(v) : v)));
}

/**
 * A remote timestamp text `YYYY-MM-DD HH:MI:SS[.fraction]` as PostgreSQL stores it: rounded half
 * up on the 7th fractional digit, the carry going into seconds, minutes, … the date. `digits`
 * is how many fractional digits the remote's text may have (SQL Server's datetime2(7) text always
 * 7; Hive drops trailing zeros: 0 to 9); `what` names the type in the error for any other text.
 */
export function roundToMicroseconds(text: Cell, what: string, digits: { min: number; max: number }): Cell {
  if (text === null) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text);
  const fraction = m?.[7] ?? '';
  if (!m || fraction.length < digits.min || fraction.length > digits.max) throw new Error(`not a ${what} text: ${text}`);
  const seconds = BigInt(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000);
  const ns = seconds * 1_000_000_000n + BigInt(fraction.padEnd(9, '0'));
  const us = (ns + 500n) / 1000n;
  const whole = new Date(Number(us / 1_000_000n) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return `${whole}.${(us % 1_000_000n).toString().padStart(6, '0')}`;
}

/** Rows of `sql` as JSON text, sorted, read in UTC: for comparing a PostgreSQL remote's table with its copy. */
export async function pgRowsAsJson(url: string, sql: string): Promise<string[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query("set timezone = 'UTC'");
    return (await client.query(sql)).rows.map((r) => JSON.stringify(r)).sort();
  } finally {
    await client.end();
  }
}
