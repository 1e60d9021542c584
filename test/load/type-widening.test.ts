/**
 * Issue 19 item 1 (SPEC §14): which type changes on_schema_change "evolve" applies in place
 * (widensInPlace, src/load/type-widening.ts), on format_type spellings. Every widening here keeps
 * every value exact; every refusal is a change that could lose or alter a value.
 */
import { describe, expect, it } from 'vitest';
import { widensInPlace } from '../../src/load/type-widening.js';

describe('widensInPlace', () => {
  it.each([
    ['smallint', 'integer'], ['integer', 'bigint'], ['smallint', 'bigint'],
    ['integer', 'numeric'], ['bigint', 'numeric'], ['integer', 'numeric(10,0)'], ['bigint', 'numeric(21,2)'], ['smallint', 'numeric(5,0)'],
    ['smallint', 'double precision'], ['integer', 'double precision'], ['smallint', 'real'],
    ['numeric(10,2)', 'numeric(14,2)'], ['numeric(10,2)', 'numeric(12,4)'], ['numeric(10,2)', 'numeric'], ['numeric(5,-2)', 'numeric(7,0)'],
    ['real', 'double precision'],
    ['character varying(10)', 'character varying(50)'], ['character varying(10)', 'character varying'], ['character varying(10)', 'text'],
    ['character varying', 'text'], ['text', 'character varying'],
    ['character(10)', 'character varying(10)'], ['character(10)', 'text'], ['character(3)', 'character(5)'], ['bpchar', 'text'],
    ['bit(3)', 'bit varying(3)'], ['bit varying(3)', 'bit varying(8)'], ['bit varying(3)', 'bit varying'],
    ['timestamp(3) without time zone', 'timestamp(6) without time zone'], ['timestamp(0) without time zone', 'timestamp without time zone'],
    ['timestamp(3) with time zone', 'timestamp with time zone'], ['time(0) without time zone', 'time(3) without time zone'],
    ['time(2) with time zone', 'time(4) with time zone'],
    ['integer[]', 'bigint[]'], ['character varying(5)[][]', 'text[][]'],
  ])('%s → %s widens in place', (from, to) => {
    expect(widensInPlace(from, to)).toBe(true);
  });

  it.each([
    ['integer', 'integer'], ['bigint', 'integer'], ['integer', 'smallint'],
    ['integer', 'numeric(9,0)'], ['bigint', 'numeric(20,2)'], ['integer', 'numeric(12,-1)'], ['bigint', 'double precision'], ['integer', 'real'],
    ['numeric(10,2)', 'numeric(10,3)'], ['numeric(10,2)', 'numeric(12,1)'], ['numeric(10,2)', 'numeric(11,4)'], ['numeric', 'numeric(20,4)'],
    ['numeric(10,2)', 'integer'], ['double precision', 'real'], ['real', 'numeric'],
    ['character varying(50)', 'character varying(10)'], ['text', 'character varying(10)'], ['character varying(5)', 'character(5)'],
    ['text', 'bpchar'], ['character(10)', 'character varying(5)'],
    ['timestamp(6) without time zone', 'timestamp(3) without time zone'], ['timestamp without time zone', 'timestamp with time zone'],
    ['timestamp with time zone', 'timestamp without time zone'], ['date', 'timestamp without time zone'], ['time without time zone', 'time with time zone'],
    ['integer', 'character varying(10)'], ['integer', 'text'], ['json', 'jsonb'], ['boolean', 'integer'],
    ['integer[]', 'bigint'], ['integer', 'bigint[]'], ['integer[]', 'bigint[][]'],
    ['public.geometry(Point,4326)', 'public.geometry'], ['"my type"', 'text'],
  ])('%s → %s is a retype', (from, to) => {
    expect(widensInPlace(from, to)).toBe(false);
  });
});
