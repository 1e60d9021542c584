/**
 * Issue 3 §6: remote failures end in a specific error code with a message that says what to fix,
 * never the password, and never a table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../servers/free-port.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;
const PASSWORD = 'S3cret-pa55word!';

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  sidecar = await startSidecar(db);
  await my.exec('create table t (id int)');
  await my.createUser('reader_e', PASSWORD);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), my?.drop()]);
});

async function expectFailure(connector: Record<string, unknown>, code: number, message: RegExp): Promise<void> {
  const s = await importAndWait(db, { connector: { provider: 'mysql', ...connector } });
  expect(s.state).toBe('failure');
  expect(s.error_code, s.error_message ?? '').toBe(code);
  expect(s.error_message).toMatch(message);
  expect(JSON.stringify(s)).not.toContain(PASSWORD);
  expect((s as any).get_error_text?.title).toBeTruthy();
}

describe('remote errors', () => {
  it('a wrong password fails with 1503', async () => {
    await expectFailure({ connection: my.connection('reader_e', 'wrong-' + PASSWORD), table: 't' }, 1503, /access denied|password/i);
  });

  it('the right password works', async () => {
    const s = await importAndWait(db, { connector: { provider: 'mysql', connection: my.connection('reader_e', PASSWORD), table: 't', import_as: 't_ok' } });
    expect(s.state, s.error_message ?? '').toBe('complete');
  });

  it('an unreachable host fails with 1504', async () => {
    const port = await freePort();
    await expectFailure({ connection: { ...my.connection('reader_e', PASSWORD), port }, table: 't' }, 1504, /127\.0\.0\.1|connect|reach/i);
  });

  it('a missing table fails with 1505', async () => {
    await expectFailure({ connection: my.connection('reader_e', PASSWORD), table: 'nope' }, 1505, /nope/);
  });

  it('a bad sql_query fails with 1506 and the remote text', async () => {
    await expectFailure({ connection: my.connection('reader_e', PASSWORD), table: 'q', sql_query: 'selec * fromm t' }, 1506, /syntax/i);
  });

  it('leaves no table behind after failures', async () => {
    const { rows } = await db.query("select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' order by 1");
    expect(rows.map((r) => r.relname)).toEqual(['t_ok']);
  });

  it('never shows the password in user-visible places', async () => {
    const { rows } = await db.query(`select (select coalesce(jsonb_agg(i), '[]') from cdb_connectors.imports i)::text as imports,
      (select coalesce(string_agg(message, ' '), '') from cdb_connectors.import_log) as log`);
    expect(rows[0].imports).not.toContain(PASSWORD);
    expect(rows[0].log).not.toContain(PASSWORD);
  });
});
