-- Control schema of the bridge: everything the SQL API and the sidecars share.
-- Internal tables are not API; users read the views in sql/views/.
create schema if not exists cdb_connectors;
comment on schema cdb_connectors is 'pg-connector-bridge: import/sync jobs, status views and settings (see README).';
create extension if not exists pgcrypto; -- gen_random_uuid() on PostgreSQL < 13, digest() for API keys
