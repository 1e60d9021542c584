/**
 * SQL text for the target: every identifier through escapeIdentifier, and column types checked
 * against a whitelist shape so that a provider bug can never turn a remote type name into SQL.
 */
import { quoteIdent as qi } from '../db/sql.js';

export interface LocalColumn {
  name: string;
  /** A PostgreSQL type expression from a provider's cast rules, e.g. `numeric(12,2)`. */
  type: string;
}

/**
 * `name`, `schema.name`, `"schema".name`, `name(args)`, `name with time zone`, arrays; args are
 * numbers or simple words (PostGIS `geometry(Point,4326)`). The schema prefix is how
 * format_type() spells a type off the pinned search_path (`public.geometry(Point,4326)`).
 */
const TYPE_SHAPE = /^((?:"(?:[^"]|"")+"|[a-z_][a-z0-9_]*)\.)?[a-z_][a-z0-9_ ]*(\([a-z0-9_, ]+\))?( with(out)? time zone)?(\[\])*$/i;

/** Types the target has only through PostGIS; providers name them unqualified. */
const POSTGIS_TYPE = /^(geometry|geography)\b/i;

export function assertSafeType(type: string): string {
  if (!TYPE_SHAPE.test(type)) throw new Error(`refusing unexpected column type expression: ${JSON.stringify(type)}`);
  return type;
}

/**
 * A user cast's `to` (SPEC §14) as it reaches CREATE TABLE: the safe shape above, and besides
 * no quoted name and no schema but pg_catalog. Every load session runs with search_path =
 * pg_catalog, pg_temp, so an unqualified name is pg_catalog's whenever pg_catalog has it: a type
 * of the user's own schema (or one shadowing a built-in through "$user") can never be reached,
 * and nothing the user defines runs in the load's type input. PostGIS's types are qualified
 * later with PostGIS's schema (targetType).
 */
const QUALIFIED_TYPE = /^((?:"(?:[^"]|"")+"|[a-z_][a-z0-9_]*)\.)/i;

export function assertSafeUserType(type: string): string {
  assertSafeType(type);
  const schema = QUALIFIED_TYPE.exec(type)?.[1];
  if (type.includes('"') || (schema !== undefined && schema.toLowerCase() !== 'pg_catalog.')) {
    throw new Error(`refusing a user cast type outside pg_catalog: ${JSON.stringify(type)}`);
  }
  return type;
}

/** The target's identifier quoting (db/sql.ts is its one home); `qi` reads better inside DDL templates. */
export { quoteIdent as qi } from '../db/sql.js';

export function qualified(schema: string, table: string): string {
  return `${qi(schema)}.${qi(table)}`;
}

/**
 * The column type as the target must read it: PostGIS types qualified with the schema PostGIS
 * lives in. Sessions run with search_path = pg_catalog, pg_temp, so an unqualified `geometry`
 * could otherwise only resolve through a schema a user can create a look-alike domain in.
 */
export function targetType(type: string, postgisSchema: string | undefined): string {
  assertSafeType(type);
  return postgisSchema !== undefined && POSTGIS_TYPE.test(type) ? `${qi(postgisSchema)}.${type}` : type;
}

export function createTableSql(schema: string, table: string, columns: readonly LocalColumn[], postgisSchema?: string): string {
  const defs = columns.map((c) => `${qi(c.name)} ${targetType(c.type, postgisSchema)}`).join(', ');
  return `create table ${qualified(schema, table)} (${defs})`;
}

export function copyFromSql(schema: string, table: string, columns: readonly LocalColumn[], opts: { freeze: boolean; format?: 'text' | 'binary' }): string {
  const names = columns.map((c) => qi(c.name)).join(', ');
  return `copy ${qualified(schema, table)} (${names}) from stdin with (format ${opts.format ?? 'text'}${opts.freeze ? ', freeze' : ''})`;
}
