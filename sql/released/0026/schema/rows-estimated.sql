-- jobs.rows_estimated (issue 22 §7): how many rows the job is expected to read, from the remote's
-- statistics (MySQL information_schema.TABLES.TABLE_ROWS, PostgreSQL pg_class.reltuples, SQL
-- Server sys.partitions), capped at the max_rows the job reads at most. Written once by the
-- sidecar after it described the source; NULL while unknown (before that, for a view, a remote
-- that keeps no statistics, an incremental run that reads only new rows). Progress only: an
-- estimate, never a count.
-- Re-applicable: IF NOT EXISTS.
-- Parameters: none. Locks: AccessExclusive on jobs while the column is added (migration only).
alter table cdb_connectors.jobs
  add column if not exists rows_estimated bigint;
