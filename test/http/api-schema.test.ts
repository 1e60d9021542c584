/**
 * `migrate --api-schema` puts the cdb_connector_* functions elsewhere (SPEC §1); the HTTP API
 * calls them there, schema-qualified, whatever the key role's search_path is.
 */
import crypto from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { adminQuery, queryOnce } from '../helpers/one-shot-sql.js';
import { api } from './helpers.js';

const API_SCHEMA = 'Connector API';
const name = `a_${crypto.randomBytes(6).toString('hex')}`;
const role = `apiuser_${crypto.randomBytes(4).toString('hex')}`;
let url: string;
let http: HttpServer;

beforeAll(async () => {
  const { host, port } = inject('servers').pg;
  url = `postgres://postgres@${host}:${port}/${name}`;
  await adminQuery(`create database ${name}`);
  await migrate({ databaseUrl: url, apiSchema: API_SCHEMA });
  await adminQuery(`create role ${role} in role cdb_connector_user`);
  http = await startHttpServer({ port: 0, host: '127.0.0.1', databaseUrl: url, apiSchema: API_SCHEMA, log: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await http?.close();
  await adminQuery(`drop database if exists ${name} with (force)`);
  await adminQuery(`drop role if exists ${role}`);
  process.env.CDB_CONNECTOR_API_SCHEMA = 'public';
});

describe('HTTP API with --api-schema', () => {
  it('calls the functions in that schema', async () => {
    const rows = await queryOnce(url, `select "${API_SCHEMA}".cdb_connector_create_api_key('${role}') as k`);
    const res = await api(`http://127.0.0.1:${http.port}`, '/api/v1/connectors/mysql', { key: rows[0].k });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ name: 'MySQL', default_port: 3306 });
    const missing = await api(`http://127.0.0.1:${http.port}`, `/api/v1/imports/${crypto.randomUUID()}`, { key: rows[0].k });
    expect(missing.status).toBe(404);
  });
});
