/**
 * Remote text encodings, named the PostgreSQL way (SPEC §2 `encoding`).
 *
 * The SQL API validates the name with pg_char_to_encoding() and stores PostgreSQL's canonical
 * name (`iso88591` → `LATIN1`), so here we only map canonical names to iconv-lite codecs.
 * Decoding is exact or fails: iconv-lite silently turns undefined bytes into U+FFFD, so a
 * replacement character in the output is an error naming the column and row (code 1510),
 * never silent corruption.
 *
 * In rows/ because it is part of the value contract: the providers that read remote text as
 * bytes (mysql, sqlserver, hive) decode with it into CopyValue form, and the SQL API's list of
 * undecodable encodings (sql/api/normalize-connector.sql) mirrors PG_ENCODING_CODECS below.
 */
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { ConnectorError } from '../errors.js';

/** Canonical PostgreSQL encoding name → iconv-lite codec; null = PostgreSQL knows it, we cannot decode it. */
const PG_ENCODING_CODECS: Record<string, string | null> = {
  UTF8: 'utf8',
  SQL_ASCII: 'ascii',
  LATIN1: 'latin1', LATIN2: 'iso-8859-2', LATIN3: 'iso-8859-3', LATIN4: 'iso-8859-4',
  LATIN5: 'iso-8859-9', LATIN6: 'iso-8859-10', LATIN7: 'iso-8859-13', LATIN8: 'iso-8859-14',
  LATIN9: 'iso-8859-15', LATIN10: 'iso-8859-16',
  ISO_8859_5: 'iso-8859-5', ISO_8859_6: 'iso-8859-6', ISO_8859_7: 'iso-8859-7', ISO_8859_8: 'iso-8859-8',
  WIN1250: 'windows-1250', WIN1251: 'windows-1251', WIN1252: 'windows-1252', WIN1253: 'windows-1253',
  WIN1254: 'windows-1254', WIN1255: 'windows-1255', WIN1256: 'windows-1256', WIN1257: 'windows-1257',
  WIN1258: 'windows-1258', WIN866: 'cp866', WIN874: 'windows-874',
  KOI8R: 'koi8-r', KOI8U: 'koi8-u',
  SJIS: 'shift_jis', EUC_JP: 'euc-jp', EUC_CN: 'gb2312', EUC_KR: 'euc-kr', BIG5: 'big5',
  GBK: 'gbk', GB18030: 'gb18030', UHC: 'cp949',
  EUC_TW: null, EUC_JIS_2004: null, SHIFT_JIS_2004: null, JOHAB: null, MULE_INTERNAL: null,
};

const REPLACEMENT_CHAR = '\uFFFD';

export function isUtf8Encoding(encoding: string | undefined): boolean {
  return encoding === undefined || encoding.toUpperCase() === 'UTF8';
}

/** The iconv-lite codec for a canonical PostgreSQL encoding name; throws 1502 when we cannot decode it. */
export function codecFor(encoding: string): string {
  const codec = PG_ENCODING_CODECS[encoding.toUpperCase()];
  if (!codec) {
    throw new ConnectorError('INVALID_PARAMETERS', `Encoding ${encoding} is not supported by the connector; use one of ${supportedEncodings().join(', ')}`);
  }
  return codec;
}

export function supportedEncodings(): string[] {
  return Object.entries(PG_ENCODING_CODECS).filter(([, codec]) => codec !== null).map(([name]) => name);
}

export interface TextDecoderFn {
  /** Decodes remote bytes; throws ConnectorError ENCODING_ERROR naming column and row when a byte sequence is not valid. */
  (bytes: Buffer, column: string, row: number): string | Buffer;
}

/**
 * A decoder for one encoding. For UTF8 it validates and returns the bytes untouched (fast path);
 * for others it returns the decoded string.
 */
export function makeTextDecoder(encoding: string | undefined): TextDecoderFn {
  if (isUtf8Encoding(encoding)) {
    return (bytes, column, row) => {
      // isUtf8 is C code (Node ≥ 18.14): validation costs far less than decoding.
      if (!isUtf8(bytes)) throw encodingError('UTF8', bytes, column, row);
      return bytes;
    };
  }
  const name = encoding!.toUpperCase();
  const codec = codecFor(name);
  return (bytes, column, row) => {
    const text = iconv.decode(bytes, codec);
    if (text.includes(REPLACEMENT_CHAR) && !sourceHasReplacementChar(bytes, codec)) throw encodingError(name, bytes, column, row);
    return text;
  };
}

/** GB18030 and the UTF encodings can encode U+FFFD itself; a legitimate one must not be an error. */
function sourceHasReplacementChar(bytes: Buffer, codec: string): boolean {
  const encoded = iconv.encode(REPLACEMENT_CHAR, codec);
  return encoded.length > 0 && bytes.includes(encoded) && iconv.decode(encoded, codec) === REPLACEMENT_CHAR;
}

function encodingError(encoding: string, bytes: Buffer, column: string, row: number): ConnectorError {
  const sample = bytes.subarray(0, 16).toString('hex').replace(/(..)/g, '0x$1 ').trim();
  return new ConnectorError('ENCODING_ERROR',
    `Column "${column}", row ${row}: bytes ${sample} are not valid ${encoding} text. Set the "encoding" parameter to the remote data's real character set.`);
}
