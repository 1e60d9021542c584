/**
 * The COPY TEXT parser alone: escapes, NULL vs '' vs the text `\N`, and rows split at every
 * possible chunk boundary (the end-to-end value table is in types.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/errors.js';
import type { CopyValue } from '../../../src/rows/sink.js';
import { CopyTextParser } from '../../../src/providers/postgres/text-copy-parser.js';

/** COPY TEXT as PostgreSQL prints it, and the values it stands for. */
const COPY_TEXT = [
  '1\tplain\t\\N\n',
  '2\t\ttab\\there\n',
  '3\t\\\\N\tline\\nbreak\\r\\\\\n',
  '4\t\\b\\f\\v\t\\101\\x42\\x4a\\q\n',
  '5\t🎉 ünïcödé\t\\\\x00ff\n',
].join('');
const VALUES: Array<Array<string | null>> = [
  ['1', 'plain', null],
  ['2', '', 'tab\there'],
  ['3', '\\N', 'line\nbreak\r\\'],
  ['4', '\b\f\v', 'ABJq'],
  ['5', '🎉 ünïcödé', '\\x00ff'],
];

function parseInChunks(data: Buffer, sizes: (i: number) => number, stopAfter = Infinity): Array<Array<string | null>> {
  const rows: Array<Array<string | null>> = [];
  const parser = new CopyTextParser(3, (row: CopyValue[]) => {
    rows.push(row.map((v) => (v === null ? null : v.toString())));
    return rows.length < stopAfter;
  });
  for (let pos = 0, i = 0; pos < data.length; i++) {
    const size = sizes(i);
    parser.push(data.subarray(pos, pos + size));
    pos += size;
  }
  expect(parser.hasPartialRow).toBe(false);
  return rows;
}

describe('CopyTextParser', () => {
  const data = Buffer.from(COPY_TEXT);

  it('unescapes every COPY escape and tells NULL from "" and from the text \\N', () => {
    expect(parseInChunks(data, () => data.length)).toEqual(VALUES);
  });

  it('gives the same rows for every split point and for 1-byte chunks', () => {
    for (let split = 1; split < data.length; split++) {
      let first = true;
      expect(parseInChunks(data, () => (first ? ((first = false), split) : data.length))).toEqual(VALUES);
    }
    expect(parseInChunks(data, () => 1)).toEqual(VALUES);
  });

  it('stops when the handler says so', () => {
    expect(parseInChunks(data, () => 7, 2)).toEqual(VALUES.slice(0, 2));
  });

  it('reports a partial row and a wrong column count', () => {
    const parser = new CopyTextParser(3, () => true);
    parser.push(Buffer.from('1\ta\tb\n2\tc'));
    expect(parser.hasPartialRow).toBe(true);
    expect(() => new CopyTextParser(3, () => true).push(Buffer.from('1\ta\n'))).toThrow(ConnectorError);
    expect(() => new CopyTextParser(3, () => true).push(Buffer.from('1\ta\tb\tc\n'))).toThrow(/3 planned columns/);
  });
});
