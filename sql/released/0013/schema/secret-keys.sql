-- Public keys that seal stored passwords (issue 16 §4, docs/security.md "Remote passwords").
-- The database holds only public keys: cdb_connectors.seal_secret() encrypts with the active one
-- (pgcrypto's pgp_pub_encrypt), and only the sidecars hold the private keys
-- (CONNECTOR_SECRETS_KEY_FILE), written by `connector-bridge rotate-secrets-key`. No key → the
-- passwords are stored as before, in plain text.
-- pgcrypto is a trusted extension (PostgreSQL 13+): the database owner may create it. Where it
-- cannot be created the migration goes on, and installing a key later says what is missing.
do $$
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'pgcrypto') then
    create extension pgcrypto schema cdb_connectors;
  end if;
exception when others then
  raise warning 'pgcrypto is not available (%): stored passwords cannot be sealed until it is installed', sqlerrm;
end
$$;

create table cdb_connectors.secret_keys (
  fingerprint text primary key check (fingerprint ~ '^[0-9a-f]{40,64}$'),
  -- ASCII-armored OpenPGP public key (RSA: pgcrypto encrypts to RSA and Elgamal keys only)
  public_key text not null,
  created_at timestamptz not null default now(),
  retired_at timestamptz
);
-- One active key at most: the one new passwords are sealed with.
create unique index secret_keys_one_active on cdb_connectors.secret_keys ((true)) where retired_at is null;

-- Users' triggers seal their own passwords, so they read the public keys (nothing secret there).
grant select on cdb_connectors.secret_keys to cdb_connector_user;

comment on table cdb_connectors.secret_keys is 'Public keys that seal stored passwords; the private keys live only with the sidecars (connector-bridge rotate-secrets-key).';
