/**
 * rows/lossy-casts.ts (SPEC §14): which (built-in local type, user `to`) pairs PostgreSQL would
 * store changed without an error. Each verdict was measured through COPY on PostgreSQL 15
 * (test/e2e/cast-rules-mysql.test.ts checks a few against a real load).
 */
import { describe, expect, it } from 'vitest';
import { lossOf } from '../../src/rows/lossy-casts.js';

const LOSSY: Array<[string, string, RegExp]> = [
  ['numeric(14,4)', 'numeric(12,2)', /round values to 2 decimal places/],
  ['numeric', 'numeric(12,2)', /2 decimal places/],
  ['double precision', 'numeric(20,4)', /4 decimal places/],
  ['double precision', 'real', /6 significant digits/],
  ['bigint', 'real', /real/],
  ['integer', 'real', /real/],
  ['numeric(10,2)', 'real', /real/],
  ['bigint', 'double precision', /15 significant digits/],
  ['numeric(20,0)', 'double precision', /double precision/],
  ['timestamp(6)', 'timestamp(0)', /fractional seconds to 0 digits/],
  ['timestamp', 'timestamp(3)', /3 digits/],
  ['timestamptz(6)', 'timestamptz(3)', /3 digits/],
  ['time(3)', 'time(0)', /0 digits/],
  ['timestamp(0)', 'date', /time of day/],
  ['timestamptz', 'date', /time of day/],
  ['timestamptz(3)', 'timestamp(3)', /time zone offset/],
  ['timestamp with time zone', 'timestamp without time zone', /time zone offset/],
  ['timestamptz', 'time', /drop the date/],
  ['timestamp', 'timetz', /drop the date/],
  ['interval', 'interval hour to minute', /interval fields/],
  ['text', 'char(10)', /pad values with spaces to 10/],
  ['varchar(20)', 'character(20)', /char\(n\)/],
  ['numeric(12,4)', 'money', /2 decimal places/],
];

const KEPT_OR_REFUSED: Array<[string, string]> = [
  ['bigint', 'integer'], ['integer', 'smallint'], ['numeric(10,2)', 'integer'], ['double precision', 'bigint'],
  ['text', 'varchar(10)'], ['smallint', 'boolean'], ['text', 'date'], ['text', 'numeric(12,2)'], ['text', 'timestamp(0)'],
  ['numeric(12,2)', 'numeric(14,2)'], ['numeric(14,4)', 'numeric(12,4)'], ['integer', 'numeric(5,2)'], ['numeric(12,2)', 'numeric'],
  ['smallint', 'real'], ['real', 'double precision'], ['integer', 'double precision'], ['double precision', 'numeric'],
  ['timestamp(0)', 'timestamp(6)'], ['timestamp(3)', 'timestamptz(3)'], ['date', 'timestamptz'], ['timestamp', 'timestamptz'],
  ['date', 'timestamp'], ['time', 'timetz'], ['jsonb', 'text'], ['bytea', 'text'], ['boolean', 'integer'], ['uuid', 'text'],
  ['numeric(12,2)', 'numeric(12,2)'], ['char(3)', 'char(3)'], ['varchar(20)', 'text'], ['text', 'jsonb'], ['integer[]', 'text'],
  ['geometry(Point,4326)', 'geometry'], ['bit(3)', 'bit(2)'],
];

describe('lossOf', () => {
  it.each(LOSSY)('%s → %s is lossy', (from, to, why) => {
    expect(lossOf(from, to)).toMatch(why);
  });

  it.each(KEPT_OR_REFUSED)('%s → %s keeps every value or refuses it', (from, to) => {
    expect(lossOf(from, to)).toBeUndefined();
  });

  it('what does not parse is not judged (the caller refuses an unknown `to`)', () => {
    expect(lossOf('int); drop', 'real')).toBeUndefined();
  });
});
