/**
 * SQL Server's spatial types on PostGIS (issue 12): the CLR method syntax T-SQL uses for them,
 * rewritten token by token into PostGIS calls before the translator runs. Needs PostGIS in the
 * backing database (the provider tests' factory creates it on request).
 *
 *   <expr>.STAsBinary() → ST_AsBinary(<expr>)     <expr>.STSrid → ST_SRID(<expr>)
 *   <expr>.STAsText()   → ST_AsText(<expr>)       <expr>.STX / .STY → ST_X / ST_Y
 *   geometry::STGeomFromText(wkt, srid)  → ST_GeomFromText(wkt, srid)
 *   geography::STGeomFromText(wkt, srid) → ST_GeomFromText(wkt, srid)::geography
 *
 * Only what fixtures and the connector send; the receiver is a (multi-part) column name. Values
 * are real PostGIS geometries, so WKB and SRIDs come from PostGIS, not from this file.
 */
import { isOp, matchParen, type Tok } from './lexer.js';

/** Methods with parentheses (`()`) and properties (no parentheses). */
const METHODS: Record<string, string> = { STASBINARY: 'ST_AsBinary', STASTEXT: 'ST_AsText' };
const PROPERTIES: Record<string, string> = { STSRID: 'ST_SRID', STX: 'ST_X', STY: 'ST_Y' };
const CONSTRUCTORS = new Set(['STGEOMFROMTEXT', 'STPOINTFROMTEXT', 'STPOLYFROMTEXT', 'STLINEFROMTEXT']);

const word = (value: string): Tok => ({ kind: 'word', text: value, value });
const op = (value: string): Tok => ({ kind: 'op', text: value, value });
const isName = (t: Tok | undefined) => t !== undefined && (t.kind === 'ident' || t.kind === 'word');

export function rewriteSpatial(tokens: Tok[]): Tok[] {
  if (!tokens.some((t) => t.kind === 'word' && /^ST/i.test(t.value))) return tokens;
  const out: Tok[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    const upper = next?.kind === 'word' ? next.value.toUpperCase() : '';
    // geometry::STGeomFromText(…) / geography::STGeomFromText(…)
    if (t.kind === 'word' && /^(geometry|geography)$/i.test(t.value) && isOp(next, '::') && CONSTRUCTORS.has(tokens[i + 2]?.value.toUpperCase() ?? '') && isOp(tokens[i + 3], '(')) {
      const close = matchParen(tokens, i + 3);
      out.push(word('ST_GeomFromText'), ...rewriteSpatial(tokens.slice(i + 3, close + 1)));
      if (t.value.toLowerCase() === 'geography') out.push(op('::'), word('geography'));
      i = close;
      continue;
    }
    // <name>[.<name>…].Method() / .Property: the receiver is what `out` ends with.
    if (isOp(t, '.') && (METHODS[upper] || PROPERTIES[upper]) && isName(out[out.length - 1])) {
      let start = out.length - 1;
      while (start >= 2 && isOp(out[start - 1], '.') && isName(out[start - 2])) start -= 2;
      const receiver = out.splice(start);
      out.push(word(METHODS[upper] ?? PROPERTIES[upper]!), op('('), ...receiver, op(')'));
      i += 1;
      if (METHODS[upper] && isOp(tokens[i + 1], '(') && isOp(tokens[i + 2], ')')) i += 2;
      continue;
    }
    out.push(t);
  }
  return out;
}
