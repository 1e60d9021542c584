/**
 * A tenant holding its own job rows locked (any role may lock a row it may update: cancel_requested)
 * must not hold up the claim of every other job: the claim's reaping of cancelled and crashed jobs
 * passes locked rows by (SKIP LOCKED) instead of waiting under the claim lock (issue 20 review).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimJob } from '../../src/sidecar/job-store.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
let bob: TestRole;

const job = (table: string) => JSON.stringify({ connector: { provider: 'mysql', connection: { server: 'db.example.com', database: 'shop', username: 'u', password: 'p' }, table } });

beforeAll(async () => {
  db = await createTargetDb();
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  bob = await roles.create('bob', 'cdb_connector_user');
  await db.query(`grant create on schema public to "${alice.name}", "${bob.name}"`);
});

afterAll(async () => {
  await roles.cleanup();
});

describe('claims and a tenant\'s row locks', () => {
  it.each(['cancelled', 'crashed'])('a locked %s job of one role does not block the claim of another role\'s job', async (kind) => {
    const mine = (await alice.query(`select cdb_connector_import($1::jsonb, 'public') as r`, [job(`a_${kind}`)])).rows[0].r.item_queue_id;
    // as its sidecar died running it: importing, lease expired (and cancel asked, or a crash already)
    await db.query(`update cdb_connectors.jobs set state = 'importing', worker_id = 'gone', lease_expires_at = now() - interval '1 minute',
      cancel_requested = $2, crashes = $3 where id = $1`, [mine, kind === 'cancelled', kind === 'crashed' ? 1 : 0]);
    await alice.query('begin');
    await alice.query('select id from cdb_connectors.jobs where id = $1 for update', [mine]);
    const theirs = (await bob.query(`select cdb_connector_import($1::jsonb, 'public') as r`, [job(`b_${kind}`)])).rows[0].r.item_queue_id;
    const client = await db.pool.connect();
    try {
      await client.query(`set statement_timeout = '5s'`);
      const claimed = await claimJob(client, 'test-worker', 60);
      expect(claimed?.id).toBe(theirs);
    } finally {
      client.release();
      await alice.query('rollback');
      await db.query(`update cdb_connectors.jobs set state = 'cancelled', lease_expires_at = null where id in ($1, $2)`, [mine, theirs]);
    }
  });
});
