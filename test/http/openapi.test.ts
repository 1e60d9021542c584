/**
 * The OpenAPI document (issue 11 §1): served without a key, OpenAPI 3, and describing exactly
 * the routes the server registers (no undocumented endpoint, no documented ghost).
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/server.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { api, startHttpHarness, type HttpHarness } from './helpers.js';

let db: TargetDb;
let h: HttpHarness;

beforeAll(async () => {
  db = await createTargetDb();
  h = await startHttpHarness(db);
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

describe('GET /api/v1/openapi.json', () => {
  it('is served without a key and is an OpenAPI 3 document', async () => {
    const res = await api(h.base, '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.components.securitySchemes).toMatchObject({ apiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key' }, bearer: { scheme: 'bearer' } });
    // every $ref resolves
    const refs = [...res.text.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const name of refs) expect(res.body.components.schemas, name).toHaveProperty(name);
  });

  it('documents every registered route, and only those', async () => {
    const app = buildApp(pino({ level: 'silent' }), { runner: { run: () => Promise.reject(new Error('unused')) }, api: '"public"' });
    await app.ready();
    const served = new Set(app.apiRoutes.map((r) => r.replace(/:(\w+)/g, '{$1}')));
    const { body } = await api(h.base, '/api/v1/openapi.json');
    const documented = new Set(Object.entries(body.paths as Record<string, object>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
    expect([...served].sort()).toEqual([...documented].sort());
    expect(served.size).toBeGreaterThanOrEqual(14);
    await app.close();
  });
});
