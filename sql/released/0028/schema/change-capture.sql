-- Log-based change capture (SPEC §16, issue 23): what a "mode": "cdc" sync keeps besides the
-- mark (syncs.mark holds the source log position the table is applied up to, as the provider's
-- exact text: a PostgreSQL LSN, a MySQL binlog position as JSON), and the cleanup of the source's
-- log retention after cdb_connector_unsync.
--   syncs.cdc_lag_bytes  how far the source's log end was ahead of the applied position when the
--                        last run ended (NULL when the source cannot tell, and for other modes);
--   syncs.cdc_lag_at     when that was measured;
--   cdc_releases         one row per unsynced cdc sync whose slot / publication the sidecar still
--                        has to drop on the source: the sync's connection (password sealed as in
--                        sync_secrets) copied by syncs_before_delete_cdc. Users have no privileges
--                        on it; the sidecars read and delete its rows (worker-role.sql).
--   setting cdc_max_lag_bytes  a cdc sync whose source log is further ahead than this gets the
--                        warning cdc_lag (synchronizations.cdc_warning): a slot that is not
--                        consumed keeps the source's WAL forever.
-- Re-applicable: IF NOT EXISTS / ON CONFLICT everywhere. Applied after settings-check.sql.
-- Parameters: none. Locks: AccessExclusive on syncs while columns are added (migration only).
alter table cdb_connectors.syncs
  add column if not exists cdc_lag_bytes bigint,
  add column if not exists cdc_lag_at timestamptz;

create table if not exists cdb_connectors.cdc_releases (
  id uuid primary key default gen_random_uuid(),
  sync_id uuid not null,
  owner name not null,
  provider text not null,
  -- the sync's normalised connector object (password "***"), for the connection and the names
  params jsonb not null,
  -- the sealed password (seal_secret's forms), NULL for a named connection or none
  secret text,
  attempts integer not null default 0,
  last_error text,
  next_attempt_at timestamptz not null default now(),
  created_at timestamptz not null default now()
);
revoke all on cdb_connectors.cdc_releases from public;

insert into cdb_connectors.settings (name, value, description) values
  ('cdc_max_lag_bytes', '1073741824', 'A "mode": "cdc" sync whose source change log is more than this many bytes ahead of what the sync applied gets the warning cdc_lag (synchronizations.cdc_warning): the source keeps that log (a PostgreSQL slot''s WAL) until the sync catches up or is unsynced.')
on conflict (name) do nothing;
