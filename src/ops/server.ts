/**
 * `/metrics` (Prometheus text) and `/healthz` (target reachable and LISTEN alive) on METRICS_PORT,
 * bound to METRICS_HOST (loopback by default: the endpoints have no authentication).
 */
import http from 'node:http';
import type { Logger } from 'pino';
import { httpOrigin } from '../config.js';
import type { Sidecar } from '../sidecar/worker.js';
import { createMetrics } from './metrics.js';

export interface OperationsServer {
  port: number;
  /** The interface it listens on. */
  host: string;
  /** Where /metrics answers, e.g. http://127.0.0.1:9464/metrics (for the start banner). */
  metricsUrl: string;
  close(): Promise<void>;
}

const HEALTH_QUERY_TIMEOUT_MS = 2000;
const DEFAULT_HOST = '127.0.0.1';

export async function startOperationsServer(opts: { port: number; host?: string; sidecar: Sidecar; log: Logger }): Promise<OperationsServer> {
  const registry = createMetrics(opts.sidecar);
  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(await registry.metrics());
      } else if (req.url === '/healthz') {
        const database = await Promise.race([
          opts.sidecar.pool.query('select 1').then(() => true, () => false),
          new Promise<boolean>((r) => setTimeout(() => r(false), HEALTH_QUERY_TIMEOUT_MS).unref()),
        ]);
        const healthy = database && opts.sidecar.listening;
        res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: healthy ? 'ok' : 'unhealthy', database, listening: opts.sidecar.listening, running_jobs: opts.sidecar.runningJobs, worker_id: opts.sidecar.workerId }));
      } else {
        res.writeHead(404).end();
      }
    })().catch((err) => {
      opts.log.warn({ err }, 'operations endpoint failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const host = opts.host ?? DEFAULT_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => { server.off('error', reject); resolve(); });
  });
  // A socket error after listening (EMFILE on accept, …) is logged, never thrown.
  server.on('error', (err) => opts.log.warn({ err }, 'metrics server error'));
  // Garbage on the port: a bare 400, and only the parser's code in the log (never its rawPacket).
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    opts.log.debug({ code: err.code }, 'metrics client error');
    if (err.code !== 'ECONNRESET' && socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.destroy();
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const metricsUrl = `${httpOrigin(host, port)}/metrics`;
  opts.log.info({ host, port, url: metricsUrl }, 'metrics and health on /metrics and /healthz');
  return { port, host, metricsUrl, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
