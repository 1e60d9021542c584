// Types of apply-sql.js for the TypeScript tests that read the released SQL.
export const SQL_DIR: string;
export const RELEASED_DIR: string;
export function releaseOf(migrationUrl: string): string;
export function applyReleasedSql(pgm: { sql(text: string): void }, migrationUrl: string, files: readonly string[]): void;
