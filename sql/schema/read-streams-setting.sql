-- The setting table_read_streams (issue 20 item 5): how many remote reads one import of a large
-- table may split into, by ranges of its integer key, all COPYing into the one load. 1 (the default)
-- is one read per table: measured on 2 vCPUs, splitting does not pay (docs/performance.md).
-- Applied after sql/api/settings-check.sql, which holds its rule; ON CONFLICT keeps a DBA's value.
-- Parameters: none. Locks: row locks on settings.
insert into cdb_connectors.settings (name, value, description) values
  ('table_read_streams', '1', 'Remote reads one import of a large table (over twice fetch_rows rows, an integer key, no row limit in sight) is split into, by ranges of its key, all COPYing into the one load; 1 = one read. MySQL/MariaDB sources.')
on conflict (name) do nothing;
