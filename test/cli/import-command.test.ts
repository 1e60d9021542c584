/**
 * `connector-bridge import --wait` and `connector-bridge status` as a user runs them: real
 * processes, JSON on stdin (keeps the password out of `ps`), exit code from the job's outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  sidecar = await startSidecar(db);
  await my.exec("create table cities (id int primary key, name varchar(20)); insert into cities values (1, 'Oslo'), (2, 'Lima');");
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), my?.drop()]);
});

const cli = (args: string[], stdin?: string): Promise<CliRun> => runCli(args, { DATABASE_URL: db.url }, stdin);

describe('connector-bridge CLI', () => {
  it('import --wait reads the request from stdin, waits and exits 0 on complete', async () => {
    const request = { connector: { provider: 'mysql', connection: my.connection(), table: 'cities' } };
    const r = await cli(['import', '-', '--wait'], JSON.stringify(request));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"item_queue_id"');
    expect(r.stdout).toMatch(/"state": "complete"/);
    const { rows } = await db.query('select name from cities order by id');
    expect(rows.map((x) => x.name)).toEqual(['Oslo', 'Lima']);
  });

  it('import --wait says on stderr that the import stopped at max_rows, and names the warnings (issue 22 §3, §4)', async () => {
    await db.query(`update cdb_connectors.settings set value = '1' where name = 'max_rows'`);
    try {
      const request = { connector: { provider: 'mysql', connection: my.connection(), table: 'cities' } };
      const r = await cli(['import', '-', '--wait'], JSON.stringify(request));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/"truncated": true/);
      expect(r.stderr).toContain('stopped at max_rows: the remote has more rows than were imported');
      expect(r.stderr).toMatch(/warning row_limit: /);
      expect(r.stderr).toMatch(/warning renamed: Imported as "cities_1" instead of "cities"/);
    } finally {
      await db.query(`update cdb_connectors.settings set value = '1000000' where name = 'max_rows'`);
    }
  });

  it('import --wait exits 1 when the job fails, and shows the error', async () => {
    const request = { connector: { provider: 'mysql', connection: my.connection(), table: 'no_such_table' } };
    const r = await cli(['import', '--wait'], JSON.stringify(request));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/"error_code": 1505/);
  });

  it('invalid parameters: the SQL API message and exit 1, nothing enqueued', async () => {
    const before = (await db.query('select count(*)::int as n from cdb_connectors.jobs')).rows[0].n;
    const r = await cli(['import', JSON.stringify({ connector: { provider: 'nope' } })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Invalid provider');
    expect((await db.query('select count(*)::int as n from cdb_connectors.jobs')).rows[0].n).toBe(before);
  });

  it('malformed JSON on stdin: exit 1, a message that quotes none of it (the password), nothing enqueued', async () => {
    const before = (await db.query('select count(*)::int as n from cdb_connectors.jobs')).rows[0].n;
    const r = await cli(['import'], '{"connector": {"provider": "mysql", "connection": {"password": s3cretPw}}}');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: The request is not valid JSON( \(at character \d+\))?: give one object/);
    expect(r.stderr + r.stdout).not.toContain('s3cretPw');
    expect((await db.query('select count(*)::int as n from cdb_connectors.jobs')).rows[0].n).toBe(before);
  });

  it('status lists the sidecar and recent imports', async () => {
    const r = await cli(['status']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(sidecar.sidecar.workerId);
    expect(r.stdout).toContain('cities');
  });
});
