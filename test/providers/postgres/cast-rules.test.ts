/**
 * The cast rules and the binary fast-path rules as data, for the cases a single test server
 * cannot show (PostgreSQL 15+ numeric scales, PostGIS in another schema, version pairs).
 */
import { describe, expect, it } from 'vitest';
import { binaryCopyAllowed } from '../../../src/providers/postgres/binary-types.js';
import { POSTGRES_CAST_RULES, resolveCast, typeKey, type CastRule, type ElementType, type RemoteColumn } from '../../../src/providers/postgres/cast-rules.js';
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

  it('user-defined and catalog types, enums and composites become text, cast in the SELECT', () => {
    const text = { localType: 'text', selectCast: 'pg_catalog.text' };
    expect(resolveCast(column({ typeName: 'citext', typeSchema: 'public', baseType: 'citext' }), noGis)).toEqual(text);
    expect(resolveCast(column({ typeName: 'char', baseType: '"char"' }), noGis)).toEqual(text);
    expect(resolveCast(column({ typeName: 'name', baseType: 'name' }), noGis)).toEqual(text);
    expect(resolveCast(column({ typeName: 'regclass', baseType: 'regclass' }), noGis)).toEqual(text);
    expect(resolveCast(column({ typeName: 'mood', typeSchema: 'public', typtype: 'e', baseType: 'mood' }), noGis)).toEqual(text);
    expect(resolveCast(column({ typeName: 'pair', typeSchema: 'public', typtype: 'c', baseType: 'pair' }), noGis)).toEqual(text);
    expect(resolveCast(column({ typeName: 'floatrange', typeSchema: 'public', typtype: 'r', baseType: 'floatrange' }), noGis)).toEqual(text);
    expect(resolveCast(column({ typeName: 'money', baseType: 'money' }), noGis)).toEqual({ localType: 'numeric', selectCast: 'pg_catalog.numeric' });
  });

  it('keeps xml, the geometric types, tsvector, tsquery, pg_lsn and the built-in ranges as they are', () => {
    for (const t of ['xml', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle', 'tsvector', 'tsquery', 'pg_lsn']) {
      expect(resolveCast(column({ typeName: t, baseType: t }), noGis)).toEqual({ localType: t });
    }
    for (const t of ['int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'daterange']) {
      expect(resolveCast(column({ typeName: t, typtype: 'r', category: 'R', baseType: t }), noGis)).toEqual({ localType: t });
    }
  });

  it('keeps multiranges only for a PostgreSQL 14+ target', () => {
    const multi = column({ typeName: 'datemultirange', typtype: 'm', category: 'R', baseType: 'datemultirange' });
    expect(resolveCast(multi, { ...noGis, targetVersionNum: 140000 })).toEqual({ localType: 'datemultirange' });
    expect(resolveCast(multi, { ...noGis, targetVersionNum: 130010 })).toEqual({ localType: 'text', selectCast: 'pg_catalog.text' });
    expect(resolveCast(multi, noGis)).toEqual({ localType: 'text', selectCast: 'pg_catalog.text' });
  });

  it('keeps arrays of kept types with the element\'s modifiers; arrays of enums and user types become text', () => {
    const element = (over: Partial<ElementType>): ElementType => ({ typeName: 'x', typeSchema: 'pg_catalog', typtype: 'b', category: 'U', baseType: 'x', typmod: -1, domain: false, ...over });
    const array = (el: Partial<ElementType>, over: Partial<RemoteColumn> = {}) => column({ typeName: `_${el.typeName}`, category: 'A', element: element(el), ...over });
    expect(resolveCast(array({ typeName: 'int4', baseType: 'integer' }), noGis)).toEqual({ localType: 'integer[]' });
    expect(resolveCast(array({ typeName: 'numeric', category: 'N', baseType: 'numeric(10,2)', typmod: numericTypmod(10, 2) }), noGis)).toEqual({ localType: 'numeric(10,2)[]' });
    expect(resolveCast(array({ typeName: 'numeric', category: 'N', baseType: 'numeric(5,-2)', typmod: numericTypmod(5, -2) }), noGis)).toEqual({ localType: 'numeric[]' });
    expect(resolveCast(array({ typeName: 'timestamptz', baseType: 'timestamp(3) with time zone' }), noGis)).toEqual({ localType: 'timestamp(3) with time zone[]' });
    expect(resolveCast(array({ typeName: 'int4range', typtype: 'r', baseType: 'int4range' }), noGis)).toEqual({ localType: 'int4range[]' });
    // an array of a domain carries the domain's OID in its binary form: cast to the base type's array
    expect(resolveCast(array({ typeName: 'int4', baseType: 'integer', domain: true }), noGis)).toEqual({ localType: 'integer[]', selectCast: 'pg_catalog.int4[]' });
    const geometry = { typeName: 'geometry', typeSchema: 'postgis', baseType: 'postgis.geometry(Point,4326)' };
    expect(resolveCast(array(geometry), gis)).toEqual({ localType: 'geometry(Point,4326)[]' });
    const text = { localType: 'text', selectCast: 'pg_catalog.text' };
    expect(resolveCast(array(geometry), noGis)).toEqual(text);
    expect(resolveCast(array({ typeName: 'mood', typeSchema: 'public', typtype: 'e', baseType: 'mood' }), noGis)).toEqual(text);
    expect(resolveCast(array({ typeName: 'name', baseType: 'name' }), noGis)).toEqual(text);
    expect(resolveCast(array({ typeName: 'money', baseType: 'money' }), noGis)).toEqual(text);
    expect(resolveCast(array({ typeName: 'datemultirange', typtype: 'm', baseType: 'datemultirange' }), { ...noGis, targetVersionNum: 150000 })).toEqual({ localType: 'datemultirange[]' });
    expect(resolveCast(array({ typeName: 'datemultirange', typtype: 'm', baseType: 'datemultirange' }), noGis)).toEqual(text);
    // int2vector and oidvector are category A but not arrays (catalog.ts gives them no element)
    expect(resolveCast(column({ typeName: 'int2vector', category: 'A', baseType: 'int2vector' }), noGis)).toEqual(text);
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
      'bit varying(8)', 'geometry(Point,4326)', 'geography', 'xml', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle',
      'tsvector', 'tsquery', 'pg_lsn', 'int4range', 'tstzrange', 'datemultirange', 'integer[]', 'numeric(10,2)[]',
      'timestamp with time zone[]', 'int4range[]', 'text[]');
    expect(binaryCopyAllowed(all, server(150000), target(150000))).toBe(true);
  });

  it('refuses arrays of PostGIS types, whose element OIDs differ between databases', () => {
    expect(binaryCopyAllowed(plan('geometry(Point,4326)[]'), server(150000), target(150000))).toBe(false);
    expect(binaryCopyAllowed(plan('geography[]'), server(150000), target(150000))).toBe(false);
    expect(binaryCopyAllowed(plan('interval[]'), server(170000), target(160000))).toBe(false);
  });

  it('refuses float datetimes, unknown types, and PostgreSQL 17 intervals into an older target', () => {
    expect(binaryCopyAllowed(plan('integer'), server(90600, false), target(150000))).toBe(false);
    expect(binaryCopyAllowed(plan('integer', 'citext'), server(150000), target(150000))).toBe(false);
    expect(binaryCopyAllowed(plan('integer', 'mood'), server(150000), target(150000))).toBe(false);
    expect(binaryCopyAllowed(plan('interval'), server(170000), target(160000))).toBe(false);
    expect(binaryCopyAllowed(plan('interval'), server(170000), undefined)).toBe(false);
    expect(binaryCopyAllowed(plan('interval'), server(170000), target(170002))).toBe(true);
    expect(binaryCopyAllowed(plan('integer'), server(170000), target(120000))).toBe(true);
  });
});
