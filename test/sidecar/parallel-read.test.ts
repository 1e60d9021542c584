/** splitRange (parallel-read.ts): contiguous ranges that hold every key of [min, max] exactly once. */
import { describe, expect, it } from 'vitest';
import { splitRange } from '../../src/sidecar/parallel-read.js';

const covers = (ranges: Array<{ from: string; to: string }>, min: bigint, max: bigint) => {
  expect(BigInt(ranges[0]!.from)).toBe(min);
  expect(BigInt(ranges.at(-1)!.to)).toBe(max + 1n);
  ranges.slice(1).forEach((r, i) => expect(r.from).toBe(ranges[i]!.to));
  ranges.forEach((r) => expect(BigInt(r.from) < BigInt(r.to)).toBe(true));
};

describe('splitRange', () => {
  it('cuts [min, max] into n contiguous, non-empty ranges of nearly equal width', () => {
    const r = splitRange(-5n, 5n, 3);
    expect(r).toEqual([{ from: '-5', to: '-2' }, { from: '-2', to: '2' }, { from: '2', to: '6' }]);
    covers(r, -5n, 5n);
  });

  it('gives fewer ranges than streams when there are fewer keys', () => {
    expect(splitRange(7n, 8n, 4)).toEqual([{ from: '7', to: '8' }, { from: '8', to: '9' }]);
    expect(splitRange(7n, 7n, 4)).toEqual([{ from: '7', to: '8' }]);
  });

  it('is exact at the ends of a signed 64-bit key', () => {
    const min = -(2n ** 63n);
    const max = 2n ** 63n - 1n;
    const r = splitRange(min, max, 8);
    expect(r).toHaveLength(8);
    covers(r, min, max);
  });
});
