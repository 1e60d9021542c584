/**
 * Whole-database table selection (SPEC §15 include / exclude): exact names, LIKE patterns and
 * `~` regular expressions, evaluated by a real PostgreSQL with SQL's own semantics; hostile
 * patterns stay values, and a pattern that would hang a backtracking engine does not hang
 * PostgreSQL's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectTables } from '../../src/sidecar/table-selection.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
const TABLES = ['orders', 'order_items', 'orderXitems', 'dim_date', 'dim_store', 'facts', 'orders_backup', 'Mixed', "it's"];

beforeAll(async () => {
  db = await createTargetDb();
});

afterAll(async () => {
  await db?.drop();
});

describe('selectTables', () => {
  it('takes every table without include, in the remote order', async () => {
    expect(await selectTables(db.pool, TABLES, {})).toEqual(TABLES);
  });

  it('exact names, LIKE with %, ~regex, and exclude over them', async () => {
    expect(await selectTables(db.pool, TABLES, { include: ['orders', 'order_%', '~^dim_'], exclude: ['%_backup'] }))
      .toEqual(['orders', 'order_items', 'orderXitems', 'dim_date', 'dim_store']); // order_% : _ is any one character
  });

  it('an exact name with _ is not a pattern; inside a LIKE pattern _ is one character', async () => {
    expect(await selectTables(db.pool, TABLES, { include: ['order_items'] })).toEqual(['order_items']);
    expect(await selectTables(db.pool, TABLES, { include: ['order_item%'] })).toEqual(['order_items', 'orderXitems']);
  });

  it('matches case-sensitively, as SQL does, unless the regular expression says (?i)', async () => {
    expect(await selectTables(db.pool, TABLES, { include: ['mixed', '~^mixed$'] })).toEqual([]);
    expect(await selectTables(db.pool, TABLES, { include: ['~(?i)^mixed$'] })).toEqual(['Mixed']);
  });

  it('a quote or SQL in a pattern is a value', async () => {
    expect(await selectTables(db.pool, TABLES, { include: ["it's", "x' or '1'='1"] })).toEqual(["it's"]);
  });

  it('a pattern that makes a backtracking engine take forever answers at once', async () => {
    const started = Date.now();
    expect(await selectTables(db.pool, [`${'a'.repeat(63)}`, `${'a'.repeat(62)}!`], { include: ['~^(a+)+$'] })).toEqual(['a'.repeat(63)]);
    expect(Date.now() - started).toBeLessThan(2000); // JavaScript's RegExp needs ~2^62 steps for the second name
  });

  it('an invalid regular expression is PostgreSQL\'s error 2201B, naming it', async () => {
    await expect(selectTables(db.pool, TABLES, { include: ['~(unclosed'] })).rejects.toMatchObject({ code: '2201B' });
  });
});
