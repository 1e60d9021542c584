/**
 * Issue 17: the SQL Server cast table goes through the shared matcher (rows/cast-rules.ts), the
 * request's encoding and the target's PostGIS deciding between rules of the same type.
 */
import { describe, expect, it } from 'vitest';
import { castColumn, resolveCast, SQLSERVER_CAST_RULES, type RemoteColumn } from '../../../src/providers/sqlserver/cast-rules.js';

const column = (dataType: string, extra: Partial<RemoteColumn> = {}): RemoteColumn => ({ name: 'c', dataType, remoteType: dataType, ...extra });
const plain = { hasEncoding: false, targetPostgis: false };

describe('sqlserver cast rules', () => {
  it('maps types to local types, the first matching rule winning', () => {
    expect(resolveCast(column('decimal', { precision: 30, scale: 10 }))).toBe('numeric(30,10)');
    expect(resolveCast(column('money'))).toBe('numeric(19,4)');
    expect(resolveCast(column('nvarchar', { length: -1 }))).toBe('text');
    expect(resolveCast(column('varchar', { length: 20 }))).toBe('varchar(20)');
    expect(resolveCast(column('datetimeoffset', { scale: 7 }))).toBe('timestamptz');
    expect(resolveCast(column('xml'))).toBeNull();
    expect(resolveCast(column('sql_variant'))).toBeNull();
  });

  it('reads non-Unicode text as bytes only with an encoding', () => {
    const bytes = castColumn(column('varchar', { length: 20 }), { ...plain, hasEncoding: true })!;
    expect([bytes.localType, bytes.rule.select?.('[c]', column('varchar'))]).toEqual(['varchar(20)', 'CONVERT(varbinary(max), [c])']);
    expect(castColumn(column('varchar', { length: 20 }), plain)!.rule.select).toBeUndefined();
  });

  it('keeps spatial columns only when the target has PostGIS', () => {
    expect(castColumn(column('geography'), plain)).toBeNull();
    expect(castColumn(column('geography'), { ...plain, targetPostgis: true })?.localType).toBe('geometry');
    expect(resolveCast(column('geography'), { ...plain, targetPostgis: true }, SQLSERVER_CAST_RULES.filter((r) => !r.types.includes('geography')))).toBeNull();
  });
});
