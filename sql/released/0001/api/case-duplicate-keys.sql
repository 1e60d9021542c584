-- cdb_connectors.case_duplicate_keys(obj jsonb) → text[]: the keys of obj that differ only in
-- case from another key ({"Table": …, "table": …} → {Table,table}), sorted bytewise. jsonb
-- itself keeps only the last of two byte-identical keys, so those cannot be detected here.
-- Parameters: obj — a JSON object. Locks: none.
create or replace function cdb_connectors.case_duplicate_keys(obj jsonb)
returns text[]
language sql immutable strict parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(array_agg(k.key order by k.key collate "C"), '{}'::text[])
  from jsonb_object_keys(obj) as k(key)
  where lower(k.key) in (
    select lower(d.key) from jsonb_object_keys(obj) as d(key) group by lower(d.key) having count(*) > 1
  )
$$;

comment on function cdb_connectors.case_duplicate_keys(jsonb) is 'Internal: keys of a JSON object that differ from another key only in case.';
