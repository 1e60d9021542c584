import { createRequire } from 'node:module';

/** The package version, shown in cdb_connectors.workers and `connector-bridge --version`. */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
