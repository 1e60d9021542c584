/**
 * The `encoding` parameter for MySQL: what the remote text bytes really are.
 *
 * Without `encoding` the session reads with `character_set_results = utf8mb4`: the server
 * converts every column from its declared charset, exactly as MySQL itself understands it, and
 * the UTF-8 bytes pass through untouched (the fast path).
 *
 * With `encoding` the user declares the character set of the bytes stored in the remote text
 * columns, overriding what MySQL believes: the session reads with `character_set_results = NULL`
 * (bytes as stored, each column still reporting its declared charset) and the connector decodes:
 * - columns declared in a Unicode charset (utf8mb3/utf8mb4, ucs2/utf16/utf16le/utf32): MySQL
 *   validated them on write, so they are trusted and decoded as what they are;
 * - every other text column (latin1, cp1250, sjis, … and mis-declared ones) is decoded with the
 *   declared `encoding`, exactly: an undecodable byte is ENCODING_ERROR naming column and row.
 * This fixes the classic legacy cases a server-side conversion cannot: UTF-8 (or SJIS, …) bytes
 * stored in a latin1 column. Letting MySQL convert into the named charset instead would turn
 * every character it cannot represent into `?`, silently (measured: an emoji in a utf8mb4 column
 * read with `character_set_results = latin1` arrives as 0x3f).
 *
 * LATIN1 means MySQL's latin1, which is Windows-1252 with the five undefined bytes mapped to the
 * C1 controls (MySQL's own conversion to utf8mb4 does the same).
 * WIN1252 is strict Windows-1252: those five bytes are an error.
 */
import { isAscii } from 'node:buffer';
import iconv from 'iconv-lite';
import { ConnectorError } from '../../errors.js';
import { makeTextDecoder } from '../../rows/encoding.js';
import type { CopyValue } from '../../rows/sink.js';
import type { CharsetInfo } from './catalog.js';

export type ValueConverter = (bytes: Buffer, row: number) => CopyValue;

const UTF8_CHARSETS = new Set(['utf8', 'utf8mb3', 'utf8mb4']);
/** Unicode charsets that are not UTF-8 on the wire, with their exact iconv-lite codec. */
const WIDE_UNICODE_CODECS: Record<string, string> = { ucs2: 'utf-16be', utf16: 'utf-16be', utf16le: 'utf-16le', utf32: 'utf-32be' };
const REPLACEMENT_CHAR = '\uFFFD';

/** The `character_set_results` the session must use for this request. */
export function resultsCharset(encoding: string | undefined): 'utf8mb4' | 'NULL' {
  return encoding === undefined ? 'utf8mb4' : 'NULL';
}

/**
 * The decoder for one text column, or null when its bytes are already the UTF-8 the load wants.
 * `charset` is the result column's charset (undefined for binary or an id the server did not list).
 */
export function textDecoderFor(encoding: string | undefined, charset: CharsetInfo | undefined, column: string): ValueConverter | null {
  if (encoding === undefined || charset === undefined || charset.name === 'binary' || UTF8_CHARSETS.has(charset.name)) return null;
  const wide = WIDE_UNICODE_CODECS[charset.name];
  if (wide) return wideUnicodeDecoder(wide, charset.name, column);
  if (encoding.toUpperCase() === 'LATIN1') return mysqlLatin1Decoder();
  const decode = makeTextDecoder(encoding);
  return (bytes, row) => (isAscii(bytes) ? bytes : decode(bytes, column, row));
}

/**
 * MySQL latin1 = Windows-1252 whose five undefined bytes (0x81 0x8D 0x8F 0x90 0x9D) are the C1
 * controls. Not Node's TextDecoder('windows-1252'): Node 20 decodes that label as ISO-8859-1
 * (measured: 0x80 → U+0080 instead of €).
 */
function mysqlLatin1Decoder(): ValueConverter {
  return (bytes) => {
    if (isAscii(bytes)) return bytes;
    const text = iconv.decode(bytes, 'windows-1252');
    if (!text.includes(REPLACEMENT_CHAR)) return text;
    let out = '';
    for (let i = 0; i < bytes.length; i++) out += text[i] === REPLACEMENT_CHAR ? String.fromCharCode(bytes[i]!) : text[i];
    return out;
  };
}

function wideUnicodeDecoder(codec: string, charset: string, column: string): ValueConverter {
  const encodedReplacement = iconv.encode(REPLACEMENT_CHAR, codec);
  return (bytes, row) => {
    const text = iconv.decode(bytes, codec);
    if (text.includes(REPLACEMENT_CHAR) && !bytes.includes(encodedReplacement)) {
      throw new ConnectorError('ENCODING_ERROR', `Column "${column}", row ${row}: bytes are not valid ${charset} text`);
    }
    return text;
  };
}
