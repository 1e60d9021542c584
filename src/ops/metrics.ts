/**
 * Prometheus metrics (prom-client) fed by the sidecar's job events (SPEC §9).
 */
import client from 'prom-client';
import type { Sidecar } from '../sidecar/worker.js';

export function createMetrics(sidecar: Sidecar): client.Registry {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'cdb_connectors_' });
  const claimed = new client.Counter({ name: 'cdb_connectors_jobs_claimed_total', help: 'Jobs claimed by this sidecar', labelNames: ['provider'], registers: [registry] });
  const finished = new client.Counter({ name: 'cdb_connectors_jobs_finished_total', help: 'Jobs finished by this sidecar, by outcome', labelNames: ['provider', 'state'], registers: [registry] });
  const errors = new client.Counter({ name: 'cdb_connectors_job_errors_total', help: 'Failed jobs by error code', labelNames: ['provider', 'error_code'], registers: [registry] });
  const rows = new client.Counter({ name: 'cdb_connectors_rows_imported_total', help: 'Rows imported', labelNames: ['provider'], registers: [registry] });
  const duration = new client.Histogram({
    name: 'cdb_connectors_job_duration_seconds', help: 'Wall time of finished jobs', labelNames: ['provider', 'state'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 1800], registers: [registry],
  });
  new client.Gauge({ name: 'cdb_connectors_jobs_running', help: 'Jobs running in this sidecar', registers: [registry], collect() { this.set(sidecar.runningJobs); } });
  const started = new Map<string, number>();
  sidecar.on('claimed', (job) => {
    started.set(job.id, Date.now());
    claimed.inc({ provider: job.provider });
  });
  sidecar.on('finished', (job, outcome) => {
    finished.inc({ provider: job.provider, state: outcome.state });
    if (outcome.errorCode !== undefined) errors.inc({ provider: job.provider, error_code: String(outcome.errorCode) });
    if (outcome.rows !== undefined) rows.inc({ provider: job.provider }, outcome.rows);
    const t0 = started.get(job.id);
    if (t0 !== undefined) duration.observe({ provider: job.provider, state: outcome.state }, (Date.now() - t0) / 1000);
    started.delete(job.id);
  });
  return registry;
}
