-- cdb_connectors.cast_rule_problem(rule, label, allow_provider) → text: why one cast rule (SPEC
-- §14, "Cast rules as data": an element of the connector key "casts" or of the setting
-- "cast_rules") is unacceptable, or NULL when it is fine. Keys are case-insensitive (as in the
-- connector object); the caller stores cdb_connectors.lower_keys(rule).
--   {"type": "tinyint(1)", "to": "boolean"}             a remote type as the provider spells it
--   {"column": "price", "to": "numeric(12,2)"}           a remote column, by its exact name
--   {"type": "datetime", "to": "timestamptz", "time_zone": "Europe/Madrid"}
--   optional "lossy": true (a rule that may change values silently; the sidecar decides which
--   are, because only the remote knows a column's type) and, in the setting only, "provider".
-- "to" ends up in CREATE TABLE, so it must read as a type name (words, one modifier list of
-- numbers or a PostGIS subtype and SRID, an optional []) AND resolve, with search_path =
-- pg_catalog, to a type of pg_catalog that is not a pseudo-type; geometry and geography name
-- PostGIS's types, which the sidecar qualifies with PostGIS's schema. A type of the user's own
-- schemas can never be named: nothing the user defines runs inside the load's type input.
-- Parameters:
--   rule           — the JSON value as given
--   label          — how the message names it, e.g. 'casts[2]' (1-based)
--   allow_provider — true for the setting cast_rules, whose rules may name their provider
-- Locks: none.
create or replace function cdb_connectors.cast_rule_problem(rule jsonb, label text, allow_provider boolean)
returns text
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  r jsonb;
  allowed text[] := array['type', 'column', 'to', 'time_zone', 'lossy'];
  unknown text[];
  problem text;
  to_type text;
  resolved regtype;
  type_grammar constant text :=
    '^[a-z_][a-z0-9_]*( [a-z_][a-z0-9_]*)*( ?\( *[a-z0-9_]+( *, *-?[0-9]+)? *\))?( [a-z_][a-z0-9_]*)*( ?\[\])?$';
  max_name_chars constant integer := 1024;
  max_type_chars constant integer := 200;
begin
  if jsonb_typeof(rule) <> 'object' then
    return format('%s must be an object such as {"type": "tinyint(1)", "to": "boolean"}', label);
  end if;
  r := cdb_connectors.lower_keys(rule);
  if allow_provider then allowed := allowed || 'provider'::text; end if;
  unknown := array(select k from jsonb_object_keys(r) as k where k <> all (allowed) order by k);
  if unknown <> '{}' then
    return format('%s has unknown keys: %s (a rule takes %s)', label, array_to_string(unknown, ', '), array_to_string(allowed, ', '));
  end if;
  if (r ? 'type') = (r ? 'column') then
    return format('%s needs exactly one of "type" (a remote type such as "tinyint(1)") and "column" (a remote column name)', label);
  end if;
  problem := cdb_connectors.text_param_problem(format('The "%s" of %s', case when r ? 'type' then 'type' else 'column' end, label),
    coalesce(r -> 'type', r -> 'column'), max_name_chars, false);
  if problem is not null then return problem; end if;

  if not r ? 'to' then
    return format('%s needs "to": the PostgreSQL type of the local column', label);
  end if;
  problem := cdb_connectors.text_param_problem(format('The "to" of %s', label), r -> 'to', max_type_chars, false);
  if problem is not null then return problem; end if;
  to_type := lower(btrim(r ->> 'to'));
  if to_type !~ type_grammar then
    return format('The "to" of %s, %s, is not a PostgreSQL type name (such as boolean, numeric(12,2), timestamp(3) with time zone, text[])', label, r -> 'to');
  end if;
  if split_part(split_part(to_type, '(', 1), ' ', 1) not in ('geometry', 'geography') then
    begin
      resolved := to_regtype(to_type);
    exception when others then
      resolved := null;
    end;
    if resolved is null or not exists (select from pg_type t where t.oid = resolved
        and t.typnamespace = 'pg_catalog'::regnamespace and t.typtype <> 'p' and t.typisdefined) then
      return format('The "to" of %s, %s, is not a built-in PostgreSQL type (types of other schemas cannot be named; geometry and geography are PostGIS''s)', label, r -> 'to');
    end if;
  end if;

  if r ? 'time_zone' then
    problem := cdb_connectors.text_param_problem(format('The "time_zone" of %s', label), r -> 'time_zone', 64, false);
    if problem is not null then return problem; end if;
    if resolved is distinct from 'timestamptz'::regtype then
      return format('The "time_zone" of %s needs "to": "timestamptz": it says in which zone the remote''s wall-clock values are', label);
    end if;
    begin
      perform now() at time zone (r ->> 'time_zone');
    exception when others then
      return format('The "time_zone" of %s, %s, is not a time zone PostgreSQL knows (see pg_timezone_names, e.g. "Europe/Madrid", "UTC")', label, r -> 'time_zone');
    end;
  end if;
  if r ? 'lossy' and jsonb_typeof(r -> 'lossy') <> 'boolean' then
    return format('The "lossy" of %s must be true or false', label);
  end if;
  if r ? 'provider' and (jsonb_typeof(r -> 'provider') <> 'string'
      or not exists (select from cdb_connectors.provider_catalog() as p where p.provider = lower(r ->> 'provider'))) then
    return format('The "provider" of %s must be one of %s', label,
      (select string_agg(p.provider, ', ' order by p.provider) from cdb_connectors.provider_catalog() as p));
  end if;
  return null;
end
$$;

comment on function cdb_connectors.cast_rule_problem(jsonb, text, boolean) is 'Internal: why a cast rule (connector key casts, setting cast_rules) is unacceptable, or NULL.';
