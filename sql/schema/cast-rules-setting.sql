-- The cast_rules setting (SPEC §14, "Cast rules as data"): the DBA's default user cast rules, a
-- JSON array of {"type" | "column", "to", optional "time_zone", "lossy", "provider"}, matched
-- after a job's own "casts" and before each provider's built-in table (docs/cast-rules.md).
-- Applied after sql/api/settings-check.sql, which holds its rule; ON CONFLICT keeps a DBA's
-- value on re-apply.
-- Parameters: none. Locks: row locks on settings.
insert into cdb_connectors.settings (name, value, description) values
  ('cast_rules', '[]', 'Default cast rules of every import and sync, after the job''s own "casts": [{"type": "tinyint(1)", "to": "boolean", "provider": "mysql"}, …] (docs/cast-rules.md).')
on conflict (name) do nothing;
