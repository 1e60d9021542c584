-- cdb_connectors.lower_keys(obj jsonb) → jsonb: the object with every key lower-cased, because
-- parameter keys are case-insensitive (SPEC §2), and without members whose value is JSON null:
-- null means "not given" (clients often serialise an unset field as null). Keys that collide
-- after lower-casing are reported by case_duplicate_keys() first; here the last one wins.
-- Parameters: obj — a JSON object (not checked). Locks: none.
create or replace function cdb_connectors.lower_keys(obj jsonb)
returns jsonb
language sql immutable strict parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(jsonb_object_agg(lower(e.key), e.value), '{}'::jsonb)
  from jsonb_each(obj) as e
  where jsonb_typeof(e.value) <> 'null'
$$;

comment on function cdb_connectors.lower_keys(jsonb) is 'Internal: the JSON object with lower-cased keys and without null members (parameter keys are case-insensitive; null = absent).';
