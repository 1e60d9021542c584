// User cast rules, the DBA side (issue 19 item 3, SPEC §14 "Cast rules as data"): the setting
// cast_rules, seeded '[]', and its rule in check_setting() (each entry checked by 0019's
// cast_rule_problem, keys stored lower-cased). A job's own "casts" are checked by
// normalize_connector (0019); the sidecar matches both in front of the built-in tables.
// CREATE OR REPLACE and INSERT … ON CONFLICT DO NOTHING: a no-op where a database already has
// them. Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = ['api/settings-check.sql', 'schema/cast-rules-setting.sql'];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
