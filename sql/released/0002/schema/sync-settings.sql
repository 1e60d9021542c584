-- Settings of sync tables (issue 5), added to cdb_connectors.settings (SPEC §6). Applied after
-- sql/api/settings-check.sql, which holds their rules. ON CONFLICT keeps a DBA's value on re-apply.
-- Parameters: none. Locks: row locks on settings.
insert into cdb_connectors.settings (name, value, description) values
  ('sync_retry_base_seconds', '60', 'First retry delay of a failed sync run (transient errors); doubles per retry, with jitter, capped at the interval.'),
  ('sync_rebuild_on_schema_change', 'false', 'When the remote columns of a sync table changed incompatibly: false = fail with 2013 and keep the old table; true = drop (CASCADE: dependent views go too) and recreate it.')
on conflict (name) do nothing;
