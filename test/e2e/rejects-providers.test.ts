/**
 * Issue 19 item 5 (SPEC §14 rejected rows) with SQL Server and Hive sources, run by a real
 * sidecar as alice against the TDS and HiveServer2 test servers (each backed by a real
 * PostgreSQL database). For each provider:
 *   - an import with `"on_error": "reject"` and user cast rules (a varchar column to `date`, a
 *     decimal(10,2) column to `numeric(5,2)`) where three rows are refused by the target: an
 *     impossible date (22008), text that is no date (22007), a number too large for
 *     numeric(5,2) (22003), its value a hostile text kept verbatim as data. It completes with the warning rejected_rows; every good row is there,
 *     compared row for row with the remote (read through the real protocol); each reject row is
 *     checked field by field;
 *   - a read of 20,000 rows (several 2 MiB reject batches): the first, a middle and the last row
 *     refused, the others checksummed against the remote;
 *   - the limits: max_rejects and max_reject_ratio fail with 1512, no table, the rejects kept;
 *     without on_error the first bad row fails the import as before, rejecting nothing;
 *   - a replace sync rejects the same rows on every run and warns each time;
 *   - a merge sync whose table alice gave a NOT NULL and a CHECK: the refused rows (an insert and
 *     an update losing their note, an insert the CHECK refuses) are rejected, the rest merged, the
 *     counts exact, the rejected update leaves the old row in place;
 *   - into a PostGIS target: shapes PostGIS cannot read (a cast rule to geometry) are rejected
 *     (XX000), the others arrive as the_geom, cartodb_id numbered 1..n over the rows kept.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemoteValue } from '../providers/hive/server-factory.js';
import { asSortedText, lastRun, localRows, syncAndWait } from '../helpers/incremental.js';
import { importAndWait, startSidecar, type ImportStatus, type TestSidecar } from '../helpers/sidecar.js';
import { runSyncNow } from '../helpers/sync.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { columnTypes, useTdsAndHive } from '../helpers/tds-hive.js';
import { withAlice, type RoleFactory, type TestRole } from '../sql/helpers.js';

const { env, remotes: REMOTES } = useTdsAndHive();
let db: TargetDb;
let alice: TestRole;
beforeAll(() => {
  ({ db, alice } = env);
});

interface RejectRow { import_id: string; sync_id: string | null; owner: string; row_number: number; column_name: string | null; error_code: string; message: string; remote_value: string | null }

async function rejectsOf(importId: string): Promise<RejectRow[]> {
  return (await db.query<RejectRow>(`select import_id, sync_id, owner, row_number::int, column_name, error_code, message, remote_value
    from cdb_connectors.rejects where import_id = $1 order by row_number`, [importId])).rows;
}

const sha256 = (rows: string[]): string => crypto.createHash('sha256').update(rows.join('\n')).digest('hex');

const tableExists = async (name: string) => (await db.query('select to_regclass($1) is not null as e', [`public.${name}`])).rows[0].e as boolean;

const typesOf = (table: string) => columnTypes(db, table);

const ROWS = 60;
/** The bad rows, by id (= position in the read: the remote scans them in the order they were inserted). */
const BAD = { impossibleDate: 7, tooLarge: 23, noDate: 41 };
const CASTS = [{ column: 'd', to: 'date' }, { column: 'amount', to: 'numeric(5,2)' }];
/** A hostile remote text: it must arrive in the reject row as data, verbatim. */
const HOSTILE = "'); DROP TABLE cdb_connectors.rejects; --";

/** Row i of `things`: a valid date, an amount that fits numeric(5,2), a label; the bad rows as BAD says. */
function thing(i: number): RemoteValue[] {
  const d = i === BAD.impossibleDate ? '2024-02-30' : i === BAD.noDate ? HOSTILE : `2024-03-${String((i % 28) + 1).padStart(2, '0')}`;
  return [i, d, i === BAD.tooLarge ? '12345.67' : `${i}.25`, `thing ${i}`];
}

describe.each(REMOTES)('rejected rows from $provider', (remote) => {
  const t = (name: string) => `${remote.provider}_${name}`;
  const things = t('things');
  const COLUMNS = ['id', 'd', 'amount', 'label'];
  const importAs = (extra: Record<string, unknown>): Promise<ImportStatus> => importAndWait(db,
    { connector: { provider: remote.provider, connection: remote.connection(), table: things, casts: CASTS, ...extra } }, { url: db.urlAs(alice.name) });

  beforeAll(async () => {
    await remote.recreate(things, { id: 'int', d: 'varchar(50)', amount: 'decimal(10,2)', label: 'varchar(20)' }, Array.from({ length: ROWS }, (_, i) => thing(i + 1)));
  });

  describe('an import with "on_error": "reject"', () => {
    let status: ImportStatus;
    const table = t('things_ok');

    it('completes without the refused rows, with the warning rejected_rows', async () => {
      status = await importAs({ import_as: table, on_error: 'reject' });
      expect(status.state, status.error_message ?? '').toBe('complete');
      expect(status).toMatchObject({ table_name: table, rows_fetched: ROWS, rows_imported: ROWS - 3 });
      expect(status.warnings).toContainEqual({
        code: 'rejected_rows', count: 3,
        message: `3 row(s) PostgreSQL refused were left out and written to cdb_connectors.rejects (import_id ${status.id}); the first: row 7, column d: date/time field value out of range: "2024-02-30" (SQLSTATE 22008)`,
      });
      expect(await typesOf(table)).toEqual({ id: 'integer', d: 'date', amount: 'numeric(5,2)', label: 'character varying(20)' });
    });

    it('has every good row, exactly as the remote has it', async () => {
      const local = await localRows(db, `select id::text, d::text, amount::text, label from ${table}`);
      expect(local).toHaveLength(ROWS - 3);
      expect(local).toEqual(asSortedText(await remote.rows(things, COLUMNS, `id NOT IN (${Object.values(BAD).join(', ')})`)));
    });

    it('records each refused row: position, column, SQLSTATE, message, the remote value', async () => {
      const common = { import_id: status.id, sync_id: null, owner: alice.name };
      expect(await rejectsOf(status.id)).toEqual([
        { ...common, row_number: BAD.impossibleDate, column_name: 'd', error_code: '22008', message: 'date/time field value out of range: "2024-02-30"', remote_value: '2024-02-30' },
        {
          ...common, row_number: BAD.tooLarge, column_name: 'amount', error_code: '22003',
          message: 'numeric field overflow (A field with precision 5, scale 2 must round to an absolute value less than 10^3.)', remote_value: '12345.67',
        },
        { ...common, row_number: BAD.noDate, column_name: 'd', error_code: '22007', message: `invalid input syntax for type date: "${HOSTILE}"`, remote_value: HOSTILE },
      ]);
      // alice reads her rejects herself
      expect((await alice.query('select row_number::int from cdb_connectors.rejects where import_id = $1 order by 1', [status.id])).rows.map((r) => r.row_number))
        .toEqual(Object.values(BAD));
    });
  });

  describe('a read of many batches', () => {
    it('20,000 rows (about 4 MB of COPY text): the first, a middle and the last row refused; every other row arrives, checksummed', async () => {
      const table = t('wide');
      const N = 20_000;
      const bad = [1, 10_000, N];
      const pad = ' '.padEnd(100, 'ü');
      await remote.recreate(table, { id: 'int', d: 'varchar(10)', label: 'varchar(200)' },
        Array.from({ length: N }, (_, i) => [i + 1, bad.includes(i + 1) ? '2024-02-30' : `2024-01-${String((i % 31) + 1).padStart(2, '0')}`, `${i + 1}${pad}`]));
      const status = await importAndWait(db, { connector: { provider: remote.provider, connection: remote.connection(), table, casts: [{ column: 'd', to: 'date' }], on_error: 'reject' } },
        { url: db.urlAs(alice.name), timeoutMs: 120_000 });
      expect(status.state, status.error_message ?? '').toBe('complete');
      expect(status).toMatchObject({ rows_fetched: N, rows_imported: N - bad.length });
      const local = await localRows(db, `select id::text, d::text, label from ${table}`);
      const remoteGood = asSortedText(await remote.rows(table, ['id', 'd', 'label'], `id NOT IN (${bad.join(', ')})`));
      expect(local).toHaveLength(N - bad.length);
      expect(sha256(local)).toBe(sha256(remoteGood));
      expect((await rejectsOf(status.id)).map((r) => [r.row_number, r.column_name, r.error_code, r.remote_value])).toEqual(bad.map((n) => [n, 'd', '22008', '2024-02-30']));
    });
  });

  describe('limits', () => {
    it('more rejects than max_rejects: 1512 naming the count, the limit and the first reason; no table; the rejects kept', async () => {
      const table = t('things_count');
      const status = await importAs({ import_as: table, on_error: 'reject', max_rejects: 2 });
      expect(status).toMatchObject({ state: 'failure', error_code: 1512 });
      expect(status.error_message).toBe('3 rows were rejected, more than max_rejects (2); the first: row 7, column d: date/time field value out of range: "2024-02-30" (SQLSTATE 22008). '
        + `Nothing was imported; the rejected rows found are kept in cdb_connectors.rejects (import_id ${status.id}). Fix the remote data, or raise max_rejects / max_reject_ratio.`);
      expect(await tableExists(table)).toBe(false);
      expect((await rejectsOf(status.id)).map((r) => [r.row_number, r.error_code])).toEqual([[7, '22008'], [23, '22003'], [41, '22007']]);
    });

    it('a larger share than max_reject_ratio: 1512 once the read is done, no table', async () => {
      const table = t('things_ratio');
      const status = await importAs({ import_as: table, on_error: 'reject', max_reject_ratio: 0.01 });
      expect(status).toMatchObject({ state: 'failure', error_code: 1512 });
      expect(status.error_message).toMatch(/^3 of the 60 rows read were rejected \(5\.00 %\), more than max_reject_ratio \(0\.01\)/);
      expect(await tableExists(table)).toBe(false);
      expect(await rejectsOf(status.id)).toHaveLength(3);
    });

    it('max_rejects 3 and max_reject_ratio 0.05 take exactly these three', async () => {
      const table = t('things_edge');
      const status = await importAs({ import_as: table, on_error: 'reject', max_rejects: 3, max_reject_ratio: 0.05 });
      expect(status, status.error_message ?? '').toMatchObject({ state: 'complete', rows_imported: ROWS - 3 });
      expect(await localRows(db, `select id::text, d::text, amount::text, label from ${table}`)).toEqual(await localRows(db, `select id::text, d::text, amount::text, label from ${t('things_ok')}`));
    });

    it('without on_error the first refused row fails the import as before: no table, no rejects', async () => {
      const table = t('things_fail');
      const status = await importAs({ import_as: table });
      expect(status).toMatchObject({ state: 'failure', error_code: 1500 });
      expect(status.error_message).toMatch(/date\/time field value out of range: "2024-02-30"/);
      expect(await tableExists(table)).toBe(false);
      expect(await rejectsOf(status.id)).toEqual([]);
    });
  });

  describe('a replace sync', () => {
    it('leaves the refused rows out on every run and says so each time', async () => {
      const table = t('things_sync');
      const sync = await syncAndWait(db, alice, {
        connector: { provider: remote.provider, connection: remote.connection(), table: things, import_as: table, casts: CASTS, on_error: 'reject' }, interval: 3600,
      });
      expect(sync, sync.error_message ?? '').toMatchObject({ state: 'success', error_code: null });
      const good = async () => asSortedText(await remote.rows(things, COLUMNS, `id NOT IN (${Object.values(BAD).join(', ')})`));
      expect(await localRows(db, `select id::text, d::text, amount::text, label from ${table}`)).toEqual(await good());
      for (let run = 0; run < 2; run++) {
        if (run > 0) expect((await runSyncNow(db, sync.id)).state).toBe('success');
        const last = await lastRun(db, sync.id);
        expect(last).toMatchObject({ state: 'complete', rows_fetched: ROWS });
        expect(last.warnings).toContainEqual(expect.objectContaining({ code: 'rejected_rows', count: 3 }));
        const [{ id: runId }] = (await db.query('select id from cdb_connectors.imports where sync_id = $1 order by created_at desc limit 1', [sync.id])).rows;
        expect((await rejectsOf(runId)).map((r) => [r.row_number, r.sync_id, r.error_code])).toEqual([[7, sync.id, '22008'], [23, sync.id, '22003'], [41, sync.id, '22007']]);
      }
      expect(await localRows(db, `select id::text, d::text, amount::text, label from ${table}`)).toEqual(await good());
    });
  });

  describe('a merge sync', () => {
    it('rows the NOT NULL and the CHECK alice added refuse are rejected, the others merged, the counts exact', async () => {
      const table = t('members');
      const COLS = { id: 'int', name: 'varchar(20)', note: 'varchar(20)', v: 'int' };
      const first: RemoteValue[][] = Array.from({ length: 20 }, (_, i) => [i + 1, `m${i + 1}`, 'ok', 1]);
      await remote.recreate(table, COLS, first);
      const sync = await syncAndWait(db, alice, {
        connector: { provider: remote.provider, connection: remote.connection(), table, mode: 'merge', cursor: 'v', primary_key: 'id', on_error: 'reject' }, interval: 3600,
      });
      expect(sync.state, sync.error_message ?? '').toBe('success');
      await alice.query(`alter table ${table} alter column note set not null, add constraint not_banned check (name <> 'banned')`);
      // one update and one insert that are fine; an update and an insert losing their note; an insert the CHECK refuses
      const changed = first.map((r) => (r[0] === 3 ? [3, 'M3', 'ok', 2] : r[0] === 4 ? [4, 'm4', null, 6] : r));
      await remote.recreate(table, COLS, [...changed, [21, 'm21', 'ok', 3], [22, 'm22', null, 4], [23, 'banned', 'ok', 5]]);
      const run = await runSyncNow(db, sync.id);
      expect(run, run.error_message ?? '').toMatchObject({ state: 'success', error_code: null });
      // read in cursor order from the mark (inclusive): the 18 rows still at v = 1, then 3, 21, 22, 23, 4
      expect(await lastRun(db, sync.id)).toMatchObject({ rows_fetched: 23, rows_inserted: 1, rows_updated: 1, rows_unchanged: 18, rows_deleted: 0 });
      expect(await localRows(db, `select id::text, name, note, v::text from ${table}`)).toEqual(
        asSortedText([...await remote.rows(table, ['id', 'name', 'note', 'v'], 'id NOT IN (4, 22, 23)'), ['4', 'm4', 'ok', '1']]));
      const [{ id: runId }] = (await db.query('select id from cdb_connectors.imports where sync_id = $1 order by created_at desc limit 1', [sync.id])).rows;
      const common = { import_id: runId, sync_id: sync.id, owner: alice.name, remote_value: null };
      const notNull = expect.stringMatching(new RegExp(`^null value in column "note" of relation "${table}" violates not-null constraint \\(Failing row contains \\(`));
      expect(await rejectsOf(runId)).toEqual([
        { ...common, row_number: 21, column_name: 'note', error_code: '23502', message: notNull },
        { ...common, row_number: 22, column_name: null, error_code: '23514', message: expect.stringMatching(new RegExp(`^new row for relation "${table}" violates check constraint "not_banned" \\(Failing row contains \\(`)) },
        { ...common, row_number: 23, column_name: 'note', error_code: '23502', message: notNull },
      ]);
      expect((await lastRun(db, sync.id)).warnings).toContainEqual(expect.objectContaining({ code: 'rejected_rows', count: 3 }));
    });
  });
});

describe('invalid geometries into a PostGIS target (CARTO columns on)', () => {
  let gis: TargetDb;
  let roles: RoleFactory;
  let bob: TestRole;
  let sidecar: TestSidecar;
  /** POINTs, but for a polygon of three points and a text that is no WKT, by id. */
  const SHAPES = 30;
  const BAD_SHAPES: Record<number, string> = { 5: 'POLYGON((0 0,1 0,1 1))', 12: 'no wkt at all' };

  beforeAll(async () => {
    gis = await createTargetDb({ postgis: true });
    ({ roles, alice: bob } = await withAlice(gis));
    sidecar = await startSidecar(gis);
  });
  afterAll(async () => {
    await sidecar?.stop();
    await roles?.cleanup();
  });

  describe.each(REMOTES)('from $provider', (remote) => {
    it('rejects the shapes PostGIS cannot read; the others arrive as the_geom, cartodb_id 1..n over the rows kept', async () => {
      const table = `${remote.provider}_shapes`;
      await remote.recreate(table, { id: 'int', shape: 'varchar(100)' }, Array.from({ length: SHAPES }, (_, i) => [i + 1, BAD_SHAPES[i + 1] ?? `POINT(${i + 1} ${-(i + 1) / 4})`]));
      const status = await importAndWait(gis, { connector: { provider: remote.provider, connection: remote.connection(), table, casts: [{ column: 'shape', to: 'geometry' }], on_error: 'reject' } },
        { url: gis.urlAs(bob.name) });
      expect(status.state, status.error_message ?? '').toBe('complete');
      expect(status).toMatchObject({ rows_fetched: SHAPES, rows_imported: SHAPES - 2 });
      const bad = Object.keys(BAD_SHAPES).join(', ');
      const { rows } = await gis.pool.query<unknown[]>({ text: `select id, ST_AsText(the_geom) from ${table}`, rowMode: 'array' });
      expect(asSortedText(rows)).toEqual(asSortedText(await remote.rows(table, ['id', 'shape'], `id NOT IN (${bad})`)));
      // fetch order: ids 1..4 keep their position, every id after a rejected row moves up by one
      expect((await gis.query(`select count(*)::int as n, max(cartodb_id)::int as hi from ${table} where cartodb_id = id - (id > 5)::int - (id > 12)::int`)).rows[0]).toEqual({ n: SHAPES - 2, hi: SHAPES - 2 });
      const rejects = await gis.query(`select row_number::int, column_name, error_code, message, remote_value from cdb_connectors.rejects where import_id = $1 order by row_number`, [status.id]);
      expect(rejects.rows).toEqual([
        { row_number: 5, column_name: 'shape', error_code: 'XX000', message: expect.stringMatching(/geometry requires more points/), remote_value: BAD_SHAPES[5] },
        { row_number: 12, column_name: 'shape', error_code: 'XX000', message: expect.stringMatching(/parse error - invalid geometry/), remote_value: BAD_SHAPES[12] },
      ]);
    });
  });
});
