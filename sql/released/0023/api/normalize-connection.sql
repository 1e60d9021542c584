-- cdb_connectors.normalize_connection(raw jsonb, provider text) → (normalized jsonb, problems
-- text[]): validates the `connection` object of one connector (SPEC §2) and returns it with
-- lower-case keys and defaults applied (port; sslmode where provider_catalog() fills it, i.e.
-- postgres; mysql keeps a given sslmode and leaves an absent one absent). Every problem found is
-- returned; the caller raises them together. With an unknown provider (provider NULL) only the
-- keys common to all providers are checked.
-- Parameters:
--   raw      — the `connection` value as the user gave it (any JSON type)
--   provider — a provider_catalog() name, or NULL when the provider is missing or invalid
-- Locks: none.
create or replace function cdb_connectors.normalize_connection(raw jsonb, provider text, out normalized jsonb, out problems text[])
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  -- longest host, database or user name accepted; longer input is an error, never truncated
  max_name_chars constant integer := 1024;
  sslmodes constant text[] := array['require', 'prefer', 'disable', 'verify-ca', 'verify-full'];
  cat record;
  conn jsonb;
  allowed text[] := array['server', 'port', 'database', 'username', 'password', 'sslmode'];
  required text[] := array['server', 'database'];
  listed text[];
  problem text;
  k text;
begin
  normalized := '{}'::jsonb;
  problems := '{}'::text[];
  if jsonb_typeof(raw) <> 'object' then
    problems := array['The connection parameter must be a JSON object'];
    return;
  end if;
  select * into cat from cdb_connectors.provider_catalog() as c where c.provider = normalize_connection.provider;
  if found then
    allowed := cat.required_connection || cat.optional_connection;
    required := cat.required_connection;
  end if;

  listed := cdb_connectors.case_duplicate_keys(raw);
  if listed <> '{}' then
    problems := problems || ('Duplicate connection parameters (keys are case-insensitive): ' || array_to_string(listed, ', '));
  end if;
  listed := array(select k.key from jsonb_object_keys(raw) as k(key) where lower(k.key) <> all (allowed) order by k.key collate "C");
  if listed <> '{}' then
    problems := problems || ('Invalid connection parameters: ' || array_to_string(listed, ', '));
  end if;
  conn := cdb_connectors.lower_keys(raw);
  listed := array(select r.key from unnest(required) with ordinality as r(key, n) where not conn ? r.key order by r.n);
  if listed <> '{}' then
    problems := problems || ('Missing required connection parameters ' || array_to_string(listed, ','));
  end if;

  foreach k in array array['server', 'database', 'username'] loop
    continue when not (conn ? k and k = any (allowed));
    problem := cdb_connectors.text_param_problem(format('The %s connection parameter', k), conn -> k, max_name_chars, false);
    if problem is null then normalized := normalized || jsonb_build_object(k, conn -> k);
    else problems := problems || problem;
    end if;
  end loop;

  if conn ? 'port' then
    if jsonb_typeof(conn -> 'port') = 'number'
       and (conn ->> 'port')::numeric = trunc((conn ->> 'port')::numeric)
       and (conn ->> 'port')::numeric between 1 and 65535 then
      normalized := normalized || jsonb_build_object('port', (conn ->> 'port')::numeric::integer);
    else
      problems := problems || 'The port connection parameter must be an integer between 1 and 65535'::text;
    end if;
  elsif cat.default_port is not null then
    normalized := normalized || jsonb_build_object('port', cat.default_port);
  end if;

  if conn ? 'password' then
    -- any string, even empty: a password is never inspected, only passed on
    if jsonb_typeof(conn -> 'password') = 'string' then normalized := normalized || jsonb_build_object('password', conn -> 'password');
    else problems := problems || 'The password connection parameter must be a string'::text;
    end if;
  end if;

  if 'sslmode' = any (allowed) and conn ? 'sslmode' then
    if jsonb_typeof(conn -> 'sslmode') = 'string' and lower(conn ->> 'sslmode') = any (sslmodes) then
      normalized := normalized || jsonb_build_object('sslmode', lower(conn ->> 'sslmode'));
    else
      problems := problems || ('The sslmode connection parameter must be one of ' || array_to_string(sslmodes, ', '));
    end if;
  elsif cat.fills_sslmode then
    normalized := normalized || jsonb_build_object('sslmode', cat.default_sslmode);
  end if;

  -- sqlserver TLS (tedious): encrypt true | false | "strict" (TDS 8.0); trust_server_certificate boolean
  if 'encrypt' = any (allowed) and conn ? 'encrypt' then
    if jsonb_typeof(conn -> 'encrypt') = 'boolean' or (jsonb_typeof(conn -> 'encrypt') = 'string' and lower(conn ->> 'encrypt') = 'strict') then
      normalized := normalized || jsonb_build_object('encrypt', case when jsonb_typeof(conn -> 'encrypt') = 'string' then to_jsonb('strict'::text) else conn -> 'encrypt' end);
    else
      problems := problems || 'The encrypt connection parameter must be true, false or "strict"'::text;
    end if;
  end if;
  if 'trust_server_certificate' = any (allowed) and conn ? 'trust_server_certificate' then
    if jsonb_typeof(conn -> 'trust_server_certificate') = 'boolean' then
      normalized := normalized || jsonb_build_object('trust_server_certificate', conn -> 'trust_server_certificate');
    else
      problems := problems || 'The trust_server_certificate connection parameter must be true or false'::text;
    end if;
  end if;
end
$$;

comment on function cdb_connectors.normalize_connection(jsonb, text) is 'Internal: validates and normalises the connection object of connector parameters.';
