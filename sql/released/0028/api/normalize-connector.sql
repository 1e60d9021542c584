-- cdb_connectors.normalize_connector(raw jsonb) → (normalized, problems, invalid_keys,
-- disabled_provider): validates the `connector` object (SPEC §2) and returns it normalised:
-- lower-case keys, provider lower-cased, defaults applied (schema, connection port/sslmode),
-- absent optional keys omitted, encoding as PostgreSQL's canonical name (iso88591 → LATIN1),
-- password kept (jobs_before_insert moves it to job_secrets). The incremental keys (SPEC §13:
-- mode, primary_key as an array, cursor, lookback, deletes lower-cased) are checked for shape
-- and for the modes they need; whether "mode" needs an interval is jobs_before_insert's business.
-- The data-contract keys (SPEC §14: on_schema_change, on_error, max_rejects, max_reject_ratio,
-- casts) are checked for shape; each cast rule by cast_rule_problem(), stored with lower-case
-- keys. "connection" may name a connection of the caller's (cdb_connectors.connections, issue
-- 22 §6): stored as {"name": …}, resolved by the sidecar at each run. Unknown keys are returned apart
-- (invalid_keys) so that normalize_params() lists them with unknown top-level keys on one
-- "Invalid parameters: …" line. disabled_provider is set when the provider is valid but not in
-- the enabled_providers setting (error code 1501).
-- Parameters: raw — the `connector` JSON object as given. Locks: none (reads settings).
create or replace function cdb_connectors.normalize_connector(raw jsonb,
  out normalized jsonb, out problems text[], out invalid_keys text[], out disabled_provider text)
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  -- longest remote schema/table or local table name accepted; longer is an error, never truncated
  max_name_chars constant integer := 1024;
  -- PostgreSQL encodings src/load/encoding.ts cannot decode (iconv-lite has no codec for them)
  undecodable_encodings constant text[] := array['EUC_TW', 'EUC_JIS_2004', 'SHIFT_JIS_2004', 'JOHAB', 'MULE_INTERNAL'];
  cat record;
  c jsonb;
  allowed text[] := array['provider', 'connection', 'schema', 'table', 'sql_query', 'import_as', 'encoding',
                          'mode', 'primary_key', 'cursor', 'lookback', 'deletes', 'on_row_limit', 'if_exists',
                          'on_schema_change', 'on_error', 'max_rejects', 'max_reject_ratio', 'casts',
                          'continuous', 'publication'];
  -- user cast rules in one job (SPEC §14); the built-in tables have about 30 each
  max_cast_rules constant integer := 200;
  i integer;
  -- incremental keys (SPEC §13) and the modes they need
  incremental_keys constant text[] := array['primary_key', 'cursor', 'lookback', 'deletes'];
  mode text;
  key_names text[];
  dupes text[];
  connection record;
  named record;
  problem text;
  k text;
  encoding text;
  remote_schema jsonb;
begin
  problems := '{}'::text[];
  c := cdb_connectors.lower_keys(raw);
  dupes := cdb_connectors.case_duplicate_keys(raw);
  if dupes <> '{}' then
    problems := problems || ('Duplicate parameters (keys are case-insensitive): ' || array_to_string(dupes, ', '));
  end if;

  -- always run, so that cat is an all-NULL row (not an unassigned record) for a bad provider
  select * into cat from cdb_connectors.provider_catalog() as p
  where jsonb_typeof(c -> 'provider') = 'string' and p.provider = lower(c ->> 'provider');
  if not c ? 'provider' or c -> 'provider' = '""' then
    problems := problems || 'Provider not defined'::text;
  elsif cat.provider is null then
    problems := problems || 'Invalid provider'::text;
  else
    if not coalesce((select s.value ? cat.provider from cdb_connectors.settings s where s.name = 'enabled_providers'), false) then
      disabled_provider := cat.provider;
    end if;
    if not cat.accepts_encoding then allowed := array_remove(allowed, 'encoding'); end if;
  end if;
  invalid_keys := array(select k.key from jsonb_object_keys(raw) as k(key) where lower(k.key) <> all (allowed));

  if not c ? 'connection' then
    problems := problems || 'Missing required parameters connection'::text;
  end if;
  if not c ? 'table' and not c ? 'sql_query' then
    problems := problems || 'The table parameter is required if no sql_query parameter is provided'::text;
  elsif c ? 'sql_query' and not c ? 'table' and not c ? 'import_as' then
    problems := problems || 'The sql_query parameter needs a table or import_as parameter to name the local table'::text;
  end if;

  normalized := jsonb_build_object('provider', cat.provider);
  foreach k in array array['schema', 'table', 'import_as'] loop
    continue when not c ? k;
    problem := cdb_connectors.text_param_problem(format('The %s parameter', k), c -> k, max_name_chars, false);
    if problem is null then normalized := normalized || jsonb_build_object(k, c -> k);
    else problems := problems || problem;
    end if;
  end loop;
  if c ? 'sql_query' then
    -- the remote dialect's business: newlines and tabs are normal, length is the server's limit
    problem := cdb_connectors.text_param_problem('The sql_query parameter', c -> 'sql_query', null, true);
    if problem is null then normalized := normalized || jsonb_build_object('sql_query', c -> 'sql_query');
    else problems := problems || problem;
    end if;
  end if;
  if c ? 'encoding' and 'encoding' = any (allowed) then
    problem := cdb_connectors.text_param_problem('The encoding parameter', c -> 'encoding', null, false);
    if problem is null and pg_char_to_encoding(c ->> 'encoding') < 0 then
      problem := 'The encoding parameter is not a PostgreSQL character set name or alias (such as UTF8, LATIN1, WIN1252)';
    end if;
    if problem is null then
      encoding := pg_encoding_to_char(pg_char_to_encoding(c ->> 'encoding'));
      if encoding = any (undecodable_encodings) then
        problem := format('The encoding %s is not supported by the connector', encoding);
      end if;
    end if;
    if problem is null then normalized := normalized || jsonb_build_object('encoding', encoding);
    else problems := problems || problem;
    end if;
  end if;

  -- issue 22 §3, §4: what happens past max_rows, and when the local name is taken
  if c ? 'on_row_limit' then
    if jsonb_typeof(c -> 'on_row_limit') = 'string' and lower(c ->> 'on_row_limit') in ('truncate', 'fail') then
      normalized := normalized || jsonb_build_object('on_row_limit', lower(c ->> 'on_row_limit'));
    else
      problems := problems || 'The on_row_limit parameter must be "truncate" (import the first max_rows rows, the default) or "fail"'::text;
    end if;
  end if;
  if c ? 'if_exists' then
    if jsonb_typeof(c -> 'if_exists') = 'string' and lower(c ->> 'if_exists') in ('rename', 'fail') then
      normalized := normalized || jsonb_build_object('if_exists', lower(c ->> 'if_exists'));
    else
      problems := problems || 'The if_exists parameter must be "rename" (import as name_1, name_2…, the default) or "fail"'::text;
    end if;
  end if;

  -- SPEC §14: data contracts. Whether on_schema_change is given without an interval is
  -- jobs_before_insert's business (it applies to syncs only).
  if c ? 'on_schema_change' then
    if jsonb_typeof(c -> 'on_schema_change') = 'string' and lower(c ->> 'on_schema_change') in ('evolve', 'fail', 'pause') then
      normalized := normalized || jsonb_build_object('on_schema_change', lower(c ->> 'on_schema_change'));
    else
      problems := problems || 'The on_schema_change parameter must be "evolve" (add and widen columns, the default), "fail" or "pause"'::text;
    end if;
  end if;
  if c ? 'on_error' then
    if jsonb_typeof(c -> 'on_error') = 'string' and lower(c ->> 'on_error') in ('fail', 'reject') then
      normalized := normalized || jsonb_build_object('on_error', lower(c ->> 'on_error'));
    else
      problems := problems || 'The on_error parameter must be "fail" (a row PostgreSQL refuses fails the import, the default) or "reject" (it goes to cdb_connectors.rejects)'::text;
    end if;
  end if;
  if c ? 'max_rejects' then
    if jsonb_typeof(c -> 'max_rejects') = 'number' and (c ->> 'max_rejects')::numeric between 0 and 1000000000
       and (c ->> 'max_rejects')::numeric = trunc((c ->> 'max_rejects')::numeric) then
      normalized := normalized || jsonb_build_object('max_rejects', (c ->> 'max_rejects')::numeric::bigint);
    else
      problems := problems || 'The max_rejects parameter must be a whole number of rows from 0 to 1000000000'::text;
    end if;
  end if;
  if c ? 'max_reject_ratio' then
    if jsonb_typeof(c -> 'max_reject_ratio') = 'number' and (c ->> 'max_reject_ratio')::numeric between 0 and 1 then
      normalized := normalized || jsonb_build_object('max_reject_ratio', c -> 'max_reject_ratio');
    else
      problems := problems || 'The max_reject_ratio parameter must be a number from 0 to 1 (the share of the rows read that may be rejected)'::text;
    end if;
  end if;
  if (c ? 'max_rejects' or c ? 'max_reject_ratio') and lower(coalesce(c ->> 'on_error', '')) <> 'reject' then
    problems := problems || format('The %s parameter needs "on_error": "reject"',
      case when c ? 'max_rejects' then 'max_rejects' else 'max_reject_ratio' end);
  end if;
  if c ? 'casts' then
    if jsonb_typeof(c -> 'casts') <> 'array' or jsonb_array_length(c -> 'casts') > max_cast_rules then
      problems := problems || format('The casts parameter must be an array of at most %s rules such as {"type": "tinyint(1)", "to": "boolean"}', max_cast_rules);
    else
      problem := null;
      for i in 0 .. jsonb_array_length(c -> 'casts') - 1 loop
        problem := cdb_connectors.cast_rule_problem(c -> 'casts' -> i, format('casts[%s]', i + 1), false);
        exit when problem is not null;
      end loop;
      if problem is null then
        normalized := normalized || jsonb_build_object('casts',
          coalesce((select jsonb_agg(cdb_connectors.lower_keys(e) order by n) from jsonb_array_elements(c -> 'casts') with ordinality as a(e, n)), '[]'::jsonb));
      else
        problems := problems || problem;
      end if;
    end if;
  end if;

  -- SPEC §13: mode, primary_key, cursor, lookback, deletes. Whether the columns exist and the
  -- cursor can be ordered only the remote can tell: the first run checks that (1502).
  if c ? 'mode' then
    if jsonb_typeof(c -> 'mode') = 'string' and lower(c ->> 'mode') in ('replace', 'append', 'merge') then
      mode := lower(c ->> 'mode');
      normalized := normalized || jsonb_build_object('mode', mode);
    elsif jsonb_typeof(c -> 'mode') = 'string' and lower(c ->> 'mode') = 'cdc' then
      -- SPEC §16: the change log of PostgreSQL (logical decoding) and MySQL/MariaDB (row binlog)
      mode := 'cdc';
      normalized := normalized || jsonb_build_object('mode', mode);
      if cat.provider not in ('postgres', 'mysql') then
        problems := problems || format('The mode "cdc" (log-based change capture) is available for postgres and mysql sources, not %s: use "merge"', cat.provider);
      end if;
      if c ? 'sql_query' then
        problems := problems || 'The mode "cdc" follows a table''s change log and cannot follow a sql_query: give a table'::text;
      end if;
      if c ? 'cursor' or c ? 'lookback' then
        problems := problems || 'The mode "cdc" reads the change log and takes no cursor or lookback parameter'::text;
      end if;
    else
      problems := problems || 'The mode parameter must be "replace", "append", "merge" or "cdc"'::text;
    end if;
  end if;
  if c ? 'primary_key' then
    if jsonb_typeof(c -> 'primary_key') = 'string' then
      key_names := array[c ->> 'primary_key'];
    elsif jsonb_typeof(c -> 'primary_key') = 'array' and jsonb_array_length(c -> 'primary_key') between 1 and 32
          and not exists (select from jsonb_array_elements(c -> 'primary_key') as e where jsonb_typeof(e) <> 'string') then
      key_names := array(select e #>> '{}' from jsonb_array_elements(c -> 'primary_key') as e);
    end if;
    if key_names is null then
      problems := problems || 'The primary_key parameter must be a column name or an array of 1 to 32 column names'::text;
    elsif exists (select from unnest(key_names) as k(name) where k.name = '' or length(k.name) > max_name_chars or k.name ~ '[[:cntrl:]]') then
      problems := problems || format('The primary_key parameter must name columns (non-empty, at most %s characters, no control characters)', max_name_chars);
    elsif (select count(distinct k.name) from unnest(key_names) as k(name)) <> cardinality(key_names) then
      problems := problems || 'The primary_key parameter names a column twice'::text;
    else
      normalized := normalized || jsonb_build_object('primary_key', to_jsonb(key_names));
    end if;
  end if;
  if c ? 'cursor' then
    problem := cdb_connectors.text_param_problem('The cursor parameter', c -> 'cursor', max_name_chars, false);
    if problem is null then normalized := normalized || jsonb_build_object('cursor', c -> 'cursor');
    else problems := problems || problem;
    end if;
  end if;
  if c ? 'lookback' then
    problem := cdb_connectors.lookback_problem(c -> 'lookback');
    if problem is null then normalized := normalized || jsonb_build_object('lookback', c -> 'lookback');
    else problems := problems || problem;
    end if;
  end if;
  if c ? 'deletes' then
    if jsonb_typeof(c -> 'deletes') = 'string' and lower(c ->> 'deletes') in ('keep', 'soft', 'hard') then
      normalized := normalized || jsonb_build_object('deletes', lower(c ->> 'deletes'));
    else
      problems := problems || 'The deletes parameter must be "keep", "soft" or "hard"'::text;
    end if;
  end if;
  -- SPEC §16: "continuous" (a cdc sync that follows the log without waiting for its interval)
  -- and "publication" (a DBA-made PostgreSQL publication, when the user may not create one)
  if c ? 'continuous' then
    if jsonb_typeof(c -> 'continuous') <> 'boolean' then
      problems := problems || 'The continuous parameter must be true or false'::text;
    elsif coalesce(mode, '') <> 'cdc' then
      problems := problems || 'The continuous parameter needs "mode": "cdc"'::text;
    else
      normalized := normalized || jsonb_build_object('continuous', c -> 'continuous');
    end if;
  end if;
  if c ? 'publication' then
    problem := cdb_connectors.text_param_problem('The publication parameter', c -> 'publication', 63, false);
    if problem is not null then
      problems := problems || problem;
    elsif coalesce(mode, '') <> 'cdc' or cat.provider <> 'postgres' then
      problems := problems || 'The publication parameter needs "mode": "cdc" and a postgres source'::text;
    else
      normalized := normalized || jsonb_build_object('publication', c -> 'publication');
    end if;
  end if;
  if coalesce(mode, 'replace') = 'replace' then
    foreach k in array incremental_keys loop
      if c ? k then
        problems := problems || format('The %s parameter needs "mode": "merge"%s (a replace sync re-reads the whole table)', k,
          case when k = 'deletes' then '' else ' or "append"' end);
      end if;
    end loop;
  else
    if mode = 'append' and not c ? 'cursor' then
      problems := problems || 'The append mode needs a cursor parameter: a column whose value grows with every inserted row'::text;
    end if;
    if mode = 'append' and c ? 'deletes' then
      problems := problems || 'The deletes parameter needs "mode": "merge" (append never deletes)'::text;
    end if;
    if c ? 'lookback' and not c ? 'cursor' then
      problems := problems || 'The lookback parameter needs a cursor parameter'::text;
    end if;
    if mode = 'merge' and not c ? 'primary_key' and (c ? 'sql_query' or cat.provider = 'hive') then
      problems := problems || format('A merge of %s needs a primary_key parameter: the remote declares no key for it',
        case when c ? 'sql_query' then 'a sql_query' else 'a Hive table' end);
    end if;
  end if;

  -- {"name": …} is the stored form, which a sync's runs are enqueued with
  if jsonb_typeof(c -> 'connection') = 'object' and c -> 'connection' ?& array['name']
     and (select count(*) from jsonb_object_keys(c -> 'connection')) = 1 then
    c := jsonb_set(c, '{connection}', c -> 'connection' -> 'name');
  end if;
  if jsonb_typeof(c -> 'connection') = 'string' then
    -- a named connection (issue 22 §6): the caller's own, by name (never another role's, even
    -- for an admin who can read them all); stored by name, so every run reads the current one
    select n.provider, n.params into named
      from cdb_connectors.connections as n where n.owner = current_user and n.name = c ->> 'connection';
    if not found and c ->> 'connection' ~ '://' then
      -- a URL is no name, and it may hold a password: never echo it back into the error
      problems := problems || 'The connection parameter must be a JSON object or the name of one of your connections (cdb_connector_create_connection), not a URL'::text;
    elsif not found then
      problems := problems || format('No connection named %s: create it with cdb_connector_create_connection(name, connection), or list yours in cdb_connectors.connections', c -> 'connection');
    elsif cat.provider is not null and named.provider <> cat.provider then
      problems := problems || format('The connection %s is a %s connection, not %s', c -> 'connection', named.provider, cat.provider);
    else
      normalized := normalized || jsonb_build_object('connection', jsonb_build_object('name', c ->> 'connection'));
      if not c ? 'schema' and cat.provider is not null then
        remote_schema := coalesce(to_jsonb(cat.default_schema), named.params -> 'database');
        if remote_schema is not null then normalized := normalized || jsonb_build_object('schema', remote_schema); end if;
      end if;
    end if;
  elsif c ? 'connection' then
    select * into connection from cdb_connectors.normalize_connection(c -> 'connection', cat.provider);
    problems := problems || connection.problems;
    normalized := normalized || jsonb_build_object('connection', connection.normalized);
    if not c ? 'schema' and cat.provider is not null then
      -- MySQL (default_schema NULL): the remote schema is the database
      remote_schema := coalesce(to_jsonb(cat.default_schema), connection.normalized -> 'database');
      if remote_schema is not null then normalized := normalized || jsonb_build_object('schema', remote_schema); end if;
    end if;
  end if;
  normalized := jsonb_strip_nulls(normalized);
end
$$;

comment on function cdb_connectors.normalize_connector(jsonb) is 'Internal: validates and normalises the connector object of import parameters.';
