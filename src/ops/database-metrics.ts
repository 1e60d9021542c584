/**
 * Gauges read from the target database at scrape time (prom-client `collect()`), so they show the
 * queue as the database holds it — every sidecar's jobs, not only this one's. Every sidecar
 * reports the same values for one database: aggregate with `max`, not `sum`, in PromQL.
 */
import client from 'prom-client';
import type pg from 'pg';

export const JOB_STATES = ['enqueued', 'importing', 'complete', 'failure', 'cancelled'] as const;

/** A scrape must answer even when the target hangs; Prometheus' own default timeout is 10 s. */
const SCRAPE_QUERY_TIMEOUT_MS = 2000;

// One statement, one snapshot. The jobs_claimable / jobs_running partial indexes serve the
// enqueued and importing parts; the per-state count scans jobs (ms for 10^5 rows).
const SNAPSHOT_SQL = `
select
  (select coalesce(jsonb_object_agg(state, n), '{}') from (select state, count(*) as n from cdb_connectors.jobs group by state) s) as states,
  (select count(*) from cdb_connectors.jobs where state = 'importing' and lease_expires_at < now())::int as lease_expired,
  (select coalesce(extract(epoch from now() - min(created_at)), 0) from cdb_connectors.jobs
    where state = 'enqueued' and run_after <= now())::float8 as oldest_enqueued_seconds,
  (select count(*) from cdb_connectors.workers where alive)::int as workers_alive`;

interface Snapshot {
  states: Record<string, string | number>;
  lease_expired: number;
  oldest_enqueued_seconds: number;
  workers_alive: number;
}

/** Registers the database gauges on `registry`; one query per scrape, shared by all of them. */
export function registerDatabaseMetrics(registry: client.Registry, pool: pg.Pool): void {
  // The gauges' collect() calls of one scrape start together: they share one in-flight query.
  let inflight: Promise<Snapshot | undefined> | undefined;
  const snapshot = (): Promise<Snapshot | undefined> => {
    inflight ??= readSnapshot(pool).finally(() => { inflight = undefined; });
    return inflight;
  };

  new client.Gauge({
    name: 'cdb_connectors_database_up', help: '1 when the scrape could read the job tables of the target database', registers: [registry],
    async collect() { this.set((await snapshot()) ? 1 : 0); },
  });
  new client.Gauge({
    name: 'cdb_connectors_jobs', help: 'Jobs in the target database by state (all sidecars, all roles)', labelNames: ['state'], registers: [registry],
    async collect() {
      this.reset();
      const s = await snapshot();
      if (s) for (const state of JOB_STATES) this.set({ state }, Number(s.states[state] ?? 0));
    },
  });
  new client.Gauge({
    name: 'cdb_connectors_jobs_lease_expired', help: 'Importing jobs whose lease expired (their sidecar died); the next claim re-runs them', registers: [registry],
    async collect() { this.reset(); const s = await snapshot(); if (s) this.set(s.lease_expired); },
  });
  new client.Gauge({
    name: 'cdb_connectors_oldest_enqueued_seconds', help: 'Age of the oldest job waiting to be claimed (0 when none)', registers: [registry],
    async collect() { this.reset(); const s = await snapshot(); if (s) this.set(s.oldest_enqueued_seconds); },
  });
  new client.Gauge({
    name: 'cdb_connectors_workers_alive', help: 'Sidecars that renewed their registration within lease_seconds', registers: [registry],
    async collect() { this.reset(); const s = await snapshot(); if (s) this.set(s.workers_alive); },
  });
}

async function readSnapshot(pool: pg.Pool): Promise<Snapshot | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), SCRAPE_QUERY_TIMEOUT_MS); });
  try {
    return await Promise.race([pool.query<Snapshot>(SNAPSHOT_SQL).then((r) => r.rows[0], () => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
