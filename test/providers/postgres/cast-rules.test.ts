/**
 * The cast rules and the binary fast-path rules as data, for the cases a single test server
 * cannot show (PostgreSQL 15+ numeric scales, PostGIS in another schema, version pairs).
 */
import { describe, expect, it } from 'vitest';
import { binaryCopyAllowed } from '../../../src/providers/postgres/binary-types.js';
import { resolveCast, type RemoteColumn } from '../../../src/providers/postgres/cast-rules.js';
import type { ColumnPlan } from '../../../src/providers/provider.js';

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
