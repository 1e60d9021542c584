-- Limits with safe defaults (issue 16, attacks 9 and 10), added to cdb_connectors.settings
-- (SPEC §6). Applied after sql/api/settings-check.sql, which holds their rules; ON CONFLICT keeps
-- a DBA's value on re-apply. max_syncs_per_role (sql/schema/settings.sql) gets its finite default
-- in migrations/0010_limits.js, once. The partial index keeps check_queued_jobs_limit's count
-- cheap however long a role's job history grows.
-- Parameters: none. Locks: row locks on settings; Share on jobs while the index is built.
insert into cdb_connectors.settings (name, value, description) values
  ('min_sync_now_interval', '60', 'Seconds a sync must rest after its last run (or sync_now request) before cdb_connector_sync_now may run it again; sooner is refused (SQLSTATE 54000), and a sync_now during a run returns that run. Scheduled runs are not affected; 0 = no wait.'),
  ('max_queued_jobs_per_role', '100', 'Jobs of one role queued or running at most (sync runs included); a new import, sync table or sync_now beyond it is refused (SQLSTATE 54000). Scheduled sync runs are never refused.')
on conflict (name) do nothing;

create index if not exists jobs_owner_active on cdb_connectors.jobs (owner) where state in ('enqueued', 'importing');
