// Types of release-sql.js for the TypeScript tests that read the manifest.
export const MANIFEST: string;
export function sha256(buffer: Uint8Array | string): string;
export function readManifest(): Map<string, string>;
export function releaseMigration(migrationPath: string, options?: { unreleased?: boolean }): Promise<void>;
