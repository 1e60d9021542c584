-- cdb_connectors.sleep_before_deadline(pause_seconds double precision, deadline timestamptz):
-- one pause of a polling loop. Sleeps pause_seconds, or less so as to wake at deadline (at once
-- when it has passed); a NULL deadline does not bound the pause. Shared by cdb_connector_wait and
-- cdb_connector_request_result, which each choose their own pause.
-- Parameters: pause_seconds; deadline. Locks: none (nothing is held while sleeping).
create or replace function cdb_connectors.sleep_before_deadline(pause_seconds double precision, deadline timestamptz)
returns void
language sql volatile
set search_path = pg_catalog, pg_temp
as $$
  select pg_sleep(case when deadline is null then pause_seconds
                       else least(pause_seconds, greatest(0, extract(epoch from deadline - clock_timestamp()))) end)
$$;

comment on function cdb_connectors.sleep_before_deadline(double precision, timestamptz) is 'Internal: sleeps pause_seconds, but wakes at deadline (NULL: no deadline).';
