-- cdb_connectors.runs: one row per whole-database run (SPEC §15), the users' window on
-- cdb_connectors.database_runs with the progress of its children aggregated. security_invoker, so
-- the RLS policies of database_runs and jobs apply to the reader: a role sees its own runs,
-- members of cdb_connector_admin see all.
--   rows_estimated — per table: the rows a finished table read, else the larger of what it read so
--                    far and its estimate (the child's own once it described the table, else the
--                    remote statistics read at listing); tables of unknown size count as 0.
--   percent        — rows_fetched of rows_estimated, below 100 until the run is complete.
--   rows_per_second, eta — since started_at (listing done): the rate so far, and the time the
--                    remaining estimated rows take at that rate (NULL while unknown).
-- Parameters: none. Locks: AccessShare on database_runs and jobs when read.
create or replace view cdb_connectors.runs with (security_invoker = true) as
select
  r.id as run_id,
  r.state,
  r.owner,
  r.provider,
  r.params,
  r.options,
  r.target_schema,
  (r.options ->> 'atomic')::boolean as atomic,
  r.tables_total,
  coalesce(c.complete, 0)::integer as tables_complete,
  coalesce(c.failed, 0)::integer as tables_failed,
  coalesce(c.running, 0)::integer as tables_running,
  coalesce(c.rows_fetched, 0)::bigint as rows_fetched,
  c.rows_estimated::bigint as rows_estimated,
  case when r.state = 'complete' then 100::numeric
       when c.rows_estimated > 0 then least(99.9, round(100 * c.rows_fetched / c.rows_estimated, 1))
  end as percent,
  p.rows_per_second,
  -- NULL beyond ten years: no ETA is better than one make_interval cannot hold
  case when r.state in ('listing', 'importing') and p.rows_per_second > 0 and c.rows_estimated > c.rows_fetched
            and (c.rows_estimated - c.rows_fetched) / p.rows_per_second < 315576000
       then make_interval(secs => round((c.rows_estimated - c.rows_fetched) / p.rows_per_second))
  end as eta,
  r.warnings,
  r.error_code,
  r.error_message,
  r.created_at,
  r.started_at,
  r.finished_at,
  r.updated_at
from cdb_connectors.database_runs as r
left join lateral (
  select count(*) filter (where j.state = 'complete') as complete,
         count(*) filter (where j.state in ('failure', 'cancelled')) as failed,
         count(*) filter (where j.state = 'importing') as running,
         sum(j.rows_fetched)::numeric as rows_fetched,
         sum(case when j.state in ('complete', 'failure', 'cancelled') then j.rows_fetched
                  -- a remote's estimate is clamped: a broken or hostile one must not break the view
                  else greatest(j.rows_fetched, least(coalesce(j.rows_estimated::numeric, (r.table_estimates ->> (j.params ->> 'table'))::numeric, 0), 1e15)) end)::numeric as rows_estimated
    from cdb_connectors.jobs as j where j.run_id = r.id
) as c on true
cross join lateral (
  select case when r.started_at is not null and coalesce(r.finished_at, now()) > r.started_at
              then round(coalesce(c.rows_fetched, 0) / extract(epoch from coalesce(r.finished_at, now()) - r.started_at), 1)
         end as rows_per_second
) as p;

comment on view cdb_connectors.runs is 'Whole-database runs (cdb_connector_import_database): state, tables, rows, percent, rate and ETA. Each role sees its own rows; cdb_connector_admin members see all.';
comment on column cdb_connectors.runs.state is 'listing (a sidecar reads the remote schema) → importing (the tables load) → complete | failure | cancelled.';
comment on column cdb_connectors.runs.tables_total is 'Tables the run takes (include/exclude applied); NULL while listing.';
comment on column cdb_connectors.runs.rows_estimated is 'Rows the run is expected to read, from the remote''s statistics (never a COUNT) and what finished tables read.';
comment on column cdb_connectors.runs.warnings is 'JSON array of {code, message, table}: what of the remote structure was not reproduced, tables renamed on publishing, views skipped.';
