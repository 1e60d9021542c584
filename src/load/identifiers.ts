/**
 * Local identifiers (SPEC §4): lower-case, `[a-z0-9_]` only, no leading digit, reserved words and
 * system column names suffixed with `_`, at most 63 bytes, collisions numbered `_1`, `_2`, …
 * Deterministic: the same remote names always give the same local names, so a sync refresh maps
 * columns the same way every run. Used for both column and table names.
 */
import type { ColumnPlan } from '../rows/plan.js';
import type { LocalColumn } from './ddl.js';

/** PostgreSQL 15 reserved key words (pg_get_keywords() catcode 'R'); they need quoting in SQL. */
const RESERVED_WORDS = new Set((
  'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create '
  + 'current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc '
  + 'distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral '
  + 'leading limit localtime localtimestamp not null offset on only or order placing primary references returning '
  + 'select session_user some symmetric table then to trailing true union unique user using variadic when where window with'
).split(' '));

/** System columns every PostgreSQL table has; a user column cannot take these names. */
const SYSTEM_COLUMNS = new Set(['oid', 'tableoid', 'xmin', 'cmin', 'xmax', 'cmax', 'ctid']);

/** PostgreSQL's NAMEDATALEN - 1: longer names are silently truncated by the server, so we cut first. */
export const MAX_IDENTIFIER_BYTES = 63;

/** Name used when a remote name has no usable character at all (e.g. an empty alias). */
const EMPTY_NAME = 'unnamed_column';

export function toLocalIdentifier(remoteName: string, maxBytes = MAX_IDENTIFIER_BYTES): string {
  let name = remoteName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (name === '') name = EMPTY_NAME;
  if (/^[0-9]/.test(name)) name = `_${name}`;
  name = name.slice(0, maxBytes); // ASCII only by now: characters are bytes
  if (RESERVED_WORDS.has(name) || SYSTEM_COLUMNS.has(name)) name = `${name.slice(0, maxBytes - 1)}_`;
  return name;
}

/** Appends `_n`, cutting the base so the result still fits in maxBytes. */
export function withSuffix(base: string, n: number, maxBytes = MAX_IDENTIFIER_BYTES): string {
  const suffix = `_${n}`;
  return base.slice(0, maxBytes - suffix.length) + suffix;
}

/**
 * Local names for a list of remote column names, in order. A name already taken (by an earlier
 * column or by `reserved`) gets the first free `_1`, `_2`, … suffix.
 */
export function uniqueLocalIdentifiers(remoteNames: readonly string[], reserved: Iterable<string> = [], maxBytes = MAX_IDENTIFIER_BYTES): string[] {
  const taken = new Set<string>(reserved);
  return remoteNames.map((remote) => {
    const base = toLocalIdentifier(remote, maxBytes);
    let name = base;
    for (let n = 1; taken.has(name); n++) name = withSuffix(base, n, maxBytes);
    taken.add(name);
    return name;
  });
}

/**
 * The plain local columns of a described source: each planned column under its local name, with
 * the type its cast rule chose. What an import creates without CARTO columns (cartodbfy.ts
 * renames around those), and what preview and explain show.
 */
export function localColumnsOf(columns: readonly ColumnPlan[], maxBytes = MAX_IDENTIFIER_BYTES): LocalColumn[] {
  const names = uniqueLocalIdentifiers(columns.map((c) => c.remoteName), [], maxBytes);
  return columns.map((c, i) => ({ name: names[i]!, type: c.localType }));
}
