-- cdb_connectors.is_host_pattern(item jsonb) → boolean: whether one allowed_hosts entry is a
-- JSON string holding a host name (RFC 1123 labels), an IP address or a CIDR range. Addresses and
-- ranges are checked by PostgreSQL's own cidr parser, so '10.0.0.1/8' (host bits set) is refused
-- as cidr refuses it.
-- Parameters: item — one array element. Locks: none.
create or replace function cdb_connectors.is_host_pattern(item jsonb)
returns boolean
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
declare
  -- RFC 1123: labels of 1–63 letters, digits and inner hyphens; 253 characters in all
  hostname_pattern constant text := '^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$';
  text_value text;
begin
  if jsonb_typeof(item) <> 'string' then
    return false;
  end if;
  text_value := item #>> '{}';
  if lower(text_value) ~ hostname_pattern and text_value !~ '^[0-9.]+$' then
    return true;
  end if;
  begin
    perform text_value::cidr;
    return true;
  exception when invalid_text_representation or invalid_parameter_value or invalid_binary_representation then
    return false;
  end;
end
$$;

comment on function cdb_connectors.is_host_pattern(jsonb) is 'Internal: whether an allowed_hosts entry is a host name, IP address or CIDR range.';
