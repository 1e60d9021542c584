-- cdb_connectors.text_param_problem(label, value, max_chars, allow_control) → text: why a
-- string parameter is unacceptable, or NULL when it is fine. Used by normalize_params() so that
-- every string key gets the same wording: "<label> must be a string", "… must not be empty",
-- "… is longer than N characters", "… contains control characters".
-- Parameters:
--   label         — how the message names the key, e.g. 'The table parameter'
--   value         — the JSON value as given (not NULL, not JSON null: callers treat those as absent)
--   max_chars     — longest accepted value in characters, NULL = no limit (never truncated)
--   allow_control — false rejects U+0001–U+001F and U+007F (names, hosts); jsonb cannot hold U+0000
-- Locks: none.
create or replace function cdb_connectors.text_param_problem(label text, value jsonb, max_chars integer, allow_control boolean)
returns text
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select case
    when jsonb_typeof(value) <> 'string' then label || ' must be a string'
    when value #>> '{}' = '' then label || ' must not be empty'
    when max_chars is not null and char_length(value #>> '{}') > max_chars
      then format('%s is longer than %s characters', label, max_chars)
    when not allow_control and (value #>> '{}') ~ '[\x01-\x1f\x7f]'
      then label || ' contains control characters'
  end
$$;

comment on function cdb_connectors.text_param_problem(text, jsonb, integer, boolean) is 'Internal: the validation message for a string parameter, or NULL when it is acceptable.';
