/**
 * The HiveQL of diff mode in isolation (src/providers/hive/buckets.ts): the one GROUP BY statement
 * for a table and a sql_query — exact bucket arithmetic (a scaled DECIMAL key floored first,
 * pmod so the division is exact), the length-prefixed row text hashed by md5, validated literal
 * origin and width — and the plans it refuses.
 */
import { describe, expect, it } from 'vitest';
import type { ColumnPlan, SourcePlan } from '../../../src/rows/plan.js';
import { hashBucketsStatement } from '../../../src/providers/hive/buckets.js';

const column = (remoteName: string, remoteType: string): ColumnPlan => ({ remoteName, remoteType, localType: 'x' });
const part = (text: string) => `nvl(concat(CAST(length(${text}) AS STRING), ':', ${text}), 'n')`;

describe('hive bucket hashes', () => {
  it('buckets a BIGINT key of a table with exact DECIMAL(38,0) arithmetic and hashes every plan column', () => {
    const plan: SourcePlan = { columns: [column('id', 'bigint'), column('we`ird', 'string'), column('raw', 'binary')], skipped: [column('u', 'uniontype')] };
    const statement = hashBucketsStatement(plan, { kind: 'table', table: 't' }, 'sales', { column: 'id', origin: '-9223372036854775808', width: '1000' });
    const width = "CAST('1000' AS DECIMAL(38,0))";
    const hash = `CAST(conv(substr(md5(concat_ws(',', ${part('CAST(`id` AS STRING)')}, ${part('CAST(`we``ird` AS STRING)')}, ${part('hex(`raw`)')})), 1, 16), 16, 10) AS DECIMAL(20,0))`;
    expect(statement).toBe('SELECT CAST(`cdb_bucket` AS STRING), CAST(COUNT(*) AS STRING), CAST(SUM(`cdb_hash`) AS STRING) FROM ('
      + `SELECT FLOOR((\`cdb_offset\` - pmod(\`cdb_offset\`, ${width})) / ${width}) AS \`cdb_bucket\`, \`cdb_hash\` FROM (`
      + `SELECT CAST(\`id\` AS DECIMAL(38,0)) - CAST('-9223372036854775808' AS DECIMAL(38,0)) AS \`cdb_offset\`, ${hash} AS \`cdb_hash\``
      + ' FROM `sales`.`t` WHERE `id` IS NOT NULL) `cdb_keys`) `cdb_buckets` GROUP BY `cdb_bucket`');
  });

  it('floors a DECIMAL key with a scale before the CAST, and reads a sql_query as a derived table by unqualified names', () => {
    const plan: SourcePlan = { columns: [column('o.k', 'decimal(30,2)'), column('c.v', 'varchar(10)')], skipped: [] };
    const statement = hashBucketsStatement(plan, { kind: 'query', sql: 'SELECT o.k, c.v FROM o JOIN c ON o.id = c.id;' }, 'ignored', { column: 'o.k', origin: '0', width: '1' });
    expect(statement).toContain("SELECT CAST(FLOOR(`k`) AS DECIMAL(38,0)) - CAST('0' AS DECIMAL(38,0)) AS `cdb_offset`");
    expect(statement).toContain(`concat_ws(',', ${part('CAST(`k` AS STRING)')}, ${part('CAST(`v` AS STRING)')})`);
    expect(statement).toContain(' FROM (\nSELECT o.k, c.v FROM o JOIN c ON o.id = c.id\n) `cdb_window` WHERE `k` IS NOT NULL) `cdb_keys`');
    const scaleZero: SourcePlan = { columns: [column('k', 'decimal(38,0)')], skipped: [] };
    expect(hashBucketsStatement(scaleZero, { kind: 'table', table: 't' }, 'd', { column: 'k', origin: '0', width: '1' })).toContain('SELECT CAST(`k` AS DECIMAL(38,0)) - ');
  });

  it('refuses keys, columns and geometries it cannot bucket or hash exactly', () => {
    const plan: SourcePlan = {
      columns: [column('id', 'int'), column('ratio', 'double'), column('tags', 'array'), column('ts', 'timestamp')],
      skipped: [column('u', 'uniontype')],
    };
    const statement = (column: string, origin = '0', width = '10', p = plan) => () => hashBucketsStatement(p, { kind: 'table', table: 't' }, 'd', { column, origin, width });
    expect(statement('ratio')).toThrow(/"ratio" \(Hive double\) cannot be the key of a merge without a cursor/);
    expect(statement('ts')).toThrow(/"ts" \(Hive timestamp\) cannot be the key/);
    expect(statement('u')).toThrow(/not imported, so it cannot be the key of a merge/);
    expect(statement('nope')).toThrow(/"nope" is not a column of the Hive source; check the primary_key parameter/);
    expect(statement('id')).toThrow(/"tags" \(Hive array\) cannot be hashed by Hive/);
    const flat: SourcePlan = { columns: [column('id', 'int')], skipped: [] };
    expect(statement('id', "0') OR ('1", '10', flat)).toThrow(/origin must be an integer/);
    expect(statement('id', '0', '1.5', flat)).toThrow(/width must be an integer/);
    expect(statement('id', '0', '0', flat)).toThrow(/width 0 must be at least 1/);
    expect(statement('id', '0', '-10', flat)).toThrow(/width -10 must be at least 1/);
    expect(statement('id', '1'.repeat(39), '1', flat)).toThrow(/at most 38 digits/);
    expect(statement('id', '-' + '9'.repeat(38), '1', flat)()).toContain(`CAST('-${'9'.repeat(38)}' AS DECIMAL(38,0))`);
  });
});
