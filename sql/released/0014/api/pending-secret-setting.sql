-- cdb_connectors.pending_secret_setting(job_id uuid) → text: name of the transaction-local
-- setting that carries a job's password from jobs_before_insert to jobs_after_insert. The BEFORE
-- trigger must strip the password from the row, but cannot store it yet: job_secrets references
-- jobs (the row does not exist until the BEFORE trigger returns) and its RLS policy checks the
-- job's owner. A transaction-local setting is visible only to this session, vanishes at
-- commit/rollback (and with a rolled-back savepoint), and the AFTER trigger blanks it at once.
-- The same hand-over serves requests and syncs; stash_pending_secret and take_pending_secret are
-- its two halves.
-- Parameters: job_id. Locks: none.
create or replace function cdb_connectors.pending_secret_setting(job_id uuid)
returns text
language sql immutable strict parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select 'cdb_connectors.pending_secret_' || replace(job_id::text, '-', '')
$$;

comment on function cdb_connectors.pending_secret_setting(uuid) is 'Internal: name of the transaction-local setting carrying a new job''s password between its insert triggers.';
