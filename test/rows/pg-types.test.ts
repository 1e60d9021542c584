/**
 * rows/pg-types.ts: every spelling of a built-in type reads as one typname, and the canonical
 * spelling written back is made of known names only (what a user cast's `to` becomes in CREATE TABLE).
 */
import { describe, expect, it } from 'vitest';
import { canonicalBarePgType, canonicalPgType, parsePgType } from '../../src/rows/pg-types.js';

describe('parsePgType', () => {
  it.each([
    ['integer', 'int4', []], ['INT', 'int4', []], ['int4', 'int4', []], ['bigint', 'int8', []],
    ['double precision', 'float8', []], ['float(24)', 'float4', []], ['float(53)', 'float8', []], ['float', 'float8', []],
    ['NUMERIC(12, 2)', 'numeric', ['12', '2']], ['decimal(10)', 'numeric', ['10']],
    ['character varying(20)', 'varchar', ['20']], ['char', 'bpchar', []], ['character(3)', 'bpchar', ['3']],
    ['timestamp(3) with time zone', 'timestamptz', ['3']], ['timestamp without time zone', 'timestamp', []],
    ['timestamptz', 'timestamptz', []], ['time(0) without time zone', 'time', ['0']], ['time with time zone', 'timetz', []],
    ['bit varying(5)', 'varbit', ['5']], ['interval hour to minute', 'interval', ['hour to minute']],
    ['pg_catalog.int8', 'int8', []], ['geometry(Point, 4326)', 'geometry', ['point', '4326']],
  ])('%s → %s %j', (expr, name, modifiers) => {
    expect(parsePgType(expr)).toMatchObject({ name, modifiers, known: true });
  });

  it('arrays, and names it does not know (kept, marked unknown)', () => {
    expect(parsePgType('integer[]')).toEqual({ name: 'int4', modifiers: [], array: true, known: true });
    expect(parsePgType('tsvector')).toEqual({ name: 'tsvector', modifiers: [], array: false, known: false });
  });

  it('refuses anything that is not a plain type name', () => {
    for (const bad of ['int); drop table x; --', 'public.mytype', '"numeric"', 'int /* x */', 'no such type', '', 'numeric(1;2)']) {
      expect(parsePgType(bad), bad).toBeUndefined();
    }
  });
});

describe('canonical spellings', () => {
  it.each([
    ['NUMERIC(12, 2)', 'numeric(12,2)'], ['int4', 'integer'], ['float8', 'double precision'], ['bool', 'boolean'],
    ['character varying(10)', 'varchar(10)'], ['timestamp(3) with time zone', 'timestamptz(3)'], ['bpchar(2)', 'char(2)'],
    ['varbit(4)', 'bit varying(4)'], ['interval(3)', 'interval(3)'], ['interval day to second(3)', 'interval day to second(3)'],
    ['int4[]', 'integer[]'], ['pg_catalog.text', 'text'],
  ])('%s → %s', (expr, canonical) => {
    expect(canonicalPgType(expr)).toBe(canonical);
  });

  it('without modifiers', () => {
    expect(canonicalBarePgType('timestamp(6) without time zone')).toBe('timestamp');
    expect(canonicalBarePgType('character varying(20)')).toBe('varchar');
  });
});
