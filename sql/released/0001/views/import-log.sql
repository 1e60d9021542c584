-- cdb_connectors.import_log: per-job log lines written by the sidecars (SPEC §3). security_invoker,
-- so the RLS policy of job_log (the job must be visible to the reader) applies. Never holds
-- passwords: the sidecar redacts them before writing.
-- Parameters: none. Locks: AccessShare on job_log and jobs when read.
create or replace view cdb_connectors.import_log with (security_invoker = true) as
select l.job_id, l.ts, l.level, l.message
from cdb_connectors.job_log as l;

comment on view cdb_connectors.import_log is 'Log lines of import jobs (job_id = cdb_connectors.imports.id). Each role sees the lines of its own jobs.';
comment on column cdb_connectors.import_log.level is 'debug, info, warn or error.';
