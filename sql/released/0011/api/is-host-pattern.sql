-- cdb_connectors.is_host_pattern(item jsonb) → boolean: whether one allowed_hosts entry is a
-- JSON string holding a host name (RFC 1123 labels), an IP address or a CIDR range, each with an
-- optional port: 'db.example.com:3306', '127.0.0.1:33306', '10.0.0.0/8:5432', '[::1]:5432'
-- (an IPv6 address takes a port only in brackets; a bare '::1' is the address alone). Addresses
-- and ranges are checked by PostgreSQL's own cidr parser, so '10.0.0.1/8' (host bits set) is
-- refused as cidr refuses it. The sidecar parses entries the same way (sidecar/allowed-hosts.ts).
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
  host text;
  port text;
  parts text[];
  bracketed boolean := false;
begin
  if jsonb_typeof(item) <> 'string' then
    return false;
  end if;
  text_value := item #>> '{}';
  parts := regexp_match(text_value, '^\[([^]]+)\](?::([0-9]{1,5}))?$');
  if parts is not null then
    host := parts[1]; port := parts[2]; bracketed := true;
  else
    parts := regexp_match(text_value, '^([^:]+):([0-9]{1,5})$');
    if parts is not null then host := parts[1]; port := parts[2];
    else host := text_value;
    end if;
  end if;
  if port is not null and port::integer not between 1 and 65535 then
    return false;
  end if;
  if not bracketed and lower(host) ~ hostname_pattern and host !~ '^[0-9.]+$' then
    return true;
  end if;
  begin
    -- an address or range; in brackets only IPv6
    return family(host::cidr) = 6 or not bracketed;
  exception when invalid_text_representation or invalid_parameter_value or invalid_binary_representation then
    return false;
  end;
end
$$;

comment on function cdb_connectors.is_host_pattern(jsonb) is 'Internal: whether an allowed_hosts entry is a host name, IP address or CIDR range, with an optional :port.';
