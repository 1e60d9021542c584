-- The request kind 'explain' (cdb_connector_explain, SPEC §14) joins check, list_tables and
-- preview in cdb_connectors.requests. requests.sql created the kind check inline (a CREATE TABLE
-- cannot be re-applied), so this replaces the constraint under its generated name; dropping and
-- adding it again is a no-op on a database that already has it.
-- Parameters: none. Locks: AccessExclusive on requests for the ALTER (short-lived rows, migration only).
alter table cdb_connectors.requests drop constraint if exists requests_kind_check;
alter table cdb_connectors.requests add constraint requests_kind_check
  check (kind in ('check', 'list_tables', 'preview', 'explain'));
