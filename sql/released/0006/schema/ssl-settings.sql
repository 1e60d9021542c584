-- The ssl_ca_file setting (SPEC §2 extension): the CA certificates that sslmode verify-ca and
-- verify-full check PostgreSQL servers against (postgres provider), and that SQL Server
-- connections with trust_server_certificate false add to the system CAs. A path on the hosts the
-- sidecars run on. Applied after sql/api/settings-check.sql, which holds its rule; ON CONFLICT
-- keeps a DBA's value on re-apply.
-- Parameters: none. Locks: row locks on settings.
insert into cdb_connectors.settings (name, value, description) values
  ('ssl_ca_file', 'null', 'PEM file of CA certificates (a path on the sidecars'' hosts) for sslmode verify-ca / verify-full and SQL Server certificate checks; null = system CAs only.')
on conflict (name) do nothing;
