/**
 * The client-side CLI commands: `status` and `import [--wait]`. They only call the SQL API, as
 * any psql user would.
 */
import fs from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import pg from 'pg';

const POLL_MS = 250;

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'connector-bridge cli' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function printStatus(url: string, limit: number): Promise<void> {
  await withClient(url, async (c) => {
    const workers = await c.query('select id, host, pid, version, running_jobs, alive, last_seen_at from cdb_connectors.workers order by started_at');
    console.log(`workers (${workers.rowCount}):`);
    console.table(workers.rows);
    const imports = await c.query(
      `select id, state, provider, table_name, rows_fetched, error_code, created_at, finished_at
         from cdb_connectors.imports order by created_at desc limit $1`, [limit]);
    console.log(`recent imports:`);
    console.table(imports.rows);
  });
}

export async function runImportCommand(url: string, json: string | undefined, wait: boolean): Promise<number> {
  const text = json === undefined || json === '-' ? fs.readFileSync(0, 'utf8') : json;
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ r: { item_queue_id?: string; data_import?: { item_queue_id: string } } }>(
      'select cdb_connector_import($1::jsonb) as r', [text]);
    const result = rows[0]!.r;
    console.log(JSON.stringify(result));
    if (!wait) return 0;
    const id = result.item_queue_id ?? result.data_import?.item_queue_id;
    if (!id) return 0;
    const bar = new SingleBar({ format: '{state} |{bar}| {value} rows', hideCursor: true }, Presets.shades_classic);
    bar.start(0, 0, { state: 'enqueued' });
    for (;;) {
      const s = (await c.query<{ s: { state: string; rows_fetched: number } }>('select cdb_connector_import_status($1) as s', [id])).rows[0]!.s;
      bar.setTotal(Math.max(s.rows_fetched, 1));
      bar.update(s.rows_fetched, { state: s.state });
      if (['complete', 'failure', 'cancelled'].includes(s.state)) {
        bar.stop();
        console.log(JSON.stringify(s, null, 2));
        return s.state === 'complete' ? 0 : 1;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  });
}
