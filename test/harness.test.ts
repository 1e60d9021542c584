import { describe, expect, it } from 'vitest';
import { createTargetDb } from './helpers/target.js';

describe('test harness', () => {
  it('clones a migrated target database per test file', async () => {
    const db = await createTargetDb();
    const { rows } = await db.query<{ n: string }>("select count(*) as n from pg_namespace where nspname = 'cdb_connectors'");
    expect(rows[0]!.n).toBe('1');
    await db.drop();
  });
});
