// Log-based change capture (issue 23, SPEC §16): "mode": "cdc" (with "continuous" and
// "publication") accepted by normalize_connector for postgres and mysql tables; syncs.cdc_lag_bytes
// / cdc_lag_at, the table cdc_releases and the setting cdc_max_lag_bytes (and its rule); the
// BEFORE DELETE trigger that queues the release of an unsynced cdc sync's slot; sync_state gains
// position / lag_bytes / lag_seconds and synchronizations gains cdc_warning (columns added at the
// end: CREATE OR REPLACE VIEW). Re-applicable. Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'api/settings-check.sql',
  'schema/change-capture.sql',
  'api/normalize-connector.sql',
  'api/sync-delete-cdc-trigger.sql',
  'views/sync-state.sql',
  'views/synchronizations.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
