-- :api_schema.cdb_connector_run_summary(run_id uuid) → one row per table of a whole-database run,
-- then a total (table_name 'Total'), like pgloader's summary (SPEC §15):
--   table_name (the local table; NULL while not created), remote_table, state, rows (imported, or
--   fetched so far), rejects (rows sent to cdb_connectors.rejects), warnings (the table's own and
--   the run's structure warnings about it), error (code: message), seconds, rows_per_second.
-- Invoker rights: RLS shows a role its own runs. Unknown / another role's id → SQLSTATE P0002.
-- Parameters: run_id. Locks: AccessShare on database_runs and jobs.
create or replace function :api_schema.cdb_connector_run_summary(run_id uuid)
returns table (table_name text, remote_table text, state text, rows bigint, rejects bigint, warnings integer,
               error text, seconds numeric, rows_per_second numeric)
language plpgsql
stable strict
set search_path = pg_catalog, pg_temp
as $$
declare
  run record;
begin
  select r.* into run from cdb_connectors.database_runs as r where r.id = cdb_connector_run_summary.run_id;
  if not found then
    perform cdb_connectors.raise_not_found('Run', run_id);
  end if;
  return query
  with t as (
    select j.table_name::text as table_name, j.params ->> 'table' as remote_table, j.state,
           coalesce(j.rows_imported, j.rows_fetched) as rows,
           coalesce((select sum((w ->> 'count')::bigint) from jsonb_array_elements(j.warnings) as w where w ->> 'code' = 'rejected_rows'), 0)::bigint as rejects,
           (jsonb_array_length(j.warnings)
            + (select count(*) from jsonb_array_elements(run.warnings) as w where w ->> 'table' = j.params ->> 'table'))::integer as warnings,
           case when j.error_code is not null then j.error_code || ': ' || j.error_message end as error,
           round(extract(epoch from coalesce(j.finished_at, now()) - j.started_at)::numeric, 1) as seconds
      from cdb_connectors.jobs as j where j.run_id = cdb_connector_run_summary.run_id
  )
  select * from (
    select t.table_name, t.remote_table, t.state, t.rows, t.rejects, t.warnings, t.error, t.seconds,
           case when t.seconds > 0 then round(t.rows / t.seconds, 1) end
      from t order by t.remote_table collate "C"
  ) as per_table
  union all
  select 'Total', null, run.state, coalesce(sum(t.rows), 0)::bigint, coalesce(sum(t.rejects), 0)::bigint,
         (coalesce(sum(t.warnings), 0) + (select count(*) from jsonb_array_elements(run.warnings) as w where w ->> 'table' is null))::integer,
         case when run.error_code is not null then run.error_code || ': ' || run.error_message end,
         round(extract(epoch from coalesce(run.finished_at, now()) - run.created_at)::numeric, 1),
         case when extract(epoch from coalesce(run.finished_at, now()) - run.created_at) > 0
              then round(coalesce(sum(t.rows), 0) / extract(epoch from coalesce(run.finished_at, now()) - run.created_at)::numeric, 1) end
    from t;
end
$$;

comment on function :api_schema.cdb_connector_run_summary(uuid) is 'One row per table of a whole-database run (table, rows, rejects, warnings, error, seconds, rows/s), then a Total row. Unknown or another role''s id → SQLSTATE P0002.';
revoke execute on function :api_schema.cdb_connector_run_summary(uuid) from public;
grant execute on function :api_schema.cdb_connector_run_summary(uuid) to cdb_connector_user;
