/**
 * Issue 3 §5: row limit on both sides of the boundary, column limits, identifier rules and a
 * hostile table name, end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;

const ROWS = 50;

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  sidecar = await startSidecar(db);
  const wide = (n: number) => `create table wide${n} (${Array.from({ length: n }, (_, i) => `c${i} int`).join(', ')});
    insert into wide${n} values (${Array.from({ length: n }, (_, i) => i).join(', ')});`;
  // MySQL column names stop at 64 characters; 70-character names come from a sql_query alias below.
  const longA = 'A'.repeat(64);
  await my.exec(`
    create table numbers (n int primary key);
    insert into numbers with recursive s(n) as (select 1 union all select n + 1 from s where n < ${ROWS}) select n from s;
    ${wide(256)} ${wide(257)}
    create table names (\`${longA}\` int, \`${'a'.repeat(63)}\` int, \`Name\` int, \`na me\` int, \`select\` int, \`xmin\` int, \`1st\` int, \`ü\` int);
    insert into names values (1, 2, 3, 4, 5, 6, 7, 8);
    create table \`a"; DROP TABLE x; --\` (id int, \`we"ird\` text);
    insert into \`a"; DROP TABLE x; --\` values (1, 'ok');
    create table x (id int);
  `);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), my?.drop()]);
});

const request = (extra: Record<string, unknown>) => ({ connector: { provider: 'mysql', connection: my.connection(), ...extra } });

async function setMaxRows(n: number): Promise<void> {
  await db.query("update cdb_connectors.settings set value = $1::jsonb where name = 'max_rows'", [String(n)]);
}

describe('limits', () => {
  it('exactly max_rows remote rows: all imported, no warning', async () => {
    await setMaxRows(ROWS);
    const s = await importAndWait(db, request({ table: 'numbers', import_as: 'exact' }));
    expect(s.state).toBe('complete');
    expect(s.rows_imported).toBe(ROWS);
    expect(s.warnings.map((w) => w.code)).not.toContain('row_limit');
  });

  it('max_rows + 1 remote rows: exactly max_rows imported and a row_limit warning', async () => {
    await setMaxRows(ROWS - 1);
    const s = await importAndWait(db, request({ table: 'numbers', import_as: 'cut' }));
    expect(s.state).toBe('complete');
    expect(s.rows_imported).toBe(ROWS - 1);
    const { rows } = await db.query('select count(*)::int as n from cut');
    expect(rows[0].n).toBe(ROWS - 1);
    expect(s.warnings.map((w) => w.code)).toContain('row_limit');
    await setMaxRows(1_000_000);
  });

  it('256 columns import; 257 fail with 1507 and leave no table', async () => {
    const ok = await importAndWait(db, request({ table: 'wide256' }));
    expect(ok.state).toBe('complete');
    expect(ok.columns_imported).toBe(256);
    const bad = await importAndWait(db, request({ table: 'wide257' }));
    expect(bad.state).toBe('failure');
    expect(bad.error_code).toBe(1507);
    expect(bad.error_message).toMatch(/257.*256/);
    const { rows } = await db.query("select count(*)::int as n from pg_class where relname like 'wide257%' or relname like 'cdb_import_%'");
    expect(rows[0].n).toBe(0);
  });

  it('cleans, cuts and de-duplicates column names deterministically', async () => {
    const s = await importAndWait(db, request({ table: 'names' }));
    expect(s.state).toBe('complete');
    const { rows } = await db.query<{ attname: string }>("select attname from pg_attribute where attrelid = 'names'::regclass and attnum > 0 order by attnum");
    expect(rows.map((r) => r.attname)).toEqual(['a'.repeat(63), 'a'.repeat(61) + '_1', 'name', 'na_me', 'select_', 'xmin_', '_1st', '_']);
  });

  it('cuts 70-character names from a sql_query and numbers their collisions', async () => {
    const b70 = 'B'.repeat(70);
    const s = await importAndWait(db, request({ table: 'long_names', sql_query: `select 1 as \`${b70}\`, 2 as \`${b70}2\`, 3 as \`${'b'.repeat(63)}\`` }));
    expect(s.state, s.error_message ?? '').toBe('complete');
    const { rows } = await db.query<{ attname: string }>("select attname from pg_attribute where attrelid = 'long_names'::regclass and attnum > 0 order by attnum");
    expect(rows.map((r) => r.attname)).toEqual(['b'.repeat(63), 'b'.repeat(61) + '_1', 'b'.repeat(61) + '_2']);
    const values = await db.query(`select * from long_names`);
    expect(Object.values(values.rows[0])).toEqual([1, 2, 3]);
  });

  it('imports a hostile table name safely, under a cleaned local name', async () => {
    const s = await importAndWait(db, request({ table: 'a"; DROP TABLE x; --' }));
    expect(s.state, s.error_message ?? '').toBe('complete');
    expect(s.table_name).toBe('a___drop_table_x____');
    const { rows } = await db.query('select id, we_ird from a___drop_table_x____');
    expect(rows).toEqual([{ id: 1, we_ird: 'ok' }]);
    const remote = await my.exec('select count(*) as n from x') as [Array<{ n: number }>];
    expect(Number(remote[0][0]!.n)).toBe(0);
  });
});
