-- Control schema of the bridge: everything the SQL API and the sidecars share.
-- Internal tables are not API; users read the views in sql/views/.
create schema if not exists cdb_connectors;
comment on schema cdb_connectors is 'pg-connector-bridge: import and sync jobs, status views and settings. Roles use it through the cdb_connector_* functions once a DBA ran GRANT cdb_connector_user TO <role> (docs/sql-api.md, Roles and permissions).';
-- No extension is required: gen_random_uuid() and sha256() are core since PostgreSQL 13 and 11,
-- and the embedded PostgreSQL ships no contrib modules.
