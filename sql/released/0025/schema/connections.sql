-- Named connections (issue 22 §6): a remote server's connection parameters stored once under a
-- name, with the password sealed like every other (seal_secret), referenced by imports, syncs
-- and answer-now requests as "connection": "<name>". The password is given once (and rotated in
-- one place, cdb_connector_alter_connection) instead of in every statement that imports, so it
-- is not in the statement text PostgreSQL may log (log_statement, log_min_error_statement) or
-- pg_stat_statements keeps. The sidecar reads the connection when a run or request starts, so a
-- sync's next run uses a rotated password.
--   connections         one row per (owner, name): provider, params = the normalised connection
--                       object WITHOUT its password (normalize_connection: lower-case keys,
--                       defaults); has_password says whether connection_secrets holds one.
--                       Users read their own rows (RLS); they write through the functions,
--                       whose triggers validate and force owner/id.
--   connection_secrets  the sealed password; users have no privileges on it at all (written by
--                       the SECURITY DEFINER trigger connections_after_write, read by sidecars).
-- Re-applicable: IF NOT EXISTS throughout.
-- Parameters: none. Locks: none beyond creating the tables (migration only).
create table if not exists cdb_connectors.connections (
  id uuid primary key default gen_random_uuid(),
  owner name not null default current_user,
  name text not null,
  provider text not null,
  params jsonb not null,
  has_password boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (owner, name)
);

create table if not exists cdb_connectors.connection_secrets (
  connection_id uuid primary key references cdb_connectors.connections (id) on delete cascade,
  password text not null
);

comment on table cdb_connectors.connections is 'Named connections (docs/named-connections.md): create with cdb_connector_create_connection(name, jsonb), use as "connection": "<name>" in an import, sync or check. Passwords are never here (sealed in connection_secrets).';
comment on column cdb_connectors.connections.params is 'The normalised connection object (server, port, database, username, sslmode…), without the password.';
comment on column cdb_connectors.connections.has_password is 'True when a password is stored (sealed, never readable through SQL).';
comment on table cdb_connectors.connection_secrets is 'Internal: sealed passwords of named connections; only the sidecars read them.';
