/**
 * rows/user-casts.ts and sidecar/request-casts.ts (SPEC §14): which column a user rule matches,
 * in which order the rules are tried, what a matched column keeps of its built-in rule (the
 * decoder), and the 1502 refusals named after the rule.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/errors.js';
import { decideCast as mysqlCast, type RemoteColumn } from '../../src/providers/mysql/cast-rules.js';
import { PG_TYPE_WORDS } from '../../src/providers/postgres/cast-rules.js';
import { decideColumn, findUserCast, typeMatches, withTimeZone, type UserCast } from '../../src/rows/user-casts.js';
import { userCastsOf, withSettingCasts } from '../../src/sidecar/request-casts.js';
import type { SourceRequest } from '../../src/providers/provider.js';

const cast = (label: string, rule: Omit<UserCast, 'label'>): UserCast => ({ label, ...rule });
const mysql = (name: string, dataType: string, columnType: string, extra: Partial<RemoteColumn> = {}): RemoteColumn =>
  ({ name, dataType, columnType, unsigned: /unsigned/.test(columnType), ...extra });

function thrown(fn: () => unknown): ConnectorError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConnectorError) return err;
    throw err;
  }
  throw new Error('expected a ConnectorError');
}

describe('typeMatches', () => {
  it.each([
    ['tinyint(1)', 'tinyint(1)', true], ['TINYINT(1)', 'tinyint(1)', true], ['tinyint(1)', 'tinyint(4)', false],
    ['tinyint(1)', 'tinyint(1) unsigned', false], ['tinyint', 'tinyint(1)', true], ['datetime', 'datetime(6)', true],
    ['datetime', 'datetime', true], ['decimal', 'decimal(10,2) unsigned', true], ['decimal(10, 2)', 'decimal(10,2)', true],
    ['int unsigned', 'int(10) unsigned', true], ['int unsigned', 'int(11)', false], ['int', 'int(10) unsigned', true],
    ['int', 'bigint(20)', false], ['datetime2(7)', 'datetime2(7)', true], ['datetime2', 'datetime2(3)', true],
  ])('%s ~ %s: %s', (rule, remote, expected) => {
    expect(typeMatches(rule, remote)).toBe(expected);
  });

  it.each([
    ['varchar', 'character varying(20)', true], ['varchar(20)', 'character varying(20)', true], ['int4', 'integer', true],
    ['int', 'integer', true], ['timestamptz', 'timestamp(3) with time zone', true], ['timestamp', 'timestamp(3) with time zone', false],
    ['timestamp', 'timestamp without time zone', true], ['double precision', 'double precision', true], ['float8', 'double precision', true],
    ['int4[]', 'integer[]', true], ['mood', 'mood', true], ['numeric(12,2)', 'numeric(12,3)', false],
  ])('postgres: %s ~ %s: %s', (rule, remote, expected) => {
    expect(typeMatches(rule, remote, PG_TYPE_WORDS)).toBe(expected);
  });

  it('a column rule matches the name exactly (case and all), first match wins', () => {
    const casts = [cast('casts[1]', { column: 'Price', to: 'text' }), cast('casts[2]', { type: 'decimal', to: 'numeric' }), cast('casts[3]', { column: 'price', to: 'real' })];
    expect(findUserCast(casts, { name: 'price', remoteType: 'decimal(10,2)' })?.label).toBe('casts[2]');
    expect(findUserCast(casts, { name: 'Price', remoteType: 'decimal(10,2)' })?.label).toBe('casts[1]');
    expect(findUserCast(casts, { name: 'other', remoteType: 'int' })).toBeUndefined();
  });
});

describe('decideColumn through the MySQL table', () => {
  const ctx = (casts: UserCast[]) => ({ targetPostgis: false, casts });

  it('tinyint(1) → boolean: the local type changes, the (absent) decoder stays, the rule is named', () => {
    const decided = mysqlCast(mysql('flag', 'tinyint', 'tinyint(1)'), ctx([cast('casts[1]', { type: 'tinyint(1)', to: 'boolean' })]));
    expect(decided).toEqual({ cast: { localType: 'boolean', userCast: { label: 'casts[1]', builtInType: 'smallint' } }, rule: 'casts[1]: tinyint(1) → boolean' });
  });

  it('BIT(1) keeps its bit-boolean decoder under a user rule; a bit(5) → text keeps bit-string', () => {
    const rules = ctx([cast('casts[1]', { type: 'bit', to: 'text' })]);
    expect(mysqlCast(mysql('b', 'bit', 'bit(1)', { length: 1 }), rules)).toMatchObject({ cast: { localType: 'text', decoder: 'bit-boolean' } });
    expect(mysqlCast(mysql('b5', 'bit', 'bit(5)', { length: 5 }), rules)).toMatchObject({ cast: { localType: 'text', decoder: 'bit-string', userCast: { builtInType: 'bit(5)' } } });
  });

  it('a lossy rule fails with 1502 naming the rule, the column and the loss; "lossy": true accepts it', () => {
    const column = mysql('d', 'double', 'double');
    const err = thrown(() => mysqlCast(column, ctx([cast('casts[2]', { type: 'double', to: 'real' })])));
    expect([err.code, err.message]).toEqual([1502,
      'casts[2] {"type": "double", "to": "real"} would round values to about 6 significant digits (real): add "lossy": true to accept it (column "d", double, imported as double precision without the rule)']);
    expect(mysqlCast(column, ctx([cast('casts[2]', { type: 'double', to: 'real', lossy: true })]))).toMatchObject({ cast: { localType: 'real' } });
  });

  it('datetime → timestamptz: the zone of the rule, or UTC without one; a zone for a column with instants is refused', () => {
    const dt = mysql('seen', 'datetime', 'datetime(3)', { fsp: 3 });
    expect(mysqlCast(dt, ctx([cast('casts[1]', { type: 'datetime', to: 'timestamptz(3)', timeZone: 'Europe/Madrid' })])))
      .toMatchObject({ cast: { localType: 'timestamptz(3)', decoder: 'datetime', userCast: { timeZone: 'Europe/Madrid' } }, rule: 'casts[1]: datetime → timestamptz(3) (wall-clock values in Europe/Madrid)' });
    expect(mysqlCast(dt, ctx([cast('casts[1]', { type: 'datetime', to: 'timestamptz' })]))).toMatchObject({ cast: { userCast: { timeZone: 'UTC' } } });
    const ts = mysql('at', 'timestamp', 'timestamp', { fsp: 0 });
    expect(thrown(() => mysqlCast(ts, ctx([cast('cast_rules[1]', { type: 'timestamp', to: 'timestamptz', timeZone: 'Europe/Madrid' })]))).message)
      .toMatch(/^cast_rules\[1\] .* gives a "time_zone", but the column does not hold wall-clock times/);
  });

  it('a column the built-in table skips stays skipped, and says which rule could not take it', () => {
    expect(mysqlCast(mysql('shape', 'geometry', 'geometry'), ctx([cast('casts[1]', { column: 'shape', to: 'text' })])))
      .toEqual({ reason: 'spatial types skipped without PostGIS in the target (casts[1] cannot import it: no rule knows how to read its values)' });
  });

  it('a PostGIS type without PostGIS in the target is refused', () => {
    expect(thrown(() => mysqlCast(mysql('wkt', 'text', 'text'), ctx([cast('casts[1]', { column: 'wkt', to: 'geometry' })]))).message).toMatch(/PostGIS is not installed/);
  });

  it('no rule for the column: the built-in decision, unchanged', () => {
    const builtIn = decideColumn(undefined, () => 'no rule maps x', { name: 'x', remoteType: 'x' }, { targetPostgis: false, casts: [] });
    expect(builtIn).toEqual({ reason: 'no rule maps x' });
  });
});

describe('withTimeZone', () => {
  it('appends the zone to strings and bytes, keeps NULL, and is the converter itself without a zone', () => {
    const id = (v: unknown) => v as string;
    expect(withTimeZone(id, undefined)).toBe(id);
    expect(withTimeZone(null, undefined)).toBeNull();
    const zoned = withTimeZone<Buffer, Buffer | null>(null, 'Europe/Madrid')!;
    expect(zoned(Buffer.from('2024-03-31 02:30:00'), 1)?.toString()).toBe('2024-03-31 02:30:00 Europe/Madrid');
    expect(withTimeZone<unknown, string | null>(() => null, 'UTC')!('x', 1)).toBeNull();
    expect(withTimeZone<unknown, string>(id, 'UTC')!('2024-01-01', 1)).toBe('2024-01-01 UTC');
  });
});

describe('request casts: the job\'s, then the setting\'s for the provider', () => {
  const request: SourceRequest = { provider: 'mysql', connection: { server: 'h', port: 1, database: 'd' } };

  it('labels keep the place in their list; the setting\'s rules of other providers are left out; to is canonical', () => {
    const job = userCastsOf([{ type: 'tinyint(1)', to: 'BOOLEAN' }, { column: 'price', to: 'NUMERIC(12, 2)' }], 'casts');
    const merged = withSettingCasts({ ...request, casts: job }, [
      { type: 'int', to: 'bigint', provider: 'postgres' }, { type: 'datetime', to: 'timestamptz', time_zone: 'Europe/Madrid', provider: 'mysql' }, { column: 'x', to: 'text', lossy: true },
    ]);
    expect(merged.casts).toEqual([
      { label: 'casts[1]', type: 'tinyint(1)', to: 'boolean' },
      { label: 'casts[2]', column: 'price', to: 'numeric(12,2)' },
      { label: 'cast_rules[2]', type: 'datetime', to: 'timestamptz', timeZone: 'Europe/Madrid' },
      { label: 'cast_rules[3]', column: 'x', to: 'text', lossy: true },
    ]);
    expect(withSettingCasts(request, [])).toBe(request);
  });

  it('a time_zone must be a zone name, which reads the same appended to a value as in AT TIME ZONE; a bare offset (opposite sign there) or a POSIX rule is refused (1502)', () => {
    for (const zone of ['Europe/Madrid', 'UTC', 'Etc/GMT-3', 'EST', 'America/Argentina/Buenos_Aires']) {
      expect(userCastsOf([{ type: 'datetime', to: 'timestamptz', time_zone: zone }], 'casts')[0]!.timeZone).toBe(zone);
    }
    for (const zone of ['+03', '-05:00', '3', 'EST5EDT,M3.2.0,M11.1.0', 'Europe/Madrid\t', "x'"]) {
      const err = thrown(() => userCastsOf([{ type: 'datetime', to: 'timestamptz', time_zone: zone }], 'cast_rules'));
      expect([err.code, err.message.startsWith('The "time_zone" of cast_rules[1]')], zone).toEqual([1502, true]);
    }
  });

  it('a `to` that is not a plain built-in type name never reaches a provider (1502)', () => {
    for (const to of ['int); drop table x; --', 'public.mytype', '"numeric"', 'numeric(12,2) collate "C"']) {
      expect(thrown(() => userCastsOf([{ column: 'a', to }], 'casts')).code, to).toBe(1502);
    }
  });
});
