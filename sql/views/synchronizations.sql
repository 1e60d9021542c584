-- cdb_connectors.synchronizations: one row per sync table (SPEC §5), with CARTO's field names.
-- security_invoker, so the RLS policies of syncs apply to the reader: a role sees its own syncs,
-- members of cdb_connector_admin see all. It is a simple view, so PostgreSQL lets it be updated:
-- DBAs pause, resume, re-time and unsync with plain SQL on it (grants in grants-syncs.sql; the
-- syncs triggers validate), e.g.
--   UPDATE cdb_connectors.synchronizations SET paused = true WHERE user_id = 'alice';
--   UPDATE cdb_connectors.synchronizations SET interval = 86400 WHERE id = '…';
-- table_name and target_schema follow the synced table's OID, so they show the current name
-- after the user renamed or moved the table; the recorded name when the table is gone.
-- service_item_id holds the connector parameters as JSON text, password "***".
-- state paused (SPEC §14): a run stopped for remote column changes that wait for a decision;
-- paused_reason lists them (kind, column, types, why), error_message holds the run's 2013 message
-- with how to approve or reject; NULL in any other state. Columns are only ever added at the end
-- (CREATE OR REPLACE VIEW).
-- Parameters: none. Locks: AccessShare on syncs (and pg_class) when read.
create or replace view cdb_connectors.synchronizations with (security_invoker = true) as
select
  s.id,
  null::text as name,
  s.interval_seconds as interval,
  null::text as url,
  s.state,
  s.owner as user_id,
  s.created_at,
  s.updated_at,
  s.run_at,
  s.ran_at,
  s.modified_at,
  null::text as etag,
  s.checksum,
  s.last_import_id as log_id,
  s.error_code,
  s.error_message,
  s.retried_times,
  'connector'::text as service_name,
  s.params::text as service_item_id,
  true as type_guessing,
  true as quoted_fields_guessing,
  false as content_guessing,
  null::uuid as visualization_id,
  false as from_external_source,
  jsonb_build_object('endpoint', '/api/v1/imports', 'item_queue_id', s.last_import_id) as data_import,
  coalesce((select c.relname::text from pg_catalog.pg_class as c where c.oid = s.table_oid), s.table_name) as table_name,
  coalesce((select n.nspname from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
             where c.oid = s.table_oid), s.target_schema) as target_schema,
  s.last_import_id,
  s.paused,
  s.provider,
  case when s.state = 'paused' then
    (select string_agg(format('%s %s%s%s: %s', c.kind, c.column_name,
                              coalesce(' ' || c.old_type, ''), coalesce(case when c.old_type is null then ' ' else ' → ' end || c.new_type, ''),
                              coalesce(c.reason, 'waits for a decision')), '; ' order by c.detected_at, c.column_name)
       from cdb_connectors.schema_changes as c where c.sync_id = s.id and c.action = 'pending')
  end as paused_reason,
  -- SPEC §16: a cdc sync whose source keeps more log for it than cdc_max_lag_bytes allows
  case when s.params ->> 'mode' = 'cdc' and s.cdc_lag_bytes > coalesce(
         (select (st.value #>> '{}')::numeric from cdb_connectors.settings as st where st.name = 'cdc_max_lag_bytes'), 1073741824)
       then format('cdc_lag: the source keeps %s bytes of change log past what this sync applied (more than the setting cdc_max_lag_bytes)%s; '
                   'let it catch up (cdb_connector_sync_now, "continuous": true) or unsync it to free the source''s disk',
                   s.cdc_lag_bytes, case when s.paused then ', and the sync is paused' else '' end)
  end as cdc_warning
from cdb_connectors.syncs as s;

comment on view cdb_connectors.synchronizations is 'Sync tables (CARTO synchronization fields). Each role sees its own; cdb_connector_admin members see all. UPDATE interval / paused and DELETE (unsync) work on the view.';
comment on column cdb_connectors.synchronizations.cdc_warning is '"mode": "cdc": set when the source keeps more change log for this sync than the setting cdc_max_lag_bytes (a slot not consumed fills the source''s disk); NULL otherwise.';
comment on column cdb_connectors.synchronizations.interval is 'Seconds between runs (at least the min_interval setting). Writable.';
comment on column cdb_connectors.synchronizations.state is 'created (first run queued), queued, syncing, success, failure, or paused (remote column changes wait for cdb_connector_schema_change_approve / _reject: see paused_reason).';
comment on column cdb_connectors.synchronizations.user_id is 'Role that owns the sync and the synced table.';
comment on column cdb_connectors.synchronizations.run_at is 'When the next run is due (after a failure: the retry, with backoff).';
comment on column cdb_connectors.synchronizations.ran_at is 'When the last successful run finished.';
comment on column cdb_connectors.synchronizations.modified_at is 'When a run last changed the table''s content (runs that fetched identical data leave it).';
comment on column cdb_connectors.synchronizations.checksum is 'Content checksum of the last successful run''s rows (order-independent).';
comment on column cdb_connectors.synchronizations.log_id is 'The last run''s job id: its log lines are in cdb_connectors.import_log (job_id).';
comment on column cdb_connectors.synchronizations.retried_times is 'Failed runs since the last success; transient errors are retried with backoff up to max_retries.';
comment on column cdb_connectors.synchronizations.service_item_id is 'The connector parameters as JSON text (password "***").';
comment on column cdb_connectors.synchronizations.data_import is '{"endpoint": "/api/v1/imports", "item_queue_id": <last run''s job id>}.';
comment on column cdb_connectors.synchronizations.table_name is 'The synced table''s current name (followed by OID through renames).';
comment on column cdb_connectors.synchronizations.last_import_id is 'The last run''s job id (cdb_connectors.imports.id).';
comment on column cdb_connectors.synchronizations.paused is 'A paused sync runs only on cdb_connector_sync_now(). Writable.';
comment on column cdb_connectors.synchronizations.paused_reason is 'State paused: the pending schema changes (kind, column, old → new type) and why each waits; decide them with cdb_connector_schema_change_approve(id) / _reject(id) (ids in cdb_connectors.schema_changes). NULL otherwise.';
