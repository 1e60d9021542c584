-- Set-returning forms of the JSON answers (issue 22 §10): one row per column, sample row, remote
-- table or warning, for people reading answers in psql instead of one long line of JSON. Each
-- takes the answer as the procedure returned it, so in psql:
--   CALL cdb_connector_preview('{"connector": {…}}', 5) \gset
--   SELECT * FROM cdb_connector_columns(:'result');
--   SELECT * FROM cdb_connector_sample(:'result');
-- and from any client: SELECT * FROM cdb_connector_tables(cdb_connector_request_result(id)).
--   cdb_connector_columns(answer)  preview and explain answers → column_number, name, local_name,
--                                  remote_type, local_type, rule, skipped, reason (a preview
--                                  says no rule or reason: NULL; its "skipped" local_type
--                                  becomes skipped = true, local_type NULL)
--   cdb_connector_sample(answer)   a preview's rows → row_number and the row as a json object
--                                  keyed by local column name, in column order (json, not
--                                  jsonb, keeps the order; values are text as the preview gives them)
--   cdb_connector_tables(answer)   a list_tables answer → schema, name, kind
--   cdb_connector_warnings(answer) any answer or import status with "warnings" → code, message,
--                                  and the rest of the warning (columns, counts…) as jsonb
-- An answer without the part asked for gives no rows (never an error): the functions only read
-- their argument. Immutable, no privileges needed beyond EXECUTE (granted to cdb_connector_user).
-- Parameters: answer — the jsonb a procedure or cdb_connector_request_result returned. Locks: none.
create or replace function :api_schema.cdb_connector_columns(answer jsonb)
returns table (column_number integer, name text, local_name text, remote_type text, local_type text, rule text, skipped boolean, reason text)
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select c.n::integer, c.col ->> 'name', c.col ->> 'local_name', c.col ->> 'remote_type',
         nullif(c.col ->> 'local_type', 'skipped'), c.col ->> 'rule',
         coalesce((c.col ->> 'skipped')::boolean, c.col ->> 'local_type' = 'skipped', false), c.col ->> 'reason'
  from jsonb_array_elements(case when jsonb_typeof(answer -> 'columns') = 'array' then answer -> 'columns' else '[]' end)
       with ordinality as c(col, n)
  order by c.n
$$;

create or replace function :api_schema.cdb_connector_sample(answer jsonb)
returns table (row_number integer, "row" json)
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
as $$
  with names as (
    -- the importable columns, in the order a preview's rows hold their values
    select array_agg(coalesce(c.col ->> 'local_name', c.col ->> 'name') order by c.n) as keys
    from jsonb_array_elements(case when jsonb_typeof(answer -> 'columns') = 'array' then answer -> 'columns' else '[]' end)
         with ordinality as c(col, n)
    where coalesce(c.col ->> 'local_type', '') <> 'skipped' and not coalesce((c.col ->> 'skipped')::boolean, false)
  )
  select r.n::integer,
         json_object(names.keys[1:jsonb_array_length(r.vals)], array(select v #>> '{}' from jsonb_array_elements(r.vals) with ordinality as e(v, i) order by e.i))
  from names,
       jsonb_array_elements(case when jsonb_typeof(answer -> 'rows') = 'array' then answer -> 'rows' else '[]' end) with ordinality as r(vals, n)
  where jsonb_typeof(r.vals) = 'array' and jsonb_array_length(r.vals) <= coalesce(cardinality(names.keys), 0)
  order by r.n
$$;

create or replace function :api_schema.cdb_connector_tables(answer jsonb)
returns table (schema text, name text, kind text)
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select t.tab ->> 'schema', t.tab ->> 'name', t.tab ->> 'kind'
  from jsonb_array_elements(case when jsonb_typeof(answer -> 'tables') = 'array' then answer -> 'tables' else '[]' end)
       with ordinality as t(tab, n)
  order by t.n
$$;

create or replace function :api_schema.cdb_connector_warnings(answer jsonb)
returns table (code text, message text, detail jsonb)
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select w.warning ->> 'code', w.warning ->> 'message', nullif(w.warning - 'code' - 'message', '{}')
  from jsonb_array_elements(case when jsonb_typeof(answer -> 'warnings') = 'array' then answer -> 'warnings' else '[]' end)
       with ordinality as w(warning, n)
  where jsonb_typeof(w.warning) = 'object'
  order by w.n
$$;

comment on function :api_schema.cdb_connector_columns(jsonb) is
'One row per column of a cdb_connector_preview or cdb_connector_explain answer: CALL cdb_connector_explain(''{…}'') \gset then SELECT * FROM cdb_connector_columns(:''result'').';
comment on function :api_schema.cdb_connector_sample(jsonb) is
'One row per sample row of a cdb_connector_preview answer, as a json object keyed by local column name in column order.';
comment on function :api_schema.cdb_connector_tables(jsonb) is
'One row per remote table of a cdb_connector_list_tables answer: schema, name, kind.';
comment on function :api_schema.cdb_connector_warnings(jsonb) is
'One row per warning of an answer or import status (cdb_connector_wait, cdb_connector_import_status): code, message, the rest as jsonb.';

revoke execute on function :api_schema.cdb_connector_columns(jsonb) from public;
revoke execute on function :api_schema.cdb_connector_sample(jsonb) from public;
revoke execute on function :api_schema.cdb_connector_tables(jsonb) from public;
revoke execute on function :api_schema.cdb_connector_warnings(jsonb) from public;
grant execute on function :api_schema.cdb_connector_columns(jsonb) to cdb_connector_user;
grant execute on function :api_schema.cdb_connector_sample(jsonb) to cdb_connector_user;
grant execute on function :api_schema.cdb_connector_tables(jsonb) to cdb_connector_user;
grant execute on function :api_schema.cdb_connector_warnings(jsonb) to cdb_connector_user;
