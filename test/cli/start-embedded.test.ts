/**
 * `npm start` without DATABASE_URL (SPEC §10): an embedded PostgreSQL under the data directory,
 * migrated, with the sidecar attached; prints a psql URL; SIGTERM stops both and exits 0.
 */
import fs from 'node:fs';
import pg from 'pg';
import { expect, it } from 'vitest';
import { startInBackground, tempDataDir, type RunningStart } from '../helpers/start.js';

it('starts an embedded PostgreSQL, migrates it, runs the sidecar and stops cleanly', async () => {
  const dataDir = tempDataDir('pgcb-start-');
  let started: RunningStart | undefined;
  try {
    started = await startInBackground(dataDir);
    const url = started.url;
    expect(url).toContain(`:${started.port}/`);
    const client = new pg.Client(url);
    await client.connect();
    try {
      const { rows } = await client.query("select (select count(*) from cdb_connectors.workers where alive)::int as alive, to_regproc('cdb_connector_import') is not null as api");
      expect(rows[0]).toEqual({ alive: 1, api: true });
    } finally {
      await client.end();
    }
    expect(await started.stop()).toBe(0);
    // the embedded server is stopped too: nothing listens on its port any more
    const stillUp = await new pg.Client(url).connect().then(() => true, () => false);
    expect(stillUp).toBe(false);
  } finally {
    await started?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
