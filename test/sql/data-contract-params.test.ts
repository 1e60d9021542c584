/**
 * SPEC §14 request keys (issue 19): on_schema_change, on_error, max_rejects, max_reject_ratio and
 * casts are validated like every other key — SQLSTATE 22023, the exact message, DETAIL
 * error_code 1502, nothing enqueued — and stored normalised. What only the remote can tell (does
 * a rule lose data for the column it matches) is the sidecar's; the rule's shape and its `to`
 * type are checked here, where a hostile `to` must never reach a CREATE TABLE.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { mysqlRequest, sqlError, withAlice, type RoleFactory, type TestRole } from './helpers.js';

const SYNC = { interval: 900 };
const request = (connector: Record<string, unknown>, top: Record<string, unknown> = {}) => JSON.stringify({ ...mysqlRequest(connector), ...top });
const NOT_A_TYPE = (label: string, to: string) =>
  `The "to" of ${label}, ${JSON.stringify(to)}, is not a PostgreSQL type name (such as boolean, numeric(12,2), timestamp(3) with time zone, text[])`;
const NOT_BUILT_IN = (label: string, to: string) =>
  `The "to" of ${label}, ${JSON.stringify(to)}, is not a built-in PostgreSQL type (types of other schemas cannot be named; geometry and geography are PostGIS's)`;

const BAD: Array<{ name: string; json: string; message: string }> = [
  { name: 'on_schema_change unknown', json: request({ on_schema_change: 'drop' }, SYNC), message: 'The on_schema_change parameter must be "evolve" (add and widen columns, the default), "fail" or "pause"' },
  { name: 'on_error unknown', json: request({ on_error: 'skip' }), message: 'The on_error parameter must be "fail" (a row PostgreSQL refuses fails the import, the default) or "reject" (it goes to cdb_connectors.rejects)' },
  { name: 'max_rejects negative', json: request({ on_error: 'reject', max_rejects: -1 }), message: 'The max_rejects parameter must be a whole number of rows from 0 to 1000000000' },
  { name: 'max_rejects fractional', json: request({ on_error: 'reject', max_rejects: 1.5 }), message: 'The max_rejects parameter must be a whole number of rows from 0 to 1000000000' },
  { name: 'max_rejects a string', json: request({ on_error: 'reject', max_rejects: '10' }), message: 'The max_rejects parameter must be a whole number of rows from 0 to 1000000000' },
  { name: 'max_reject_ratio above 1', json: request({ on_error: 'reject', max_reject_ratio: 1.01 }), message: 'The max_reject_ratio parameter must be a number from 0 to 1 (the share of the rows read that may be rejected)' },
  { name: 'max_rejects without on_error reject', json: request({ max_rejects: 5 }), message: 'The max_rejects parameter needs "on_error": "reject"' },
  { name: 'max_reject_ratio with on_error fail', json: request({ on_error: 'fail', max_reject_ratio: 0.1 }), message: 'The max_reject_ratio parameter needs "on_error": "reject"' },
  { name: 'casts not an array', json: request({ casts: { type: 'int', to: 'bigint' } }), message: 'The casts parameter must be an array of at most 200 rules such as {"type": "tinyint(1)", "to": "boolean"}' },
  { name: 'casts too many rules', json: request({ casts: Array.from({ length: 201 }, () => ({ type: 'int', to: 'bigint' })) }), message: 'The casts parameter must be an array of at most 200 rules such as {"type": "tinyint(1)", "to": "boolean"}' },
  { name: 'a rule that is not an object', json: request({ casts: ['int'] }), message: 'casts[1] must be an object such as {"type": "tinyint(1)", "to": "boolean"}' },
  { name: 'a rule with an unknown key (the provider key is the setting\'s)', json: request({ casts: [{ type: 'int', to: 'bigint' }, { type: 'int', to: 'bigint', provider: 'mysql' }] }), message: 'casts[2] has unknown keys: provider (a rule takes type, column, to, time_zone, lossy)' },
  { name: 'a rule with both type and column', json: request({ casts: [{ type: 'int', column: 'a', to: 'bigint' }] }), message: 'casts[1] needs exactly one of "type" (a remote type such as "tinyint(1)") and "column" (a remote column name)' },
  { name: 'a rule with neither', json: request({ casts: [{ to: 'bigint' }] }), message: 'casts[1] needs exactly one of "type" (a remote type such as "tinyint(1)") and "column" (a remote column name)' },
  { name: 'a rule without to', json: request({ casts: [{ column: 'a' }] }), message: 'casts[1] needs "to": the PostgreSQL type of the local column' },
  { name: 'an empty column name', json: request({ casts: [{ column: '', to: 'text' }] }), message: 'The "column" of casts[1] must not be empty' },
  { name: 'to with SQL after it', json: request({ casts: [{ column: 'a', to: 'int); drop table x; --' }] }), message: NOT_A_TYPE('casts[1]', 'int); drop table x; --') },
  { name: 'to with a comment', json: request({ casts: [{ column: 'a', to: 'int /* x */' }] }), message: NOT_A_TYPE('casts[1]', 'int /* x */') },
  { name: 'to schema-qualified (a user type)', json: request({ casts: [{ column: 'a', to: 'public.mytype' }] }), message: NOT_A_TYPE('casts[1]', 'public.mytype') },
  { name: 'to a type that does not exist', json: request({ casts: [{ column: 'a', to: 'nosuchtype' }] }), message: NOT_BUILT_IN('casts[1]', 'nosuchtype') },
  { name: 'to a pseudo-type', json: request({ casts: [{ column: 'a', to: 'trigger' }] }), message: NOT_BUILT_IN('casts[1]', 'trigger') },
  { name: 'time_zone with to timestamp', json: request({ casts: [{ type: 'datetime', to: 'timestamp', time_zone: 'UTC' }] }), message: 'The "time_zone" of casts[1] needs "to": "timestamptz": it says in which zone the remote\'s wall-clock values are' },
  { name: 'time_zone unknown', json: request({ casts: [{ type: 'datetime', to: 'timestamptz', time_zone: 'Mars/Olympus' }] }), message: 'The "time_zone" of casts[1], "Mars/Olympus", is not a time zone PostgreSQL knows (see pg_timezone_names, e.g. "Europe/Madrid", "UTC")' },
  { name: 'lossy not a boolean', json: request({ casts: [{ type: 'double', to: 'real', lossy: 'yes' }] }), message: 'The "lossy" of casts[1] must be true or false' },
];

let db: TargetDb;
let roles: RoleFactory;
let alice: TestRole;

beforeAll(async () => {
  db = await createTargetDb();
  ({ roles, alice } = await withAlice(db));
});

afterAll(async () => {
  await roles.cleanup();
});

afterEach(async () => {
  await db.query('delete from cdb_connectors.jobs; delete from cdb_connectors.syncs');
});

async function queuedJobs(): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from cdb_connectors.jobs');
  return rows[0]!.n;
}

describe('bad data-contract keys', () => {
  it.each(BAD)('$name', async ({ json, message }) => {
    const err = await sqlError(alice.query('select cdb_connector_import($1::jsonb)', [json]));
    expect(err).toEqual({ code: '22023', message, detail: 'error_code 1502' });
    expect(await queuedJobs()).toBe(0);
  });

  it('on_schema_change on a one-off import is refused: it applies to syncs', async () => {
    const err = await sqlError(alice.query('select cdb_connector_import($1::jsonb)', [request({ on_schema_change: 'pause' })]));
    expect(err.code).toBe('22023');
    expect(err.message).toBe('The on_schema_change parameter applies to sync tables (what a refresh does when the remote columns changed) and needs an interval parameter');
    expect(await queuedJobs()).toBe(0);
  });
});

describe('good data-contract keys, stored normalised', () => {
  it('policies lower-cased, limits kept, cast rules with lower-case keys in order', async () => {
    const casts = [
      { Type: 'tinyint(1)', TO: 'boolean' },
      { column: 'price', to: 'numeric(12,2)' },
      { type: 'datetime', to: 'timestamp(3) with time zone', time_zone: 'Europe/Madrid', lossy: true },
      { column: 'shape', to: 'geometry(Point,4326)' },
      { column: 'tags', to: 'text[]' },
    ];
    await alice.query('select cdb_connector_import($1::jsonb)', [request({ On_Schema_Change: 'PAUSE', on_error: 'Reject', max_rejects: 10, max_reject_ratio: 0.25, casts }, SYNC)]);
    const { rows } = await db.query('select params from cdb_connectors.jobs');
    expect(rows).toHaveLength(1);
    expect(rows[0].params).toMatchObject({
      on_schema_change: 'pause', on_error: 'reject', max_rejects: 10, max_reject_ratio: 0.25,
      casts: [
        { type: 'tinyint(1)', to: 'boolean' },
        { column: 'price', to: 'numeric(12,2)' },
        { type: 'datetime', to: 'timestamp(3) with time zone', time_zone: 'Europe/Madrid', lossy: true },
        { column: 'shape', to: 'geometry(Point,4326)' },
        { column: 'tags', to: 'text[]' },
      ],
    });
  });

  it('an empty casts array and on_error fail are accepted as given', async () => {
    await alice.query('select cdb_connector_import($1::jsonb)', [request({ on_error: 'fail', casts: [] })]);
    const { rows } = await db.query('select params from cdb_connectors.jobs');
    expect(rows[0].params).toMatchObject({ on_error: 'fail', casts: [] });
  });

  it('a type of the caller\'s own schema named without a schema is still not taken', async () => {
    // the check resolves with search_path = pg_catalog: a type on the caller's path is not seen
    await db.query('create schema if not exists alice_types');
    await db.query(`create type alice_types.sneaky as enum ('x')`);
    await db.query(`grant usage on schema alice_types to "${alice.name}"`);
    try {
      await alice.query('set search_path = public, alice_types');
      const err = await sqlError(alice.query('select cdb_connector_import($1::jsonb)', [request({ casts: [{ column: 'a', to: 'sneaky' }] })]));
      expect(err.message).toBe(NOT_BUILT_IN('casts[1]', 'sneaky'));
    } finally {
      await alice.query('reset search_path');
      await db.query('drop schema alice_types cascade');
    }
  });
});
