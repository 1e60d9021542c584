-- Settings and limits (SPEC §6). One row per setting; DBAs UPDATE value. The sidecar reads them
-- per job, so a change applies without a restart. Values are validated by
-- cdb_connectors.check_setting() (sql/api/settings-check.sql).
create table cdb_connectors.settings (
  name text primary key,
  value jsonb not null,
  description text not null
);

insert into cdb_connectors.settings (name, value, description) values
  ('max_rows', '1000000', 'Rows imported per job at most; more rows are cut with a row_limit warning.'),
  ('max_columns', '256', 'Importable columns per table at most; more fail the job with error 1507.'),
  ('max_identifier_length', '63', 'Bytes per local identifier (fixed by PostgreSQL NAMEDATALEN).'),
  ('max_listed_tables', '500', 'Tables returned by cdb_connector_list_tables at most.'),
  ('min_interval', '900', 'Smallest sync interval in seconds.'),
  ('max_retries', '10', 'Retries of a failed sync run (transient errors only) before waiting for the next interval.'),
  ('max_concurrent_jobs_per_role', '3', 'Jobs of one role running at the same time at most (plan limit).'),
  ('max_syncs_per_role', 'null', 'Sync tables per role at most; null = unlimited.'),
  ('enabled_providers', '["mysql", "postgres", "sqlserver", "hive"]', 'Providers that may be used; others fail with error 1501.'),
  ('connect_timeout', '30', 'Seconds to wait for a remote connection.'),
  ('statement_timeout', '3600', 'Seconds a remote query (the whole streamed read) may run.'),
  ('allowed_hosts', '[]', 'Remote hosts allowed (host names, IP addresses or CIDRs); empty = any.'),
  ('lease_seconds', '60', 'A running job whose sidecar stopped renewing its lease for this long is re-run elsewhere.'),
  ('fetch_rows', '10000', 'Rows fetched per remote round trip where the protocol pages (Hive, cursors).');
