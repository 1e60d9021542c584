/**
 * HiveQL fixtures and the exact values the provider must produce from them (CopyValue text, as
 * test/helpers/collect-rows.ts collects it). Plain HiveQL that a real Hive 4 accepts too: values
 * that a literal would round (BIGINT/DECIMAL extremes, FLOAT) are written as CASTs from strings.
 */

export const EDGE_VALUES_HIVEQL = String.raw`
DROP TABLE IF EXISTS edge_values;
CREATE TABLE edge_values (
  id INT, c_boolean BOOLEAN, c_tinyint TINYINT, c_smallint SMALLINT, c_int INT, c_bigint BIGINT,
  c_float FLOAT, c_double DOUBLE, c_decimal DECIMAL(38,10), c_string STRING, c_varchar VARCHAR(10), c_char CHAR(5),
  c_date DATE, c_timestamp TIMESTAMP, c_binary BINARY,
  c_array ARRAY<INT>, c_map MAP<STRING,INT>, c_struct STRUCT<a:INT,b:STRING>, c_map_int MAP<INT,STRING>,
  c_nested ARRAY<STRUCT<k:STRING,v:ARRAY<BIGINT>>>, c_union UNIONTYPE<INT,STRING>);
INSERT INTO edge_values VALUES
 (1, true, CAST('127' AS TINYINT), CAST('32767' AS SMALLINT), CAST('2147483647' AS INT), CAST('9223372036854775807' AS BIGINT),
  CAST('3.4028235E38' AS FLOAT), CAST('1.7976931348623157E308' AS DOUBLE), CAST('9999999999999999999999999999.9999999999' AS DECIMAL(38,10)),
  'tab\there\nnew line\\back \'q\' "dq" 🎉', 'abcdefghij', 'ab', CAST('9999-12-31' AS DATE),
  CAST('2024-01-02 03:04:05.123456789' AS TIMESTAMP), unhex('00FF0A5C'),
  array(1,2,3), map('a',1,'b',2), named_struct('a',1,'b','x"y'), map(1,'one',2,'two'),
  array(named_struct('k','tab\tkey','v',array(CAST('9223372036854775807' AS BIGINT), CAST('-1' AS BIGINT)))), NULL),
 (2, false, CAST('-128' AS TINYINT), CAST('-32768' AS SMALLINT), CAST('-2147483648' AS INT), CAST('-9223372036854775808' AS BIGINT),
  CAST('1.4E-45' AS FLOAT), CAST('4.9E-324' AS DOUBLE), CAST('-9999999999999999999999999999.9999999999' AS DECIMAL(38,10)),
  '', '', '', CAST('0001-01-01' AS DATE), CAST('1970-01-01 00:00:00' AS TIMESTAMP), CAST('' AS BINARY),
  array(0), map('',0), named_struct('a',-1,'b',''), map(-1,''),
  array(named_struct('k','','v',array(CAST('0' AS BIGINT)))), NULL),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, true, CAST('0' AS TINYINT), CAST('0' AS SMALLINT), CAST('0' AS INT), CAST('0' AS BIGINT),
  CAST('0.1' AS FLOAT), CAST('0.1' AS DOUBLE), CAST('0.0000000001' AS DECIMAL(38,10)),
  'back\\slash\rcr ünï', 'ünïcødé', 'é', CAST('2024-02-29' AS DATE),
  CAST('2024-12-31 23:59:59.9999995' AS TIMESTAMP), unhex('5C'),
  array(CAST(NULL AS INT), 7), map('k\\"', CAST(NULL AS INT)), named_struct('a',CAST(NULL AS INT),'b','tab\there'), map(0,'zero'),
  array(named_struct('k','\\','v',array(CAST('-9223372036854775808' AS BIGINT)))), NULL),
 (5, false, CAST('1' AS TINYINT), CAST('1' AS SMALLINT), CAST('1' AS INT), CAST('9007199254740993' AS BIGINT),
  CAST('1.5' AS FLOAT), CAST('-2.5E-10' AS DOUBLE), CAST('12345.6789' AS DECIMAL(38,10)),
  'x', 'x', 'x', CAST('2000-01-01' AS DATE), CAST('2000-01-01 00:00:00.123456000' AS TIMESTAMP), unhex('FF'),
  array(1), map('x',1), named_struct('a',1,'b','x'), map(1,'x'), array(named_struct('k','x','v',array(CAST('1' AS BIGINT)))), NULL);
DROP VIEW IF EXISTS edge_view;
CREATE VIEW edge_view AS SELECT id, c_bigint FROM edge_values;
DROP TABLE IF EXISTS labels;
CREATE TABLE labels (id INT, label STRING);
INSERT INTO labels VALUES (1, 'one'), (2, 'two'), (4, 'four');
`;

/** Column order of edge_values without the skipped UNIONTYPE column. */
export const EDGE_COLUMNS = [
  ['id', 'int', 'integer'], ['c_boolean', 'boolean', 'boolean'], ['c_tinyint', 'tinyint', 'smallint'], ['c_smallint', 'smallint', 'smallint'],
  ['c_int', 'int', 'integer'], ['c_bigint', 'bigint', 'bigint'], ['c_float', 'float', 'real'], ['c_double', 'double', 'double precision'],
  ['c_decimal', 'decimal(38,10)', 'numeric(38,10)'], ['c_string', 'string', 'text'], ['c_varchar', 'varchar(10)', 'varchar(10)'],
  ['c_char', 'char(5)', 'varchar(5)'], ['c_date', 'date', 'date'], ['c_timestamp', 'timestamp', 'timestamp'], ['c_binary', 'binary', 'bytea'],
  ['c_array', 'array', 'jsonb'], ['c_map', 'map', 'jsonb'], ['c_struct', 'struct', 'jsonb'], ['c_map_int', 'map', 'jsonb'], ['c_nested', 'array', 'jsonb'],
] as const;

/** Rows by id, values in EDGE_COLUMNS order, exactly as CopyValue text. */
export const EDGE_EXPECTED: Record<number, Array<string | null>> = {
  1: ['1', 't', '127', '32767', '2147483647', '9223372036854775807', '3.4028235e+38', '1.7976931348623157e+308',
    '9999999999999999999999999999.9999999999', 'tab\there\nnew line\\back \'q\' "dq" 🎉', 'abcdefghij', 'ab   ', '9999-12-31',
    '2024-01-02 03:04:05.123457', '\\x00ff0a5c', '[1,2,3]', '{"a":1,"b":2}', '{"a":1,"b":"x\\"y"}', '{"1":"one","2":"two"}',
    '[{"k":"tab\\tkey","v":[9223372036854775807,-1]}]'],
  2: ['2', 'f', '-128', '-32768', '-2147483648', '-9223372036854775808', '1e-45', '5e-324',
    '-9999999999999999999999999999.9999999999', '', '', '     ', '0001-01-01', '1970-01-01 00:00:00', '\\x',
    '[0]', '{"":0}', '{"a":-1,"b":""}', '{"-1":""}', '[{"k":"","v":[0]}]'],
  3: ['3', ...new Array<null>(19).fill(null)],
  4: ['4', 't', '0', '0', '0', '0', '0.1', '0.1', '0.0000000001', 'back\\slash\rcr ünï', 'ünïcødé', 'é    ', '2024-02-29',
    '2025-01-01 00:00:00.000000', '\\x5c', '[null,7]', '{"k\\\\\\"":null}', '{"a":null,"b":"tab\\there"}', '{"0":"zero"}',
    '[{"k":"\\\\","v":[-9223372036854775808]}]'],
  5: ['5', 'f', '1', '1', '1', '9007199254740993', '1.5', '-2.5e-10', '12345.6789000000', 'x', 'x', 'x    ', '2000-01-01',
    '2000-01-01 00:00:00.123456', '\\xff', '[1]', '{"x":1}', '{"a":1,"b":"x"}', '{"1":"x"}', '[{"k":"x","v":[1]}]'],
};

/** Column names that need quoting everywhere: a backtick, a double quote, a semicolon, a space, a reserved word. */
export const HOSTILE_HIVEQL = `
CREATE DATABASE IF NOT EXISTS hostile_db;
DROP TABLE IF EXISTS hostile_db.\`select\`;
CREATE TABLE hostile_db.\`select\` (\`we\`\`ird "col"\` INT, \`semi;colon\` STRING, \`space name\` STRING, \`from\` BIGINT);
INSERT INTO hostile_db.\`select\` VALUES (1, 'a;b', 'c d', CAST('-1' AS BIGINT)), (2, '--', '/*', CAST('2' AS BIGINT));
`;

/** `rows` rows (a power of ten) of (id, label, amount, flag) from a cross join of digits: one statement, any size. */
export function bigTableHiveQL(table: string, rows: number): string {
  const joins = Math.round(Math.log10(rows));
  const aliases = Array.from({ length: joins }, (_, i) => `d${i}`);
  const id = aliases.map((a, i) => (i === 0 ? `${a}.d` : `${10 ** i} * ${a}.d`)).join(' + ');
  return `
DROP TABLE IF EXISTS digits;
CREATE TABLE digits (d INT);
INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
DROP TABLE IF EXISTS ${table};
CREATE TABLE ${table} (id BIGINT, label STRING, amount DECIMAL(12,2), flag BOOLEAN);
INSERT INTO ${table} SELECT ${id}, concat('row-', CAST(d0.d AS STRING)), CAST(d0.d AS DECIMAL(12,2)), d0.d = 0
  FROM ${aliases.map((a) => `digits ${a}`).join(' CROSS JOIN ')};`;
}
