/**
 * The CARTO-compatible HTTP Import API (SPEC §11, issue 11), served by the sidecar on HTTP_PORT /
 * --http-port: a thin layer over the SQL API. Each request is checked for its shape (JSON
 * schemas), its API key turns into a PostgreSQL role, and one SQL API function runs as that role
 * (as-role.ts); the function's answer is the response and its errors become statuses
 * (errors.ts). No validation, state or permission logic lives here.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { httpOrigin } from '../config.js';
import { createPool } from '../db/pool.js';
import { quoteIdent } from '../db/sql.js';
import { KeyUsage } from './api-keys.js';
import { roleRunner } from './as-role.js';
import type { ApiContext } from './call.js';
import { HttpError, logFields, notFound, toHttpError } from './errors.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import { SafeLogController } from './request-log.js';
import { registerConnectorRoutes } from './routes/connectors.js';
import { registerImportRoutes } from './routes/imports.js';
import { registerSynchronizationRoutes } from './routes/synchronizations.js';

declare module 'fastify' {
  interface FastifyInstance {
    apiRoutes: string[];
  }
}

export interface HttpServerOptions {
  port: number;
  /** Interface to listen on (HTTP_HOST); loopback by default, like the metrics server (issue 22 §8). */
  host?: string;
  databaseUrl: string;
  /** Where the cdb_connector_* functions live (`migrate --api-schema`), default public. */
  apiSchema?: string;
  log: Logger;
  /** Connections to the target for HTTP requests, apart from the sidecar's job pool. */
  poolMax?: number;
}

export interface HttpServer {
  port: number;
  /** The interface it listens on. */
  host: string;
  /** Where it answers, e.g. http://127.0.0.1:8080/api/v1 (for the start banner). */
  url: string;
  close(): Promise<void>;
}

/**
 * Requests are short (4 round trips), so a few connections serve many concurrent callers: the
 * pool queues the rest. Kept apart from the job pool so a burst of HTTP polling never delays a
 * claim or a COPY.
 */
const DEFAULT_POOL_MAX = 8;
/** CARTO requests are a connector object; 1 MiB (fastify's default) is ample. */
const BODY_LIMIT_BYTES = 1024 * 1024;
/** API keys and passwords travel in requests over plain HTTP: loopback unless HTTP_HOST opens it. */
const DEFAULT_HOST = '127.0.0.1';

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const log = opts.log.child({ component: 'http' });
  const pool = createPool({ connectionString: opts.databaseUrl, max: opts.poolMax ?? DEFAULT_POOL_MAX, applicationName: 'cdb_connectors http' });
  const app = buildApp(log, { runner: roleRunner(pool, new KeyUsage(pool, log)), api: quoteIdent(opts.apiSchema ?? 'public') });
  const host = opts.host ?? DEFAULT_HOST;
  try {
    await app.listen({ port: opts.port, host });
  } catch (err) {
    await pool.end();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `${httpOrigin(host, port)}/api/v1`;
  log.info({ host, port, url }, 'HTTP API on /api/v1 (OpenAPI at /api/v1/openapi.json)');
  return {
    port,
    host,
    url,
    // fastify.close() stops accepting, lets in-flight requests finish and closes idle keep-alive
    // sockets; only then can the pool end.
    async close() {
      await app.close();
      await pool.end();
    },
  };
}

export function buildApp(log: Logger, ctx: ApiContext): FastifyInstance {
  const app = Fastify({
    // pino 10 and fastify's logger interface differ only in generics
    loggerInstance: log as unknown as FastifyBaseLogger,
    logController: new SafeLogController(),
    bodyLimit: BODY_LIMIT_BYTES,
    forceCloseConnections: 'idle',
    // CARTO's curl examples post to /api/v1/imports/ (trailing slash).
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
    clientErrorHandler,
    // Errors raised before routing (bad URL encoding, over-long ids) get the same treatment.
    frameworkErrors: (err, _request, reply) => {
      const known = toHttpError(err) ?? notFound();
      void (reply as FastifyReply).code(known.status).headers(known.headers).send(known.body);
    },
  });

  // Keep the body text: it goes to SQL as jsonb exactly as sent (call.ts rawBody). JSON.parse is
  // only for the shape check; its error message is never shown (it quotes the input).
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // An empty body with a JSON content type (curl -X PUT -H "Content-Type: …" …/sync_now) is no
    // body; the routes that need one say so ("body must be object").
    if ((body as string).trim() === '') return done(null, undefined);
    try {
      const parsed: unknown = JSON.parse(body as string);
      request.rawJson = body as string;
      done(null, parsed);
    } catch {
      done(new HttpError(400, ['The request body is not valid JSON']), undefined);
    }
  });

  // Node's server.close() closes only the keep-alive sockets idle at that moment; one serving a
  // request then stays open after its answer until the client lets it go (measured: close() hung
  // past the test's 60 s timeout, the keep-alive being 72 s). Answers sent while closing end
  // their connection.
  let closing = false;
  app.addHook('preClose', async () => { closing = true; });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const known = toHttpError(err);
    if (known) return reply.code(known.status).headers(known.headers).send(known.body);
    request.log.error({ ...logFields(err, secretsOf(request)), request_id: request.id }, 'http request failed');
    return reply.code(500).send({ errors: [`Internal error (request ${request.id}); the sidecar's log has the details`] });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(notFound().body));

  // "METHOD /url" of every route, for the OpenAPI completeness test (test/http/openapi.test.ts).
  const routes: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url}`);
  });
  app.decorate('apiRoutes', routes);

  app.get('/api/v1/openapi.json', async () => OPENAPI_DOCUMENT);
  registerImportRoutes(app, ctx);
  registerSynchronizationRoutes(app, ctx);
  registerConnectorRoutes(app, ctx);
  return app;
}

/**
 * Bytes that are not HTTP (a garbage line, an over-long header, a timeout): answered like
 * fastify's default, but logged as the parser's code only. Fastify's default logs the error
 * object at trace level, rawPacket (the client's raw bytes) included (issue 16 §5).
 */
function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  this.log.debug({ code: err.code, status }, 'http client error');
  if (socket.writable) {
    const body = JSON.stringify({ errors: [STATUS_CODES[status]] });
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\n\r\n${body}`);
  }
  socket.destroy();
}

/** Strings under any "password" key of the request, to cut out of a logged message. */
function secretsOf(request: { body?: unknown; query?: unknown }): string[] {
  const found: string[] = [];
  const walk = (value: unknown, depth: number): void => {
    if (depth > 8 || typeof value !== 'object' || value === null) return;
    for (const [key, v] of Object.entries(value)) {
      if (key.toLowerCase() === 'password' && typeof v === 'string') found.push(v);
      else walk(v, depth + 1);
    }
  };
  walk(request.body, 0);
  walk(request.query, 0);
  return found;
}
