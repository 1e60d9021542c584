-- Control schema of the bridge: everything the SQL API and the sidecars share.
-- Internal tables are not API; users read the views in sql/views/.
create schema if not exists cdb_connectors;
comment on schema cdb_connectors is 'pg-connector-bridge: import/sync jobs, status views and settings (see README).';
-- No extension is required: gen_random_uuid() and sha256() are core since PostgreSQL 13 and 11,
-- and the embedded PostgreSQL ships no contrib modules.
