// Data contracts, the request side (issue 19, SPEC §14): the connector keys on_schema_change,
// on_error, max_rejects, max_reject_ratio and casts are validated and normalised:
//   - cast_rule_problem(rule, label, allow_provider), one rule's check, shared with the setting
//     cast_rules (settings-check.sql);
//   - normalize_connector admits and checks the new keys (casts stored with lower-case keys);
//   - jobs_before_insert refuses on_schema_change on a one-off import (it applies to syncs).
// All CREATE OR REPLACE: a no-op where a database already has them. Immutable once released: a
// change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'api/cast-rule-problem.sql',
  'api/normalize-connector.sql',
  'api/jobs-insert-trigger.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
