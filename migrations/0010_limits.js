// Limits with safe defaults (issue 16, attacks 9 and 10): min_sync_now_interval (sync_now in a
// loop is refused or coalesced, and a run cannot be set up by hand for an idle sync),
// max_queued_jobs_per_role (imports, new syncs and sync_now beyond it are refused) and a finite
// max_syncs_per_role. Re-applies the changed functions (CREATE OR REPLACE, DROP TRIGGER IF
// EXISTS): settings-check (the new rules), the jobs and syncs insert triggers, cdb_connector_sync_now.
// Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'api/settings-check.sql',
  'schema/limits.sql',
  'api/queued-jobs-limit.sql',
  'api/jobs-insert-trigger.sql',
  'api/sync-insert-trigger.sql',
  'api/sync-now-limit-trigger.sql',
  'api/sync-now.sql',
];

// max_syncs_per_role shipped as null (unlimited). A null left by a DBA cannot be told apart from
// the shipped default (the table records no history), so every null becomes 100, once, here —
// never on a re-apply of a file. A DBA who wants no limit sets null again afterwards; any number
// a DBA set is kept. The description follows the new default either way.
const MAX_SYNCS_DEFAULT = `
update cdb_connectors.settings
   set value = case when value = 'null'::jsonb then '100'::jsonb else value end,
       description = 'Sync tables per role at most; null = unlimited (not recommended: any role could create syncs without bound).'
 where name = 'max_syncs_per_role'`;

export const up = (pgm) => {
  applyReleasedSql(pgm, import.meta.url, FILES);
  pgm.sql(MAX_SYNCS_DEFAULT);
};

export const down = false;
