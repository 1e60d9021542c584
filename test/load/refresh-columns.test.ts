/**
 * Issue 5: which remote column changes a sync table can absorb in place (compareColumns in
 * src/load/column-changes.ts). New columns are added; a missing or retyped column makes the
 * refresh fail with 2013; order never matters (rows are inserted by name).
 */
import { describe, expect, it } from 'vitest';
import { compareColumns } from '../../src/load/column-changes.js';

const col = (name: string, type = 'integer') => ({ name, type });

describe('compareColumns', () => {
  it('identical columns, in any order: nothing to do', () => {
    expect(compareColumns([col('a'), col('b', 'text')], [col('b', 'text'), col('a')])).toEqual({ added: [], incompatible: [] });
  });

  it('new source columns are added', () => {
    expect(compareColumns([col('a')], [col('a'), col('c', 'character varying(20)')]))
      .toEqual({ added: [col('c', 'character varying(20)')], incompatible: [] });
  });

  it('a column the source no longer sends (dropped or renamed) is incompatible', () => {
    expect(compareColumns([col('a'), col('b')], [col('a'), col('b2')])).toEqual({
      added: [col('b2')], incompatible: ['no longer in the source: b'],
    });
  });

  it('a retyped column is incompatible, typmods included', () => {
    expect(compareColumns([col('a', 'numeric(10,2)'), col('b')], [col('a', 'numeric(12,2)'), col('b', 'text')]).incompatible)
      .toEqual(['type changed: a numeric(10,2) → numeric(12,2), b integer → text']);
  });
});
