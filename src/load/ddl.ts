/**
 * SQL text for the target: every identifier through escapeIdentifier, and column types checked
 * against a whitelist shape so that a provider bug can never turn a remote type name into SQL.
 */
import pg from 'pg';

export interface LocalColumn {
  name: string;
  /** A PostgreSQL type expression from a provider's cast rules, e.g. `numeric(12,2)`. */
  type: string;
}

/** `name`, `name(args)`, `name with time zone`, arrays; args are numbers or simple words (PostGIS `geometry(Point,4326)`). */
const TYPE_SHAPE = /^[a-z_][a-z0-9_ ]*(\([a-z0-9_, ]+\))?( with(out)? time zone)?(\[\])*$/i;

export function assertSafeType(type: string): string {
  if (!TYPE_SHAPE.test(type)) throw new Error(`refusing unexpected column type expression: ${JSON.stringify(type)}`);
  return type;
}

export const qi = (name: string): string => pg.escapeIdentifier(name);

export function qualified(schema: string, table: string): string {
  return `${qi(schema)}.${qi(table)}`;
}

export function createTableSql(schema: string, table: string, columns: readonly LocalColumn[]): string {
  const defs = columns.map((c) => `${qi(c.name)} ${assertSafeType(c.type)}`).join(', ');
  return `create table ${qualified(schema, table)} (${defs})`;
}

export function copyFromSql(schema: string, table: string, columns: readonly LocalColumn[], opts: { freeze: boolean; format?: 'text' | 'binary' }): string {
  const names = columns.map((c) => qi(c.name)).join(', ');
  return `copy ${qualified(schema, table)} (${names}) from stdin with (format ${opts.format ?? 'text'}${opts.freeze ? ', freeze' : ''})`;
}
