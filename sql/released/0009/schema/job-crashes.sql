-- cdb_connectors.jobs.crashes: how many times a sidecar stopped renewing this job's lease while it
-- ran it (it died, was killed or froze) — counted when another sidecar finds the lease expired.
-- The poison-pill guard (src/sidecar/job-store.ts) fails a job on the third claim after two such
-- crashes instead of handing it to yet another sidecar. A job handed back on purpose (shutdown,
-- target outage) is not a crash. Users cannot write it: their column grants on jobs are
-- INSERT (id, params, target_schema) and UPDATE (cancel_requested).
-- Parameters: none. Locks: AccessExclusive on jobs for the instant of the ALTER (migration only).
alter table cdb_connectors.jobs add column if not exists crashes integer not null default 0;

comment on column cdb_connectors.jobs.crashes is 'Times the job''s lease expired while it was importing (its sidecar died or froze); at 2 the next claim fails it instead (poison-pill guard).';
