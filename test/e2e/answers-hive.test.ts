/**
 * Answers now from SQL against Hive (issue 10 §1): hive-driver → the HiveServer2 test server in
 * PLAIN SASL mode, with the provider suites' edge-value fixture. The shared scenario is
 * suites/answers-suite.ts; here are the server's fixture, its expected answers and the tests
 * only Hive has.
 */
import { expect, it } from 'vitest';
import { preview } from '../helpers/answers.js';
import { EDGE_COLUMNS, EDGE_EXPECTED, EDGE_VALUES_HIVEQL } from '../providers/hive/fixtures.js';
import { localHiveServerFactory, type HiveTestServer } from '../providers/hive/server-factory.js';
import { describeAnswers, MANY_TABLE_NAMES } from './suites/answers-suite.js';

async function startHive(): Promise<HiveTestServer> {
  const hive = await localHiveServerFactory('PLAIN').start();
  await hive.loadFixture(EDGE_VALUES_HIVEQL);
  await hive.loadFixture(['CREATE DATABASE many', ...MANY_TABLE_NAMES.map((name) => `CREATE TABLE many.${name} (id INT)`)].join(';\n'));
  return hive;
}

describeAnswers<HiveTestServer>({
  title: 'Hive',
  provider: 'hive',
  start: startHive,
  stop: (hive) => hive.stop(),
  connection: (hive, password = hive.password) =>
    ({ server: hive.host, port: hive.port, database: 'default', username: hive.user, password }),
  previewTitle: 'preview: every Hive type with its local type, uniontype skipped, exact values',
  expected: () => ({
    listed: {
      request: { schema: 'default' },
      tables: [
        { schema: 'default', name: 'edge_values', kind: 'table' },
        { schema: 'default', name: 'edge_view', kind: 'view' },
        { schema: 'default', name: 'labels', kind: 'table' },
      ],
    },
    many: { request: { schema: 'many' }, schema: 'many' },
    preview: {
      request: { table: 'edge_values' },
      limit: 5,
      columns: [
        ...EDGE_COLUMNS.map(([name, remote, local]) => ({ name, local_name: name, remote_type: remote, local_type: local })),
        { name: 'c_union', local_name: null, remote_type: 'uniontype', local_type: 'skipped' },
      ],
      rows: [1, 2, 3, 4, 5].map((id) => EDGE_EXPECTED[id]!),
      unordered: true,
      warnings: ['skipped_columns', 'timestamp_rounded'],
    },
    missingTable: { table: 'nope' },
  }),
}, (ctx) => {
  it('preview of a query, limited to 2 rows', async () => {
    const answer = await preview(ctx.user.url, ctx.connector({ sql_query: 'SELECT id, label FROM labels ORDER BY id' }), 2);
    expect(answer.rows).toEqual([['1', 'one'], ['2', 'two']]);
  });
});
