-- cdb_connectors.seal_secret(secret text) → text: the form a password is stored in, in
-- job_secrets, sync_secrets and request_secrets (issue 16 §4):
--   'pgp:<fingerprint>:<base64 OpenPGP message>' — sealed with the active key of secret_keys;
--   the password itself                         — no key installed (as before keys existed);
--   'plain:<password>'                           — no key, and the password itself starts with
--                                                  'pgp:' or 'plain:' (so it cannot pass for a form).
-- The sidecar opens the three forms (src/secrets/sealed-secret.ts). Runs as the caller, inside
-- the insert triggers; pgcrypto's functions are called through the schema it lives in.
-- Parameters: secret — the password. Locks: AccessShare on secret_keys.
create or replace function cdb_connectors.seal_secret(secret text)
returns text
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  key record;
  crypto_schema name;
  sealed text;
begin
  select k.fingerprint, k.public_key into key from cdb_connectors.secret_keys as k where k.retired_at is null;
  if not found then
    if secret like 'pgp:%' or secret like 'plain:%' then
      return 'plain:' || secret;
    end if;
    return secret;
  end if;
  select n.nspname into crypto_schema
    from pg_catalog.pg_extension as e join pg_catalog.pg_namespace as n on n.oid = e.extnamespace
   where e.extname = 'pgcrypto';
  if crypto_schema is null then
    raise exception 'A key to seal passwords is installed but the pgcrypto extension is not'
      using errcode = '58000', hint = 'An administrator runs CREATE EXTENSION pgcrypto in this database.';
  end if;
  execute format('select pg_catalog.translate(pg_catalog.encode(%1$I.pgp_pub_encrypt($1, %1$I.dearmor($2)), ''base64''), E''\n'', '''')', crypto_schema)
    into sealed using secret, key.public_key;
  return 'pgp:' || key.fingerprint || ':' || sealed;
end
$$;

comment on function cdb_connectors.seal_secret(text) is 'Internal: a password as stored — sealed with the active key of secret_keys, or as is without one.';
