/**
 * cdb_connectors.settings validation (SPEC §6): one rule per setting, a clear message naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { sqlError } from './helpers.js';

let db: TargetDb;

beforeAll(async () => {
  db = await createTargetDb();
});

afterAll(async () => {
  await db.drop();
});

const MAX_COLUMNS_RULE = "an integer of at least 1 and at most 1600, PostgreSQL's limit of columns in a table";

const BAD: Array<[name: string, value: string, message: string]> = [
  ['max_rows', '0', 'Invalid value 0 for setting max_rows: it must be an integer of at least 1'],
  ['max_rows', '"1000"', 'Invalid value "1000" for setting max_rows: it must be an integer of at least 1'],
  ['max_rows', '10.5', 'Invalid value 10.5 for setting max_rows: it must be an integer of at least 1'],
  ['max_rows', '3000000000', 'Invalid value 3000000000 for setting max_rows: it must be an integer of at least 1'],
  ['max_columns', 'null', `Invalid value null for setting max_columns: it must be ${MAX_COLUMNS_RULE}`],
  // PostgreSQL refuses a table of more than 1600 columns: a larger limit would only move the failure to CREATE TABLE (issue 22 §9)
  ['max_columns', '1601', `Invalid value 1601 for setting max_columns: it must be ${MAX_COLUMNS_RULE}`],
  ['max_columns', '0', `Invalid value 0 for setting max_columns: it must be ${MAX_COLUMNS_RULE}`],
  ['max_listed_tables', '-1', 'Invalid value -1 for setting max_listed_tables: it must be an integer of at least 1'],
  ['max_concurrent_jobs_per_role', '0', 'Invalid value 0 for setting max_concurrent_jobs_per_role: it must be an integer of at least 1'],
  ['fetch_rows', 'true', 'Invalid value true for setting fetch_rows: it must be an integer of at least 1'],
  ['max_retries', '-1', 'Invalid value -1 for setting max_retries: it must be an integer of at least 0'],
  ['max_syncs_per_role', '-2', 'Invalid value -2 for setting max_syncs_per_role: it must be null (unlimited) or an integer of at least 0'],
  ['max_syncs_per_role', '"many"', 'Invalid value "many" for setting max_syncs_per_role: it must be null (unlimited) or an integer of at least 0'],
  ['min_interval', '59', 'Invalid value 59 for setting min_interval: it must be a whole number of seconds of at least 60'],
  ['lease_seconds', '4', 'Invalid value 4 for setting lease_seconds: it must be a whole number of seconds of at least 5'],
  ['connect_timeout', '0', 'Invalid value 0 for setting connect_timeout: it must be a whole number of seconds greater than 0'],
  ['statement_timeout', '-30', 'Invalid value -30 for setting statement_timeout: it must be a whole number of seconds greater than 0'],
  ['max_identifier_length', '64', "Invalid value 64 for setting max_identifier_length: it must be 63 (fixed by PostgreSQL's NAMEDATALEN)"],
  ['enabled_providers', '"mysql"', 'Invalid value "mysql" for setting enabled_providers: it must be a JSON array of provider names out of mysql, postgres, sqlserver, hive'],
  ['enabled_providers', '["mysql", "oracle"]', 'Invalid value ["mysql", "oracle"] for setting enabled_providers: it must be a JSON array of provider names out of mysql, postgres, sqlserver, hive'],
  ['enabled_providers', '[1]', 'Invalid value [1] for setting enabled_providers: it must be a JSON array of provider names out of mysql, postgres, sqlserver, hive'],
  ['allowed_hosts', '"db.example.com"', 'Invalid value "db.example.com" for setting allowed_hosts: it must be a JSON array of host names, IP addresses or CIDR ranges, each with an optional :port ([] allows public addresses only)'],
  ['allowed_hosts', '["10.0.0.1/8"]', 'Invalid value ["10.0.0.1/8"] for setting allowed_hosts: it must be a JSON array of host names, IP addresses or CIDR ranges, each with an optional :port; "10.0.0.1/8" is none of these'],
  ['allowed_hosts', '["bad host"]', 'Invalid value ["bad host"] for setting allowed_hosts: it must be a JSON array of host names, IP addresses or CIDR ranges, each with an optional :port; "bad host" is none of these'],
  ['allowed_hosts', '["-leading.example.com"]', 'Invalid value ["-leading.example.com"] for setting allowed_hosts: it must be a JSON array of host names, IP addresses or CIDR ranges, each with an optional :port; "-leading.example.com" is none of these'],
  ['allowed_hosts', '["300.1.1.1"]', 'Invalid value ["300.1.1.1"] for setting allowed_hosts: it must be a JSON array of host names, IP addresses or CIDR ranges, each with an optional :port; "300.1.1.1" is none of these'],
  ['ssl_ca_file', '"certs/ca.pem"', "Invalid value \"certs/ca.pem\" for setting ssl_ca_file: it must be null or an absolute path (on the sidecars' hosts) to a PEM file of CA certificates"],
  ['ssl_ca_file', '42', "Invalid value 42 for setting ssl_ca_file: it must be null or an absolute path (on the sidecars' hosts) to a PEM file of CA certificates"],
  ['allowed_hosts', '[null]', 'Invalid value [null] for setting allowed_hosts: it must be a JSON array of host names, IP addresses or CIDR ranges, each with an optional :port; null is none of these'],
];

describe('settings trigger', () => {
  it('accepts every shipped default', async () => {
    const { rowCount } = await db.query('update cdb_connectors.settings set value = value');
    expect(rowCount).toBeGreaterThanOrEqual(14);
  });

  it.each(BAD)('%s = %s is rejected', async (name, value, message) => {
    const before = await db.query('select value from cdb_connectors.settings where name = $1', [name]);
    const err = await sqlError(db.query('update cdb_connectors.settings set value = $2::jsonb where name = $1', [name, value]));
    expect(err).toMatchObject({ code: '22023', message });
    const after = await db.query('select value from cdb_connectors.settings where name = $1', [name]);
    expect(after.rows).toEqual(before.rows);
  });

  it.each([
    ['max_rows', '1000'],
    ['max_columns', '1600'],
    ['max_syncs_per_role', 'null'],
    ['max_syncs_per_role', '0'],
    ['max_retries', '0'],
    ['min_interval', '60'],
    ['ssl_ca_file', '"/etc/ssl/certs/corp-ca.pem"'],
    ['ssl_ca_file', 'null'],
    ['enabled_providers', '[]'],
    ['enabled_providers', '["postgres", "hive"]'],
    ['allowed_hosts', '["db.example.com", "10.0.0.0/8", "192.168.1.7", "::1", "2001:db8::/32", "localhost", "Mixed-Case.Example.COM."]'],
  ])('%s = %s is accepted', async (name, value) => {
    await db.query('update cdb_connectors.settings set value = $2::jsonb where name = $1', [name, value]);
    const { rows } = await db.query('select value from cdb_connectors.settings where name = $1', [name]);
    expect(rows[0].value).toEqual(JSON.parse(value));
  });

  it('rejects settings it has no rule for', async () => {
    const err = await sqlError(db.query(`insert into cdb_connectors.settings (name, value, description) values ('max_row', '5', 'typo')`));
    expect(err).toMatchObject({ code: '22023', message: "Unknown setting 'max_row'" });
  });
});
