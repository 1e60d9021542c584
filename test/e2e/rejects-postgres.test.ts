/**
 * SPEC §14 rejected rows on the PG→PG binary path (issue 4 §3): in reject mode the COPY still
 * forwards the source's binary COPY bytes, now in savepoint batches each with the source's header
 * (src/load/binary-copy-rows.ts): an import of a source spanning many batches arrives complete and
 * unchanged; an append sync whose table got a CHECK from its owner rejects exactly the rows the
 * CHECK refuses, run after run, with exact counts. (Rows the target's COPY itself refuses are
 * rare on this path — the types are the source's own — and are covered against a real server in
 * test/load/reject-batches.test.ts, binary format, 1-byte chunks included.)
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lastRun, localRows, syncAndWait } from '../helpers/incremental.js';
import { adminQuery, queryOnce } from '../helpers/one-shot-sql.js';
import { importAndWait, type TestSidecar } from '../helpers/sidecar.js';
import { runSyncNow, startSyncSidecar } from '../helpers/sync.js';
import { allowTargetAsSource, createTargetDb, type TargetDb } from '../helpers/target.js';
import { withAlice, type RoleFactory, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let roles: RoleFactory;
let alice: TestRole;
let sidecar: TestSidecar;
const source = `src_rejects_${crypto.randomBytes(4).toString('hex')}`;
const sourceUrl = () => { const { host, port } = inject('servers').pg; return `postgres://postgres@${host}:${port}/${source}`; };

/** About 6 MB of binary COPY data: three reject batches and more. */
const ROWS = 30_000;

beforeAll(async () => {
  db = await createTargetDb();
  ({ roles, alice } = await withAlice(db));
  await allowTargetAsSource(db);
  await adminQuery(`create database ${source}`);
  await queryOnce(sourceUrl(), `create table labels (id int primary key, label text, at timestamp, n numeric(12,3));
    insert into labels select g, 'label ' || g || repeat(' ü', g % 90), timestamp '2026-01-01' + g * interval '1 second', g / 7.0
      from generate_series(1, ${ROWS}) g`);
  sidecar = await startSyncSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await adminQuery(`drop database if exists ${source} with (force)`);
  await roles?.cleanup();
});

const connector = (extra: Record<string, unknown>) => {
  const { host, port } = inject('servers').pg;
  return { provider: 'postgres', connection: { server: host, port, database: source, username: 'postgres', sslmode: 'disable' }, table: 'labels', on_error: 'reject', ...extra };
};

const LOCAL = (table: string) => `select id, label, at::text, n::text from ${table}`;
async function remoteRows(where = 'true'): Promise<string[]> {
  const rows = await queryOnce<Record<string, unknown>>(sourceUrl(), `select id, label, at::text, n::text from labels where ${where}`);
  return rows.map((r) => JSON.stringify(Object.values(r).map((v) => (v === null ? null : String(v))))).sort();
}

describe('the binary path in reject mode', () => {
  it('forwards a source of many batches unchanged, on the binary path, without a warning', async () => {
    const status = await importAndWait(db, { connector: connector({ import_as: 'labels' }) }, { url: db.urlAs(alice.name), timeoutMs: 60_000 });
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(status).toMatchObject({ rows_fetched: ROWS, rows_imported: ROWS });
    const log = await db.query("select message from cdb_connectors.import_log where job_id = $1 and message like 'Importing%'", [status.id]);
    expect(log.rows[0].message).toMatch(/\(binary COPY\)/);
    expect(status.warnings.map((w) => w.code)).not.toContain('rejected_rows');
    expect(await localRows(db, LOCAL('labels'))).toEqual(await remoteRows());
  });
});

describe('an append sync', () => {
  it('rejects the rows its owner\'s CHECK refuses, inserts the others; the counts are exact', async () => {
    const sync = await syncAndWait(db, alice, { connector: connector({ import_as: 'labels_log', mode: 'append', cursor: 'at' }), interval: 3600 });
    expect(sync).toMatchObject({ state: 'success', error_code: null });
    expect(await lastRun(db, sync.id)).toMatchObject({ rows_fetched: ROWS, rows_inserted: ROWS });
    await alice.query("alter table labels_log add constraint no_secret check (label <> 'secret')");
    await queryOnce(sourceUrl(), `insert into labels select g, case when g % 4 = 0 then 'secret' else 'new ' || g end, timestamp '2026-02-01' + (g - ${ROWS}) * interval '1 second', g
      from generate_series(${ROWS + 1}, ${ROWS + 20}) g`);
    expect((await runSyncNow(db, sync.id)).state).toBe('success');
    expect(await lastRun(db, sync.id)).toMatchObject({ rows_fetched: 20, rows_inserted: 15, rows_unchanged: 0 });
    const [{ id }] = (await db.query('select id from cdb_connectors.imports where sync_id = $1 order by created_at desc limit 1', [sync.id])).rows;
    const log = await db.query("select message from cdb_connectors.import_log where job_id = $1 and message like 'Importing%'", [id]);
    expect(log.rows[0].message).toMatch(/\(binary COPY\)/);
    const refused = await db.query('select row_number::int, column_name, error_code, message from cdb_connectors.rejects where import_id = $1 order by row_number', [id]);
    expect(refused.rows).toEqual([4, 8, 12, 16, 20].map((n) => ({
      row_number: n, column_name: null, error_code: '23514',
      message: expect.stringMatching(/^new row for relation "labels_log" violates check constraint "no_secret" \(Failing row contains \(/),
    })));
    expect(await localRows(db, LOCAL('labels_log'))).toEqual(await remoteRows("label <> 'secret'"));
  });
});
