-- cdb_connectors.sync_state: where each sync table stands between runs (SPEC §13), one row per
-- sync. security_invoker, so the RLS policies of syncs apply: a role sees its own syncs, members
-- of cdb_connector_admin see all.
--   mode          replace | append | merge (the connector's "mode", replace when absent);
--   cursor        the cursor column (remote name), NULL without one;
--   mark          the cursor's maximum among the rows the last run read, as the local value's
--                 text (timestamptz in UTC, without offset); NULL before the first run, after
--                 cdb_connector_sync_reset(), and for replace syncs;
--   rows_at_mark  rows the last run read at the mark (read again by the next run);
--   updated_at    when the mark last changed (or was reset);
--   position      "mode": "cdc" (SPEC §16): the source log position the table is applied up to
--                 (the mark: a PostgreSQL LSN, a MySQL binlog position as JSON);
--   lag_bytes     cdc: how far the source's log end was ahead of it when the last run ended;
--   lag_seconds   cdc: seconds since the table was last known to be caught up to that log end
--                 (the last run's end when it found the log drained), NULL before the first run.
-- Parameters: none. Locks: AccessShare on syncs when read.
create or replace view cdb_connectors.sync_state with (security_invoker = true) as
select
  s.id as sync_id,
  coalesce(s.params ->> 'mode', 'replace') as mode,
  s.params ->> 'cursor' as cursor,
  s.mark,
  s.rows_at_mark,
  s.mark_updated_at as updated_at,
  s.params -> 'primary_key' as primary_key,
  coalesce(s.params ->> 'deletes', case s.params ->> 'mode' when 'merge' then 'keep' when 'cdc' then 'hard' end) as deletes,
  s.owner,
  case when s.params ->> 'mode' = 'cdc' then s.mark end as position,
  s.cdc_lag_bytes as lag_bytes,
  case when s.params ->> 'mode' = 'cdc' and s.cdc_lag_at is not null
       then extract(epoch from statement_timestamp() - s.cdc_lag_at)::bigint end as lag_seconds
from cdb_connectors.syncs as s;

comment on view cdb_connectors.sync_state is 'Incremental sync tables between runs: mode, cursor column, mark (last cursor maximum read, exact text), rows at the mark. Each role sees its own syncs; cdb_connector_admin members see all.';
comment on column cdb_connectors.sync_state.mark is 'The cursor''s maximum among the rows the last run read, as the local value''s text (timestamptz in UTC without offset); NULL before the first run and after cdb_connector_sync_reset().';
comment on column cdb_connectors.sync_state.position is '"mode": "cdc": the source change-log position the table is applied up to (PostgreSQL LSN, or MySQL binlog {"file", "pos", "gtid"}).';
comment on column cdb_connectors.sync_state.lag_bytes is '"mode": "cdc": bytes of source change log past the applied position when the last run ended.';
comment on column cdb_connectors.sync_state.rows_at_mark is 'Rows the last run read whose cursor equals the mark; the next run reads them again (its bound is inclusive).';

revoke all on cdb_connectors.sync_state from public;
grant select on cdb_connectors.sync_state to cdb_connector_user;
