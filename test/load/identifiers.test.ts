import { describe, expect, it } from 'vitest';
import { toLocalIdentifier, uniqueLocalIdentifiers } from '../../src/load/identifiers.js';

describe('local identifiers (SPEC §4)', () => {
  it.each([
    ['OrderID', 'orderid'],
    ['first name', 'first_name'],
    ['Café-Crème', 'caf__cr_me'],
    ['2024 sales', '_2024_sales'],
    ['select', 'select_'],
    ['SELECT', 'select_'],
    ['xmin', 'xmin_'],
    ['ctid', 'ctid_'],
    ['', 'unnamed_column'],
    ['a"; DROP TABLE x; --', 'a___drop_table_x____'],
    ['ÿ'.repeat(10), '__________'],
  ])('%j → %j', (remote, local) => {
    expect(toLocalIdentifier(remote)).toBe(local);
  });

  it('cuts names to 63 bytes', () => {
    const name = toLocalIdentifier('x'.repeat(70));
    expect(name).toBe('x'.repeat(63));
    expect(Buffer.byteLength(name)).toBe(63);
  });

  it('numbers collisions deterministically and keeps them within 63 bytes', () => {
    const long = 'c'.repeat(70);
    const names = uniqueLocalIdentifiers(['Name', 'name', 'NAME', 'name_1', long, long.toUpperCase(), long + 'x']);
    expect(names).toEqual(['name', 'name_1', 'name_2', 'name_1_1', 'c'.repeat(63), 'c'.repeat(61) + '_1', 'c'.repeat(61) + '_2']);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(Buffer.byteLength(n)).toBeLessThanOrEqual(63);
    expect(uniqueLocalIdentifiers(['Name', 'name', 'NAME', 'name_1', long, long.toUpperCase(), long + 'x'])).toEqual(names);
  });

  it('avoids reserved names given by the caller', () => {
    expect(uniqueLocalIdentifiers(['cartodb_id', 'x'], ['cartodb_id'])).toEqual(['cartodb_id_1', 'x']);
  });
});
