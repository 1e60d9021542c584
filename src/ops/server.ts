/**
 * `/metrics` (Prometheus text) and `/healthz` (target reachable and LISTEN alive) on METRICS_PORT.
 */
import http from 'node:http';
import type { Logger } from 'pino';
import type { Sidecar } from '../sidecar/worker.js';
import { createMetrics } from './metrics.js';

export interface OperationsServer {
  port: number;
  close(): Promise<void>;
}

const HEALTH_QUERY_TIMEOUT_MS = 2000;

export async function startOperationsServer(opts: { port: number; sidecar: Sidecar; log: Logger }): Promise<OperationsServer> {
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
    })().catch((err) => { opts.log.warn({ err }, 'operations endpoint failed'); res.writeHead(500).end(); });
  });
  await new Promise<void>((resolve) => server.listen(opts.port, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  opts.log.info({ port }, 'metrics and health on /metrics and /healthz');
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
