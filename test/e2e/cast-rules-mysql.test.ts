/**
 * User cast rules end to end on MariaDB (SPEC §14, issue 19 item 3): the job's `casts`, the
 * setting `cast_rules`, their order, the lossy check (1502 from the run and from explain, named
 * after the rule), time zones with exact instants across both DST changes, and values checked as
 * they arrived in PostgreSQL (types from pg_attribute).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlError, withSetting } from '../helpers/answers.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { queryOnce } from '../helpers/one-shot-sql.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  sidecar = await startSidecar(db);
  // 2024-03-31 02:30 does not exist in Madrid (clocks jump 02:00 → 03:00); 2024-10-27 02:30 happens twice
  await my.exec(`
    create table items (id int primary key, flag tinyint(1), price decimal(10,2), amount decimal(14,4), d double,
      seen datetime(3), born date, note varchar(20));
    insert into items values
      (1, 1, 12.50, 1.2345, 0.1, '2024-03-31 02:30:00.125', '2024-01-15', 'a'),
      (2, 0, 99999999.99, -0.0001, 1e300, '2024-10-27 02:30:00', '2024-07-01', 'b'),
      (3, null, null, null, null, '2024-07-01 12:00:00.999', null, null),
      (4, 1, 0.01, 0, 0, '0000-00-00 00:00:00', '2024-12-31', 'zero date');
    create table bad_flags (id int primary key, flag tinyint(1));
    insert into bad_flags values (1, 1), (2, 2);
  `);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), my?.drop()]);
});

const request = (extra: Record<string, unknown>) => ({ connector: { provider: 'mysql', connection: my.connection(), table: 'items', ...extra } });
const explain = async (params: unknown) => (await queryOnce(db.url, 'call cdb_connector_explain($1::jsonb)', [JSON.stringify(params)]))[0]!.result;

async function types(table: string): Promise<Record<string, string>> {
  const { rows } = await db.query<{ name: string; type: string }>(`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
    from pg_attribute a where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped`, [table]);
  return Object.fromEntries(rows.map((r) => [r.name, r.type]));
}

const CASTS = [
  { type: 'tinyint(1)', to: 'boolean' },
  { column: 'price', to: 'numeric(12,2)' },
  { type: 'datetime', to: 'timestamptz(3)', time_zone: 'Europe/Madrid' },
];

describe('cast rules on MySQL', () => {
  it('tinyint(1) → boolean, a column override, datetime → timestamptz in Europe/Madrid: types and exact values', async () => {
    const status = await importAndWait(db, request({ import_as: 'cast_items', casts: CASTS }));
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(await types('cast_items')).toMatchObject({
      flag: 'boolean', price: 'numeric(12,2)', seen: 'timestamp(3) with time zone', amount: 'numeric(14,4)', d: 'double precision', born: 'date',
    });
    const { rows } = await db.query(`select id, flag, price::text, pg_catalog.to_char(seen at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') as utc,
      amount::text, d::text from cast_items order by id`);
    expect(rows).toEqual([
      // the gap: PostgreSQL reads a time that does not exist as standard time (+01), i.e. 03:30 CEST
      { id: 1, flag: true, price: '12.50', utc: '2024-03-31 01:30:00.125', amount: '1.2345', d: '0.1' },
      // the repeated hour: PostgreSQL takes the later one, standard time (+01)
      { id: 2, flag: false, price: '99999999.99', utc: '2024-10-27 01:30:00.000', amount: '-0.0001', d: '1e+300' },
      { id: 3, flag: null, price: null, utc: '2024-07-01 10:00:00.999', amount: null, d: null },
      { id: 4, flag: true, price: '0.01', utc: null, amount: '0.0000', d: '0' },
    ]);
    expect(status.warnings.map((w) => w.code)).toContain('zero_dates');
  });

  it('explain names the deciding rule per column (1-based) and notes a job rule that matches nothing', async () => {
    const answer = await explain(request({ casts: [...CASTS, { column: 'prise', to: 'text' }] }));
    const byName = Object.fromEntries(answer.columns.map((c: { name: string }) => [c.name, c]));
    expect(byName.flag).toMatchObject({ remote_type: 'tinyint(1)', local_type: 'boolean', rule: 'casts[1]: tinyint(1) → boolean' });
    expect(byName.price).toMatchObject({ remote_type: 'decimal(10,2)', local_type: 'numeric(12,2)', rule: 'casts[2]: column price → numeric(12,2)' });
    expect(byName.seen).toMatchObject({ local_type: 'timestamptz(3)', rule: 'casts[3]: datetime → timestamptz(3) (wall-clock values in Europe/Madrid)' });
    expect(byName.amount).toMatchObject({ rule: 'decimal(p,s) → numeric(p,s)' });
    expect(answer.warnings).toContainEqual({ code: 'unused_casts', message: 'Cast rules that decided no column of the source: casts[4] {"column": "prise", "to": "text"}' });

    // a sql_query's result columns are spelled the same way (tinyint(1) from the result metadata)
    const query = await explain({ connector: { provider: 'mysql', connection: my.connection(), sql_query: 'select id, flag from items', casts: CASTS } });
    expect(query.columns.map((c: { name: string; remote_type: string; local_type: string }) => [c.name, c.remote_type, c.local_type]))
      .toEqual([['id', 'int', 'integer'], ['flag', 'tinyint(1)', 'boolean']]);
  });

  it('a lossy rule fails the run with 1502 naming it, explain answers the same at once; "lossy": true accepts it', async () => {
    const casts = [{ column: 'id', to: 'bigint' }, { column: 'amount', to: 'numeric(12,2)' }];
    const message = 'casts[2] {"column": "amount", "to": "numeric(12,2)"} would round values to 2 decimal places: add "lossy": true to accept it (column "amount", decimal(14,4), imported as numeric(14,4) without the rule)';
    const failed = await importAndWait(db, request({ import_as: 'lossy_items', casts }));
    expect([failed.state, failed.error_code, failed.error_message]).toEqual(['failure', 1502, message]);
    const err = await sqlError(explain(request({ casts })));
    expect([err.code, err.message, err.detail]).toEqual(['22023', message, 'error_code 1502']);
    expect((await db.query("select to_regclass('public.lossy_items') as t")).rows[0].t).toBeNull();

    const accepted = await importAndWait(db, request({ import_as: 'lossy_items', casts: [casts[0], { ...casts[1], lossy: true }] }));
    expect(accepted.state, accepted.error_message ?? '').toBe('complete');
    expect(await types('lossy_items')).toMatchObject({ id: 'bigint', amount: 'numeric(12,2)' });
    const { rows } = await db.query('select amount::text from lossy_items order by id');
    expect(rows.map((r) => r.amount)).toEqual(['1.23', '0.00', null, '0.00']) // -0.0001 rounded away: what "lossy" accepted;
  });

  it('a tinyint(1) value PostgreSQL refuses as a boolean fails the run: never a silent change', async () => {
    const status = await importAndWait(db, request({ table: 'bad_flags', casts: [{ type: 'tinyint(1)', to: 'boolean' }] }));
    expect(status.state).toBe('failure');
    expect(status.error_message).toMatch(/boolean/);
    expect((await db.query("select to_regclass('public.bad_flags') as t")).rows[0].t).toBeNull();
  });

  it('the setting cast_rules applies to this provider only, after the job\'s own casts', async () => {
    const setting = JSON.stringify([
      { type: 'int', to: 'text', provider: 'postgres' },
      { Type: 'tinyint(1)', TO: 'boolean', provider: 'MySQL' },
      { column: 'note', to: 'text' },
    ]);
    await withSetting(db, 'cast_rules', setting, async () => {
      const stored = (await db.query("select value from cdb_connectors.settings where name = 'cast_rules'")).rows[0].value;
      expect(stored[1]).toEqual({ type: 'tinyint(1)', to: 'boolean', provider: 'mysql' });

      const fromSetting = await importAndWait(db, request({ import_as: 'setting_items' }));
      expect(fromSetting.state, fromSetting.error_message ?? '').toBe('complete');
      expect(await types('setting_items')).toMatchObject({ id: 'integer', flag: 'boolean', note: 'text' });

      const overridden = await importAndWait(db, request({ import_as: 'job_items', casts: [{ type: 'tinyint', to: 'text' }] }));
      expect(overridden.state, overridden.error_message ?? '').toBe('complete');
      expect(await types('job_items')).toMatchObject({ flag: 'text', note: 'text' });
      expect((await db.query('select flag from job_items order by id')).rows.map((r) => r.flag)).toEqual(['1', '0', null, '1']);

      const answer = await explain(request({}));
      const rules = Object.fromEntries(answer.columns.map((c: { name: string; rule: string }) => [c.name, c.rule]));
      expect(rules).toMatchObject({ flag: 'cast_rules[2]: tinyint(1) → boolean', note: 'cast_rules[3]: column note → text', id: 'int → integer' });
    });
  });
});
