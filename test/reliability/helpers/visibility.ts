/**
 * Watches what users can see while jobs run: every few milliseconds, one statement (one
 * snapshot) reads the tables of a schema and the state of the watched jobs. A table under a
 * job's final name while that job is not `complete`, or any staging table, is a violation of
 * SPEC §4.4 ("nothing half-loaded is ever visible under the final name").
 */
import pg from 'pg';

export interface WatchedJob {
  id: string;
  /** Local table name the job will get when it completes. */
  name: string;
}

export interface VisibilityReport {
  samples: number;
  violations: string[];
  /** Names seen at least once, for assertions that the watcher could see tables at all. */
  seen: Set<string>;
}

const SAMPLE_INTERVAL_MS = 20;
const STAGING_PREFIX = 'cdb_import_';

export function watchVisibility(url: string, jobs: WatchedJob[], schema = 'public'): { stop(): Promise<VisibilityReport> } {
  const client = new pg.Client(url);
  const report: VisibilityReport = { samples: 0, violations: [], seen: new Set() };
  let stopping = false;
  const sample = async () => {
    const { rows } = await client.query<{ tables: string[]; states: Record<string, string> | null }>(
      `select (select coalesce(array_agg(c.relname::text), '{}') from pg_catalog.pg_class c
                where c.relnamespace = (select oid from pg_catalog.pg_namespace where nspname = $1)) as tables,
              (select jsonb_object_agg(id, state) from cdb_connectors.jobs where id = any($2::uuid[])) as states`,
      [schema, jobs.map((j) => j.id)]);
    const { tables, states } = rows[0]!;
    report.samples++;
    for (const t of tables) {
      report.seen.add(t);
      if (t.startsWith(STAGING_PREFIX)) report.violations.push(`staging table ${t} visible`);
    }
    for (const job of jobs) {
      const state = states?.[job.id];
      if (tables.includes(job.name) && state !== 'complete') report.violations.push(`${job.name} visible while job ${job.id} is ${state}`);
    }
  };
  const loop = (async () => {
    await client.connect();
    while (!stopping) {
      await sample();
      await new Promise((r) => setTimeout(r, SAMPLE_INTERVAL_MS));
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      await sample(); // taken after stop(): sees the final state, whatever the loop last saw
      await client.end();
      return report;
    },
  };
}
