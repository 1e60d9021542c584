/**
 * Hive end to end: cdb_connector_import → sidecar → hive-driver (PLAIN SASL) → the HiveServer2
 * test server → COPY, checked in PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDGE_VALUES_HIVEQL } from '../providers/hive/fixtures.js';
import { localHiveServerFactory, type HiveTestServer } from '../providers/hive/server-factory.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let hive: HiveTestServer;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, hive] = await Promise.all([createTargetDb(), localHiveServerFactory('PLAIN').start()]);
  sidecar = await startSidecar(db);
  await hive.loadFixture(EDGE_VALUES_HIVEQL);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), hive?.stop()]);
});

const connection = (password = hive.password) => ({ server: hive.host, port: hive.port, database: 'default', username: hive.user, password });

describe('Hive import end to end', () => {
  it('imports exact values, nested types as jsonb, and skips UNIONTYPE', async () => {
    const s = await importAndWait(db, { connector: { provider: 'hive', connection: connection(), table: 'edge_values' } });
    expect(s.state, s.error_message ?? '').toBe('complete');
    expect(s.rows_imported).toBe(5);
    expect(s.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['skipped_columns', 'timestamp_rounded']));
    const types = await db.query("select attname, format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = 'edge_values'::regclass and attnum > 0 order by attnum");
    const byName = Object.fromEntries(types.rows.map((r) => [r.attname, r.t]));
    expect(byName).toMatchObject({ c_bigint: 'bigint', c_decimal: 'numeric(38,10)', c_timestamp: 'timestamp without time zone', c_array: 'jsonb', c_binary: 'bytea', c_boolean: 'boolean' });
    expect(byName).not.toHaveProperty('c_union');
    const { rows } = await db.query(`select id, c_bigint::text, c_decimal::text, c_timestamp::text, c_string, encode(c_binary, 'hex') as bin,
      c_array, c_map, c_struct, c_nested from edge_values order by id`);
    expect(rows[0]).toMatchObject({
      c_bigint: '9223372036854775807', c_decimal: '9999999999999999999999999999.9999999999', c_timestamp: '2024-01-02 03:04:05.123457',
      c_string: 'tab\there\nnew line\\back \'q\' "dq" 🎉', bin: '00ff0a5c', c_array: [1, 2, 3], c_map: { a: 1, b: 2 }, c_struct: { a: 1, b: 'x"y' },
    });
    // node-postgres parses jsonb with JSON.parse, so the exact BIGINT is checked in SQL below
    expect(rows[0].c_nested).toEqual([{ k: 'tab\tkey', v: [expect.any(Number), -1] }]);
    expect(rows[1]).toMatchObject({ c_bigint: '-9223372036854775808', c_string: '', bin: '' });
    expect(rows[2]).toMatchObject({ c_bigint: null, c_string: null, c_array: null });
    expect(rows[3]).toMatchObject({ c_timestamp: '2025-01-01 00:00:00' });
    expect(rows[4]).toMatchObject({ c_bigint: '9007199254740993' });
    const nested = await db.query(`select c_nested -> 0 -> 'v' ->> 0 as big from edge_values where id = 1`);
    expect(nested.rows[0].big).toBe('9223372036854775807');
  });

  it('a wrong password fails with 1503', async () => {
    const s = await importAndWait(db, { connector: { provider: 'hive', connection: connection('nope-' + hive.password), table: 'edge_values', import_as: 'x' } });
    expect(s.state).toBe('failure');
    expect(s.error_code).toBe(1503);
  });

  it('a missing table fails with 1505', async () => {
    const s = await importAndWait(db, { connector: { provider: 'hive', connection: connection(), table: 'no_such_table' } });
    expect(s.state).toBe('failure');
    expect(s.error_code).toBe(1505);
  });
});
