/**
 * Starts one throwaway PostgreSQL (the target; PostGIS when installed) and one MariaDB for the
 * whole run, migrates a template database, and hands their addresses to the test files
 * (`inject('servers')`). A server that fails to start stops the run at once with what to install.
 */
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { LOCAL_SOURCES } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { queryOnce } from './helpers/one-shot-sql.js';
import { startMariaDb, type MariaDbServer } from './servers/mariadb.js';
import { startPostgres, type PostgresServer } from './servers/postgres.js';

export const TEMPLATE_DB = 'cdb_template';
/** The same, plus `create extension postgis` (only when the cluster has PostGIS). */
export const TEMPLATE_POSTGIS_DB = 'cdb_template_postgis';

export interface ServersInfo {
  pg: { host: string; port: number; url: string; hasPostgis: boolean; binDir: string; templateDb: string; templatePostgisDb?: string; logFile: string };
  mariadb: { host: string; port: number; rootUser: string; socket: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    servers: ServersInfo;
  }
}

let target: PostgresServer | undefined;
let mariadb: MariaDbServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  [target, mariadb] = await Promise.all([startPostgres(), startMariaDb()]);
  await queryOnce(target.url, `create database ${TEMPLATE_DB}`);
  await migrate({ databaseUrl: target.urlFor(TEMPLATE_DB) });
  // Every test source runs on this machine; the network policy refuses loopback by default.
  await queryOnce(target.urlFor(TEMPLATE_DB), `update cdb_connectors.settings set value = '${JSON.stringify(LOCAL_SOURCES)}' where name = 'allowed_hosts'`);
  if (target.hasPostgis) {
    await queryOnce(target.url, `create database ${TEMPLATE_POSTGIS_DB} template ${TEMPLATE_DB}`);
    await queryOnce(target.urlFor(TEMPLATE_POSTGIS_DB), 'create extension postgis');
  }
  project.provide('servers', {
    pg: { host: target.host, port: target.port, url: target.url, hasPostgis: target.hasPostgis, binDir: target.binDir, templateDb: TEMPLATE_DB, templatePostgisDb: target.hasPostgis ? TEMPLATE_POSTGIS_DB : undefined, logFile: path.join(target.dataDir, 'server.log') },
    mariadb: { host: mariadb.host, port: mariadb.port, rootUser: mariadb.rootUser, socket: mariadb.socket },
  });
}

export async function teardown(): Promise<void> {
  await Promise.all([target?.stop(), mariadb?.stop()]);
}
