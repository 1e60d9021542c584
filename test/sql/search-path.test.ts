/**
 * Pinned search_path: a user who puts look-alike functions and operators in a schema of their own,
 * ahead of pg_catalog in search_path, changes nothing in the API's behaviour. The decoys raise,
 * so any call that reached one would fail loudly. The first test proves the decoys do capture
 * unqualified calls in that session, so the others can fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { mysqlRequest, roleFactory, type TestRole } from './helpers.js';

let db: TargetDb;
let roles: ReturnType<typeof roleFactory>;
let eve: TestRole;

const DECOYS = `
create function trap(what text) returns text language plpgsql as $$ begin raise exception 'hijacked: %', what; end $$;
create function lower(text) returns text language sql as $$ select trap('lower') $$;
create function jsonb_typeof(jsonb) returns text language sql as $$ select trap('jsonb_typeof') $$;
create function jsonb_object_keys(jsonb) returns setof text language sql as $$ select trap('jsonb_object_keys') $$;
create function array_to_string(text[], text) returns text language sql as $$ select trap('array_to_string') $$;
create function format(text, text) returns text language sql as $$ select trap('format') $$;
create function char_length(text) returns integer language sql as $$ select trap('char_length')::int $$;
create function now() returns timestamptz language sql as $$ select trap('now')::timestamptz $$;
create function gen_random_uuid() returns uuid language sql as $$ select trap('gen_random_uuid')::uuid $$;
create function pg_sleep(double precision) returns void language sql as $$ select trap('pg_sleep')::text::void $$;
create function has_schema_privilege(name, oid, text) returns boolean language sql as $$ select trap('has_schema_privilege')::boolean $$;
create function pg_notify(text, text) returns void language sql as $$ select trap('pg_notify')::text::void $$;
create function current_setting(text, boolean) returns text language sql as $$ select trap('current_setting') $$;
create function texteq_trap(text, text) returns boolean language sql as $$ select trap('=')::boolean $$;
create operator = (leftarg = text, rightarg = text, function = texteq_trap);
create function jsonb_exists_trap(jsonb, text) returns boolean language sql as $$ select trap('?')::boolean $$;
create operator ? (leftarg = jsonb, rightarg = text, function = jsonb_exists_trap);
`;

beforeAll(async () => {
  db = await createTargetDb();
  roles = roleFactory(db);
  eve = await roles.create('eve', 'cdb_connector_user');
  await db.query(`create schema eve authorization "${eve.name}"`);
  await eve.query('set search_path = eve, pg_catalog, public');
  await eve.query(DECOYS);
});

afterAll(async () => {
  await roles.cleanup();
});

describe('pinned search_path', () => {
  it('the decoys capture unqualified calls in this session', async () => {
    await expect(eve.query("select lower('ABC')")).rejects.toThrow('hijacked: lower');
    await expect(eve.query("select 'a'::text = 'a'::text")).rejects.toThrow('hijacked: =');
  });

  it('import, status, wait, cancel and providers behave as without decoys', async () => {
    const request = { CONNECTOR: mysqlRequest({ Table: 'Orders', table: undefined, encoding: 'latin1' }).connector };
    const { rows } = await eve.query('select cdb_connector_import($1::jsonb) as r', [JSON.stringify(request)]);
    const id = rows[0].r.item_queue_id as string;
    const status = (await eve.query('select cdb_connector_import_status($1) as s', [id])).rows[0].s;
    expect(status).toMatchObject({ state: 'enqueued', table_name: 'Orders', target_schema: 'eve',
      params: { provider: 'mysql', table: 'Orders', encoding: 'LATIN1', connection: { port: 3306, password: '***' } } });
    const secret = await db.query('select password from cdb_connectors.job_secrets where job_id = $1', [id]);
    expect(secret.rows).toEqual([{ password: 'secret' }]);
    expect((await eve.query('select cdb_connector_cancel($1) as ok', [id])).rows[0].ok).toBe(true);
    expect((await eve.query('select cdb_connector_wait($1) as s', [id])).rows[0].s).toMatchObject({ state: 'cancelled', error_code: 1509 });
    const providers = await eve.query('select provider, enabled, default_port from cdb_connector_providers()');
    expect(providers.rows).toHaveLength(4);
    // the cancel finished the job, and the password went with it (issue 16 §4)
    expect((await db.query('select password from cdb_connectors.job_secrets where job_id = $1', [id])).rows).toEqual([]);
  });

  it('direct INSERT and UPDATE run the triggers unaffected (they fire in the caller\'s session)', async () => {
    const { rows } = await eve.query("insert into cdb_connectors.jobs (params, target_schema) values ($1, 'eve') returning id", [JSON.stringify(mysqlRequest())]);
    const id = rows[0].id as string;
    const secret = await db.query('select password from cdb_connectors.job_secrets where job_id = $1', [id]);
    expect(secret.rows).toEqual([{ password: 'secret' }]);
    await eve.query('update cdb_connectors.jobs set cancel_requested = true where id = $1', [id]);
    const job = await db.query('select state, error_code, params #>> $2 as pw from cdb_connectors.jobs where id = $1', [id, '{connection,password}']);
    expect(job.rows).toEqual([{ state: 'cancelled', error_code: 1509, pw: '***' }]);
    expect((await db.query('select password from cdb_connectors.job_secrets where job_id = $1', [id])).rows).toEqual([]);
  });

  it('validation errors are the same too', async () => {
    await expect(eve.query('select cdb_connector_import($1::jsonb)', [JSON.stringify({ connector: { provider: 'mysql', TABLE: 'a', table: 'b' } })]))
      .rejects.toThrow('Duplicate parameters (keys are case-insensitive): TABLE, table\nMissing required parameters connection');
  });
});
