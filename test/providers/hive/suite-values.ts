/**
 * Issue 9 §6, values: the edge-value table compared value by value (BIGINT ±max, DECIMAL(38,10),
 * TIMESTAMP with nanoseconds, nested types, NULL in every type, '' vs NULL, tabs, newlines,
 * backslashes, emoji), then COPYed into a real target table to prove PostgreSQL accepts every
 * CopyValue for its local type.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hiveProvider } from '../../../src/providers/hive/index.js';
import type { SourceRequest, SourceSession } from '../../../src/providers/provider.js';
import { collectRows, type Collected } from '../../helpers/collect-rows.js';
import { createTargetDb } from '../../helpers/target.js';
import { EDGE_COLUMNS, EDGE_EXPECTED, EDGE_VALUES_HIVEQL } from './fixtures.js';
import { hiveRequest, sessionOptions, tableSource, type HiveServerFactory, type HiveTestServer } from './server-factory.js';

export async function withHiveSession<T>(request: SourceRequest, work: (s: SourceSession) => Promise<T>, opts = sessionOptions()): Promise<T> {
  const session = await hiveProvider.connect(request, opts);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

/** COPY text format, escaping only what COPY needs (the real encoder lives in src/load). */
function copyText(rows: Array<Array<string | null>>): string {
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  return rows.map((row) => row.map((v) => (v === null ? '\\N' : escape(v))).join('\t')).join('\n') + '\n';
}

export function edgeValueSuite(factory: HiveServerFactory): void {
  describe(`hive provider: edge values (${factory.name})`, () => {
    let server: HiveTestServer;
    let collected: Collected;

    beforeAll(async () => {
      server = await factory.start();
      await server.loadFixture(EDGE_VALUES_HIVEQL);
      collected = await withHiveSession(hiveRequest(server, tableSource('edge_values')), (s) => collectRows(s, { pauseEvery: 2 }));
    });
    afterAll(async () => { await server?.stop(); });

    it('describes each Hive type with its local type and skips UNIONTYPE', () => {
      expect(collected.plan.columns.map((c) => [c.remoteName, c.remoteType, c.localType])).toEqual(EDGE_COLUMNS.map((c) => [...c]));
      expect(collected.plan.skipped).toEqual([{ remoteName: 'c_union', remoteType: 'uniontype', reason: 'no rule maps uniontype' }]);
    });

    it('streams every value exactly, NULLs and empty strings apart', () => {
      const byId = new Map(collected.rows.map((row) => [Number(row[0]), row]));
      expect([...byId.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
      for (const [id, expected] of Object.entries(EDGE_EXPECTED)) {
        const row = byId.get(Number(id))!;
        EDGE_COLUMNS.forEach(([name], i) => {
          expect({ id, column: name, value: row[i] }).toEqual({ id, column: name, value: expected[i] });
        });
      }
    });

    it('counts timestamps whose nanoseconds were rounded (and only those)', () => {
      expect(Object.fromEntries(collected.warnings)).toEqual({ 'timestamp_rounded:c_timestamp': 2 });
    });

    it('paused on backpressure', () => {
      expect(collected.pauses).toBeGreaterThanOrEqual(2);
    });

    it('produces CopyValues that PostgreSQL accepts for every local type', async () => {
      const db = await createTargetDb();
      try {
        const columns = collected.plan.columns.map((c) => `"${c.remoteName}" ${c.localType}`).join(', ');
        await db.query(`create table edge (${columns})`);
        const client = await db.pool.connect();
        try {
          await pipeline(Readable.from([copyText(collected.rows)]), client.query(copyFrom('copy edge from stdin')));
        } finally {
          client.release();
        }
        const { rows } = await db.query(`
          select id, c_bigint::text, c_decimal::text, c_float::text, c_double::text, c_timestamp::text, c_binary::text,
                 c_string, c_char, c_struct ->> 'b' as struct_b, c_nested -> 0 -> 'v' ->> 0 as nested_big, c_map_int ->> '1' as map_int
            from edge order by id`);
        expect(rows[0]).toEqual({
          id: 1, c_bigint: '9223372036854775807', c_decimal: '9999999999999999999999999999.9999999999', c_float: '3.4028235e+38',
          c_double: '1.7976931348623157e+308', c_timestamp: '2024-01-02 03:04:05.123457', c_binary: '\\x00ff0a5c',
          c_string: 'tab\there\nnew line\\back \'q\' "dq" 🎉', c_char: 'ab   ', struct_b: 'x"y', nested_big: '9223372036854775807', map_int: 'one',
        });
        expect(rows[1]).toMatchObject({ c_bigint: '-9223372036854775808', c_float: '1e-45', c_double: '5e-324', c_string: '', c_binary: '\\x' });
        expect(rows[2]).toMatchObject({ id: 3, c_bigint: null, c_string: null, struct_b: null });
        expect(rows[3]).toMatchObject({ c_timestamp: '2025-01-01 00:00:00', c_string: 'back\\slash\rcr ünï', c_float: '0.1', c_double: '0.1' });
        expect(rows[4]).toMatchObject({ c_bigint: '9007199254740993', c_decimal: '12345.6789000000' });
      } finally {
        await db.drop();
      }
    });
  });
}
