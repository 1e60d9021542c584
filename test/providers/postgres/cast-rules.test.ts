/**
 * The cast rules and the binary fast-path rules as data, for the cases a single test server
 * cannot show (PostgreSQL 15+ numeric scales, PostGIS in another schema, version pairs).
 */
import { describe, expect, it } from 'vitest';
import { binaryCopyAllowed } from '../../../src/providers/postgres/binary-types.js';
import { POSTGRES_CAST_RULES, resolveCast, typeKey, type CastRule, type RemoteColumn } from '../../../src/providers/postgres/cast-rules.js';
import type { ColumnPlan } from '../../../src/rows/plan.js';

const VARHDRSZ = 4;
const numericTypmod = (precision: number, scale: number) => ((precision << 16) | (scale & 0x7ff)) + VARHDRSZ;

function column(over: Partial<RemoteColumn>): RemoteColumn {
  return { name: 'c', remoteType: 'x', typeName: 'x', typeSchema: 'pg_catalog', typtype: 'b', category: 'U', baseType: 'x', typmod: -1, ...over };
}

const numeric = (precision: number, scale: number) => column({ typeName: 'numeric', category: 'N', baseType: `numeric(${precision},${scale})`, typmod: numericTypmod(precision, scale) });
const noGis = { targetPostgis: false };
const gis = { targetPostgis: true };

describe('postgres cast rules', () => {
  it('keeps numeric(p,s) and makes the PostgreSQL 15 scales (negative, larger than p) plain numeric', () => {
    expect(resolveCast(numeric(38, 10), noGis)).toEqual({ localType: 'numeric(38,10)' });
    expect(resolveCast(numeric(1000, 0), noGis)).toEqual({ localType: 'numeric(1000,0)' });
    expect(resolveCast(numeric(5, -2), noGis)).toEqual({ localType: 'numeric' });
    expect(resolveCast(numeric(3, 5), noGis)).toEqual({ localType: 'numeric' });
    expect(resolveCast(column({ typeName: 'numeric', baseType: 'numeric' }), noGis)).toEqual({ localType: 'numeric' });
  });

  it('PostGIS types from any schema: unqualified with their modifiers, or skipped', () => {
    const geom = column({ typeName: 'geometry', typeSchema: 'postgis', baseType: 'postgis.geometry(Point,4326)', remoteType: 'postgis.geometry(Point,4326)' });
    expect(resolveCast(geom, gis)).toEqual({ localType: 'geometry(Point,4326)' });
    expect(resolveCast(geom, noGis)).toBeNull();
    expect(resolveCast(column({ typeName: 'geography', typeSchema: 'public', baseType: 'geography' }), gis)).toEqual({ localType: 'geography' });
  });

  it('user-defined and unlisted built-in types become text, cast in the SELECT', () => {
    const text = { localType: 'text', selectCast: 'pg_catalog.text' };
    expect(resolveCast(column({ typeName: 'citext', typeSchema: 'public', baseType: 'citext' }), noGis)).toEqual(text);
    expect(resolveCast(column({ typeName: 'char', baseType: '"char"' }), noGis)).toEqual(text);
    expect(resolveCast(column({ typeName: 'xml', baseType: 'xml' }), noGis)).toEqual(text);
    expect(resolveCast(column({ typeName: '_int4', category: 'A', baseType: 'integer[]' }), noGis)).toEqual(text);
    expect(resolveCast(column({ typeName: 'mood', typeSchema: 'public', typtype: 'e', baseType: 'mood' }), noGis)).toEqual(text);
    expect(resolveCast(column({ typeName: 'money', baseType: 'money' }), noGis)).toEqual({ localType: 'numeric', selectCast: 'pg_catalog.numeric' });
  });

  it('a built-in type whose formatted name would not be a safe type expression falls back to text', () => {
    expect(resolveCast(column({ typeName: 'text', baseType: 'text collate "x"' }), noGis)).toEqual({ localType: 'text', selectCast: 'pg_catalog.text' });
  });
});

describe('postgres cast rules as data (the shared rows/cast-rules.ts matcher)', () => {
  it('built-in type names match only pg_catalog types: a user type called numeric is not the built-in one', () => {
    const impostor = column({ typeName: 'numeric', typeSchema: 'public', baseType: 'public."numeric"', typmod: numericTypmod(10, 2) });
    expect(typeKey(impostor)).toBe('public.numeric');
    expect(resolveCast(impostor, noGis)).toEqual({ localType: 'text', selectCast: 'pg_catalog.text' });
    expect(typeKey(numeric(10, 2))).toBe('numeric');
  });

  it('a rule put in front of the built-in table wins (SPEC §14 user casts)', () => {
    const int2 = column({ typeName: 'int2', baseType: 'smallint' });
    const rules: CastRule[] = [{ name: 'smallint → boolean', types: ['int2'], to: 'boolean', selectCast: 'pg_catalog.bool' }, ...POSTGRES_CAST_RULES];
    expect(resolveCast(int2, noGis)).toEqual({ localType: 'smallint' });
    expect(resolveCast(int2, noGis, rules)).toEqual({ localType: 'boolean', selectCast: 'pg_catalog.bool' });
    expect(resolveCast(int2, noGis, [{ types: ['int2'], to: null }])).toBeNull();
    expect(resolveCast(int2, noGis, [])).toBeNull();
  });
});

describe('binary COPY fast path', () => {
  const plan = (...types: string[]): ColumnPlan[] => types.map((localType, i) => ({ remoteName: `c${i}`, remoteType: localType, localType }));
  const server = (versionNum: number, integerDatetimes = true) => ({ versionNum, integerDatetimes, hasPostgis: false });
  const target = (serverVersionNum: number) => ({ postgis: false, serverVersionNum });

  it('allows every local type the rules produce', () => {
    const all = plan('smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric(12,2)', 'numeric', 'boolean', 'text',
      'character varying(20)', 'character(5)', 'bytea', 'uuid', 'json', 'jsonb', 'date', 'time(6) without time zone', 'time with time zone',
      'timestamp(3) without time zone', 'timestamp with time zone', 'interval', 'inet', 'cidr', 'macaddr', 'macaddr8', 'bit(4)',
      'bit varying(8)', 'geometry(Point,4326)', 'geography');
    expect(binaryCopyAllowed(all, server(150000), target(150000))).toBe(true);
  });

  it('refuses float datetimes, unknown types, and PostgreSQL 17 intervals into an older target', () => {
    expect(binaryCopyAllowed(plan('integer'), server(90600, false), target(150000))).toBe(false);
    expect(binaryCopyAllowed(plan('integer', 'point'), server(150000), target(150000))).toBe(false);
    expect(binaryCopyAllowed(plan('interval'), server(170000), target(160000))).toBe(false);
    expect(binaryCopyAllowed(plan('interval'), server(170000), undefined)).toBe(false);
    expect(binaryCopyAllowed(plan('interval'), server(170000), target(170002))).toBe(true);
    expect(binaryCopyAllowed(plan('integer'), server(170000), target(120000))).toBe(true);
  });
});
