-- cdb_connectors.workers: the sidecars serving this database (SPEC §3), with how many jobs each
-- is running and whether it is alive (seen within lease_seconds); cdb_connectors.sidecars is
-- the table the sidecars maintain.
-- Definer rights on purpose (not security_invoker): running_jobs counts every role's jobs, which
-- the reader could not see under RLS; the view shows counts only, never whose jobs they are.
-- Parameters: none. Locks: AccessShare on workers, jobs, settings when read.
create or replace view cdb_connectors.workers as
select
  w.id,
  w.host,
  w.pid,
  w.version,
  w.concurrency,
  w.started_at,
  w.last_seen_at,
  (select count(*) from cdb_connectors.jobs as j where j.worker_id = w.id and j.state = 'importing') as running_jobs,
  w.last_seen_at > now() - make_interval(secs => coalesce(
    (select (s.value #>> '{}')::integer from cdb_connectors.settings as s where s.name = 'lease_seconds'), 60)) as alive
from cdb_connectors.sidecars as w;

comment on view cdb_connectors.workers is 'Sidecars serving this database: host, pid, version, concurrency, jobs running now, alive (seen within lease_seconds).';
comment on column cdb_connectors.workers.running_jobs is 'Jobs of all roles this sidecar is importing now.';
comment on column cdb_connectors.workers.alive is 'Seen within the lease_seconds setting; a dead sidecar''s jobs are re-run elsewhere.';
