/**
 * Prometheus metrics (prom-client, SPEC §9). Two kinds:
 *   - counters and histograms fed by this sidecar's job events (claims, outcomes, rows, bytes,
 *     durations, errors by code, lease expiries it recovered from): sum them across sidecars;
 *   - gauges read from the target database at scrape time (database-metrics.ts: jobs by state,
 *     expired leases, queue age, live sidecars): the same in every sidecar, take the max.
 * docs/operations.md lists every metric.
 */
import client from 'prom-client';
import type { Sidecar } from '../sidecar/worker.js';
import { registerDatabaseMetrics } from './database-metrics.js';

/** From a tiny table (≈ 0.1 s) to a max_rows import over a slow link (tens of minutes). */
const DURATION_BUCKETS_SECONDS = [0.1, 0.5, 1, 5, 15, 60, 300, 1800];

export function createMetrics(sidecar: Sidecar): client.Registry {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'cdb_connectors_' });
  const claimed = new client.Counter({ name: 'cdb_connectors_jobs_claimed_total', help: 'Jobs claimed by this sidecar', labelNames: ['provider'], registers: [registry] });
  const finished = new client.Counter({ name: 'cdb_connectors_jobs_finished_total', help: 'Jobs finished by this sidecar, by outcome (complete, failure, cancelled, handed_back, lost)', labelNames: ['provider', 'state'], registers: [registry] });
  const errors = new client.Counter({ name: 'cdb_connectors_job_errors_total', help: 'Failed or cancelled jobs by error code (cdb_connectors.error_codes)', labelNames: ['provider', 'error_code'], registers: [registry] });
  const rows = new client.Counter({ name: 'cdb_connectors_rows_imported_total', help: 'Rows imported by completed jobs', labelNames: ['provider'], registers: [registry] });
  const bytes = new client.Counter({ name: 'cdb_connectors_bytes_imported_total', help: 'COPY bytes sent to the target by completed jobs', labelNames: ['provider'], registers: [registry] });
  const leaseExpiries = new client.Counter({
    name: 'cdb_connectors_lease_expiries_total', help: 'Jobs this sidecar re-claimed because the lease of the sidecar running them expired (crash, freeze, partition)',
    labelNames: ['provider'], registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'cdb_connectors_job_duration_seconds', help: 'Wall time of jobs run by this sidecar, claim to outcome', labelNames: ['provider', 'state'],
    buckets: DURATION_BUCKETS_SECONDS, registers: [registry],
  });
  new client.Gauge({ name: 'cdb_connectors_jobs_running', help: 'Jobs running in this sidecar', registers: [registry], collect() { this.set(sidecar.runningJobs); } });
  new client.Gauge({ name: 'cdb_connectors_listener_up', help: '1 while this sidecar LISTENs for new jobs', registers: [registry], collect() { this.set(sidecar.listening ? 1 : 0); } });
  registerDatabaseMetrics(registry, sidecar.pool);

  const started = new Map<string, number>();
  sidecar.on('claimed', (job) => {
    started.set(job.id, Date.now());
    claimed.inc({ provider: job.provider });
    // A claim that takes the job over from another worker is only possible after its lease expired.
    if (job.previous_worker_id && job.attempt > 1) leaseExpiries.inc({ provider: job.provider });
  });
  sidecar.on('finished', (job, outcome) => {
    finished.inc({ provider: job.provider, state: outcome.state });
    if (outcome.errorCode !== undefined) errors.inc({ provider: job.provider, error_code: String(outcome.errorCode) });
    if (outcome.rows !== undefined) rows.inc({ provider: job.provider }, outcome.rows);
    if (outcome.bytes !== undefined) bytes.inc({ provider: job.provider }, outcome.bytes);
    const t0 = started.get(job.id);
    if (t0 !== undefined) duration.observe({ provider: job.provider, state: outcome.state }, (Date.now() - t0) / 1000);
    started.delete(job.id);
  });
  return registry;
}
