// Notifications on cdb_connectors_jobs become wake-up hints without ids (issue 16, attack 6):
// any role that can connect may LISTEN and NOTIFY there, so the payloads ({"op": …} only) name no
// job, request or sync, and the sidecars act on a cancel only once the database says
// cancel_requested. Re-applies the three functions that send them (CREATE OR REPLACE).
// Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'api/notify-new-row.sql',
  'api/jobs-update-trigger.sql',
  'api/sync-update-trigger.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
