/**
 * Parallel reads inside one table (issue 20 item 5, setting table_read_streams) from MariaDB: a
 * large enough table with a single integer key is read by several sessions, each a range of the
 * key, into one COPY. The rows that arrive are exactly the remote's (count and md5 over every
 * row), whatever the key's gaps and sign; a read that may be cut at max_rows, a table without an
 * integer key and a small table keep one stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSetting } from '../helpers/answers.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

const ROWS = 30_000;

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  sidecar = await startSidecar(db);
  // keys from -15,000,000 with gaps that grow: uneven ranges, never a row in two of them
  await my.exec(`create table wide (id bigint primary key, name varchar(20), amount decimal(12,2));
    insert into wide select cast(seq * seq as signed) - 15000000, concat('n', seq), seq / 7 from seq_1_to_${ROWS};
    create table coded (code varchar(10) primary key, v int); insert into coded select concat('c', seq), seq from seq_1_to_${ROWS};
    analyze table wide, coded;`);
  await db.query(`update cdb_connectors.settings set value = '1000' where name = 'fetch_rows'`);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), my?.drop()]);
});

async function importWith(table: string, as: string, streams: number): Promise<{ log: string[] }> {
  return withSetting(db, 'table_read_streams', String(streams), async () => {
    const status = await importAndWait(db, { connector: { provider: 'mysql', connection: my.connection(), table, import_as: as } });
    expect(status.state, status.error_message ?? '').toBe('complete');
    const { rows } = await db.query('select message from cdb_connectors.import_log where job_id = $1 order by ts', [status.id]);
    return { log: rows.map((r) => r.message as string) };
  });
}

async function sameRows(table: string, local: string, columns: string, order: string): Promise<void> {
  const [remote] = await my.exec(`select count(*) as n, md5(group_concat(concat_ws('|', ${columns}) order by ${order} separator '\\n')) as h from ${table}`) as [Array<{ n: number; h: string }>];
  const { rows } = await db.query(`select count(*)::int as n, md5(string_agg(concat_ws('|', ${columns}), E'\\n' order by ${order})) as h from public.${local}`);
  expect(rows[0]).toEqual({ n: Number(remote[0]!.n), h: remote[0]!.h });
}

describe('table_read_streams', () => {
  it('reads a table with an integer key in 3 streams by key ranges; every row arrives once', async () => {
    const { log } = await importWith('wide', 'wide_3', 3);
    expect(log).toContain('Reading in 3 streams by ranges of id (setting table_read_streams)');
    await sameRows('wide', 'wide_3', 'id, name, amount', 'id');
  });

  it('keeps one stream at the default, for a key that is not an integer, and for a small table', async () => {
    expect((await importWith('wide', 'wide_1', 1)).log.some((l) => l.startsWith('Reading in'))).toBe(false);
    const coded = await importWith('coded', 'coded_3', 3);
    expect(coded.log.some((l) => l.startsWith('Reading in'))).toBe(false);
    await sameRows('coded', 'coded_3', 'code, v', 'code');
    await withSetting(db, 'fetch_rows', '20000', async () => {
      expect((await importWith('wide', 'wide_small', 3)).log.some((l) => l.startsWith('Reading in'))).toBe(false);
    });
  });

  it('keeps one ordered stream when the read may be cut at max_rows: the first rows in key order', async () => {
    await withSetting(db, 'max_rows', '20000', async () => {
      const { log } = await importWith('wide', 'wide_cut', 3);
      expect(log.some((l) => l.startsWith('Reading in'))).toBe(false);
      const { rows } = await db.query('select count(*)::int as n, max(id)::text as top from public.wide_cut');
      const [remote] = await my.exec('select cast(max(id) as char) as top from (select id from wide order by id limit 20000) k') as [Array<{ top: string }>];
      expect(rows[0]).toEqual({ n: 20000, top: remote[0]!.top });
    });
  });

  it('refuses a setting outside 1 to 8', async () => {
    await expect(db.query(`update cdb_connectors.settings set value = '9' where name = 'table_read_streams'`)).rejects.toThrow(/an integer from 1 to 8/);
  });
});
