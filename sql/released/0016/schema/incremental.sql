-- Incremental sync tables (SPEC §13, issue 18): what a merge or append sync keeps between runs,
-- the per-run counts, the delete guard's setting and its error code; and (issue 22 §3, §4)
-- jobs.truncated and the error codes of on_row_limit / if_exists "fail".
--   syncs.mark               the cursor's maximum among the rows the last run read, as the text
--                            of the local value (timestamptz in UTC without offset): exact, no
--                            float or JavaScript Date round trip (src/sidecar/incremental.ts);
--   syncs.rows_at_mark       how many rows the last run read at the mark: the next run reads
--                            them again (inclusive bound) without counting them against max_rows;
--   syncs.mark_updated_at    when the mark last moved;
--   syncs.reset_requested_at written by cdb_connector_sync_reset(): the next run forgets the mark
--                            (syncs_before_update clears it; a run in flight does not store its own);
--   jobs.rows_inserted/updated/deleted/unchanged  what one run did to the table (NULL for imports
--                            and replace runs, whose rows_imported says it).
-- Re-applicable: IF NOT EXISTS / ON CONFLICT everywhere.
-- Parameters: none. Locks: AccessExclusive on syncs and jobs while columns are added (migration only).
alter table cdb_connectors.syncs
  add column if not exists mark text,
  add column if not exists rows_at_mark bigint,
  add column if not exists mark_updated_at timestamptz,
  add column if not exists reset_requested_at timestamptz;

-- jobs.truncated: the import stopped at max_rows (issue 22 §3: unmissable, not only a warning)
alter table cdb_connectors.jobs
  add column if not exists truncated boolean,
  add column if not exists rows_inserted bigint,
  add column if not exists rows_updated bigint,
  add column if not exists rows_deleted bigint,
  add column if not exists rows_unchanged bigint;

insert into cdb_connectors.settings (name, value, description) values
  ('max_delete_ratio', '0.5', 'A merge sync run with "deletes": "soft" or "hard" that would delete more than this share of the table''s rows (0 to 1) fails with error 1511 and changes nothing: a remote table emptied by mistake does not empty its copy. 1 = no guard.')
on conflict (name) do nothing;

insert into cdb_connectors.error_codes (code, name, title, what_about, retryable) values
  (1511, 'DELETE_GUARD', 'Too many deletes', 'The run would have deleted more of the sync table than the max_delete_ratio setting allows, so it changed nothing. Check the remote table; if the deletes are real, raise max_delete_ratio (or run cdb_connector_sync_reset after fixing the remote).', false)
on conflict (code) do nothing;

-- issue 22 §3, §4: "on_row_limit": "fail" and "if_exists": "fail"
insert into cdb_connectors.error_codes (code, name, title, what_about, retryable) values
  (1513, 'ROW_LIMIT_EXCEEDED', 'More rows than max_rows', 'The import asked for "on_row_limit": "fail" and the remote has more rows than the max_rows setting allows, so nothing was imported. Import fewer rows with sql_query, or ask for a higher max_rows.', false),
  (1514, 'TABLE_EXISTS', 'Table exists', 'The import asked for "if_exists": "fail" and a table (or other relation or type) with its name already exists in the target schema, so nothing was imported. Drop or rename it, choose another import_as, or leave if_exists at "rename".', false)
on conflict (code) do nothing;

-- Diff mode (merge without a cursor): the remote's per-bucket row counts and hashes as the last
-- run saw them, before it read (src/sidecar/diff.ts). Buckets are floor((key - origin) / width)
-- over the single-column integer key (local column key_column). Only the sidecars use it; users
-- have no privileges on it. reset_seen is the sync's reset_requested_at when these hashes were
-- taken: a later cdb_connector_sync_reset makes the next run read everything again.
create table if not exists cdb_connectors.sync_diff (
  sync_id uuid primary key references cdb_connectors.syncs (id) on delete cascade,
  key_column text not null,
  origin numeric not null,
  width numeric not null check (width >= 1),
  -- {"<bucket>": "<rows>:<hash>"}, only non-empty buckets
  hashes jsonb,
  reset_seen timestamptz,
  updated_at timestamptz not null default now()
);
revoke all on cdb_connectors.sync_diff from public;
