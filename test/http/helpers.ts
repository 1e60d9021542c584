/**
 * The HTTP API under test: a real sidecar plus the HTTP server on a free port, both logging
 * (level debug, with the production redaction) into an array the tests search for passwords,
 * and a small fetch-based client.
 */
import { createLogger } from '../../src/log.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { Sidecar } from '../../src/sidecar/worker.js';
import type { TargetDb } from '../helpers/target.js';
import { withAlice, type RoleFactory, type TestRole } from '../sql/helpers.js';

export interface HttpHarness {
  /** http://127.0.0.1:<port> */
  base: string;
  port: number;
  /** Every log line of the sidecar and the HTTP server so far. */
  logs: string[];
  sidecar: Sidecar;
  http: HttpServer;
  stop(): Promise<void>;
}

export async function startHttpHarness(db: TargetDb, opts: { concurrency?: number; poolMax?: number } = {}): Promise<HttpHarness> {
  const logs: string[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => { logs.push(line); } } });
  const sidecar = new Sidecar({ databaseUrl: db.url, concurrency: opts.concurrency ?? 2, pollIntervalMs: 500, shutdownGraceMs: 5000, schedulerTickMs: 200, log });
  await sidecar.start();
  const http = await startHttpServer({ port: 0, host: '127.0.0.1', databaseUrl: db.url, log, poolMax: opts.poolMax });
  return {
    base: `http://127.0.0.1:${http.port}`, port: http.port, logs, sidecar, http,
    async stop() {
      await http.close();
      await sidecar.stop();
    },
  };
}

/**
 * How most HTTP test files start: alice (withAlice; `createInPublic: false` for an alice who may
 * not create tables), an API key for her, and a running harness on `db`.
 */
export async function startAsAlice(db: TargetDb, opts: { createInPublic?: boolean } = {}): Promise<{ roles: RoleFactory; alice: TestRole; key: string; h: HttpHarness }> {
  const { roles, alice } = await withAlice(db, opts);
  const key = await createKey(db, alice.name);
  const h = await startHttpHarness(db);
  return { roles, alice, key, h };
}

/** A new API key for `role`, made by the superuser (as a DBA would). */
export async function createKey(db: TargetDb, role: string, label?: string): Promise<string> {
  const { rows } = await db.query<{ k: string }>('select cdb_connector_create_api_key($1, $2) as k', [role, label ?? null]);
  return rows[0]!.k;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

export interface ApiRequest {
  method?: string;
  /** Sent as ?api_key=… unless `bearer` is set. */
  key?: string;
  bearer?: string;
  /** An object is sent as JSON; a string is sent as is (with Content-Type: application/json). */
  body?: unknown;
  query?: Record<string, string | number | boolean>;
}

export async function api<T = any>(base: string, path: string, req: ApiRequest = {}): Promise<ApiResponse<T>> {
  const url = new URL(path, base);
  if (req.key !== undefined) url.searchParams.set('api_key', req.key);
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = {};
  if (req.bearer !== undefined) headers.authorization = `Bearer ${req.bearer}`;
  let body: string | undefined;
  if (req.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  }
  const res = await fetch(url, { method: req.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  let parsed: unknown = undefined;
  try { parsed = text.length ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
  return { status: res.status, headers: res.headers, text, body: parsed as T };
}

const FINISHED = new Set(['complete', 'failure', 'cancelled']);

/** Polls GET /api/v1/imports/:id (as a CARTO client would) until the import has finished. */
export async function pollImport(base: string, key: string, id: string, timeoutMs = 30_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(base, `/api/v1/imports/${id}`, { key });
    if (res.status !== 200) throw new Error(`status of ${id}: HTTP ${res.status} ${res.text}`);
    if (FINISHED.has(res.body.state)) return res.body;
    if (Date.now() > deadline) throw new Error(`import ${id} still ${res.body.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every place a secret could leak to a client or an operator: response bodies, headers, logs. */
export function leaks(secret: string, ...haystacks: Array<string | string[] | Headers>): boolean {
  return haystacks.some((h) => {
    if (h instanceof Headers) return [...h.entries()].some(([k, v]) => k.includes(secret) || v.includes(secret));
    return (Array.isArray(h) ? h.join('\n') : h).includes(secret);
  });
}
