-- API keys of the HTTP API (SPEC §11, issue 11): each key maps an HTTP caller to one PostgreSQL
-- role, and every request runs the SQL API as that role. Only the SHA-256 of a key is stored
-- (the key is returned once, by cdb_connector_create_api_key); keys are 244 random bits, so an
-- unsalted hash is enough and lets the sidecar find a key with one index lookup.
-- The role is identified by OID: a dropped role's keys stop working, and a new role created
-- later under the same name does not inherit them; a renamed role keeps its keys. role_name is
-- the name at creation, for people reading the table.
-- Users create rows through cdb_connector_create_api_key() (or a direct INSERT of role_name and
-- label: the BEFORE INSERT trigger, sql/api/api-keys-insert-trigger.sql, generates the key and
-- checks who may create it), revoke with cdb_connector_revoke_api_key() (or an UPDATE of
-- revoked_at, which cannot be undone). Rows are never deleted: they are the audit trail.
-- Parameters: none. Locks: none beyond CREATE TABLE's (migration only).
create table cdb_connectors.api_keys (
  id uuid primary key default gen_random_uuid(),
  role_oid oid not null,
  role_name name not null,
  -- sha256(convert_to(key, 'UTF8')); unique, so a key identifies exactly one row
  key_hash bytea not null unique,
  label text check (char_length(label) <= 200),
  created_by name not null default current_user,
  created_at timestamptz not null default now(),
  -- written by the sidecars, at most once a minute per key and sidecar (src/http/api-keys.ts)
  last_used_at timestamptz,
  revoked_at timestamptz
);

create index api_keys_role on cdb_connectors.api_keys (role_oid);

comment on table cdb_connectors.api_keys is 'API keys of the HTTP API (only their SHA-256 is stored). Create with cdb_connector_create_api_key(role), revoke with cdb_connector_revoke_api_key(key or id).';
comment on column cdb_connectors.api_keys.role_oid is 'The role every request made with this key runs as (SET LOCAL ROLE).';
comment on column cdb_connectors.api_keys.role_name is 'The role''s name when the key was created.';
comment on column cdb_connectors.api_keys.key_hash is 'sha256 of the key; the key itself is shown once, by cdb_connector_create_api_key.';
comment on column cdb_connectors.api_keys.last_used_at is 'Last request with this key (updated at most once a minute per sidecar).';
comment on column cdb_connectors.api_keys.revoked_at is 'Set by cdb_connector_revoke_api_key; a revoked key gets 401 and cannot be reinstated.';
