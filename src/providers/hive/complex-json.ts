/**
 * HiveServer2 sends ARRAY / MAP / STRUCT values as text from SerDeUtils.buildJSONString, which
 * is JSON except where it is not:
 *   - map keys of non-string types are unquoted: map<int,string> → `{1:"a"}`,
 *   - UNIONTYPE members nested in them render as `{tag:value}` (same unquoted key),
 *   - FLOAT/DOUBLE use Java's toString: `NaN`, `Infinity`, `-Infinity` appear bare,
 *   - BINARY inside a complex value is raw bytes, unquoted (no way to recover JSON from it).
 * This re-emits the text as valid JSON for jsonb: bare keys are quoted, NaN/±Infinity become
 * strings, everything else is copied verbatim (so decimal digits and string escapes stay exact).
 * Text that is not recoverable yields undefined.
 */

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);
const LITERALS = new Set(['null', 'true', 'false']);
const STRING_ESCAPE = /^\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/;

class NotJson extends Error {}

class Reemitter {
  private i = 0;
  constructor(private readonly s: string) {}

  run(): string {
    const out = this.value();
    this.skipSpace();
    if (this.i !== this.s.length) throw new NotJson();
    return out;
  }

  private skipSpace(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i]!)) this.i++;
  }

  private value(): string {
    this.skipSpace();
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    const token = this.bareToken();
    if (LITERALS.has(token) || JSON_NUMBER.test(token)) return token;
    if (NON_FINITE.has(token)) return `"${token}"`;
    throw new NotJson();
  }

  private object(): string {
    this.i++;
    const parts: string[] = [];
    this.skipSpace();
    if (this.s[this.i] === '}') { this.i++; return '{}'; }
    for (;;) {
      this.skipSpace();
      const key = this.s[this.i] === '"' ? this.string() : JSON.stringify(this.bareToken());
      this.skipSpace();
      if (this.s[this.i++] !== ':') throw new NotJson();
      parts.push(`${key}:${this.value()}`);
      this.skipSpace();
      const sep = this.s[this.i++];
      if (sep === '}') return `{${parts.join(',')}}`;
      if (sep !== ',') throw new NotJson();
    }
  }

  private array(): string {
    this.i++;
    const parts: string[] = [];
    this.skipSpace();
    if (this.s[this.i] === ']') { this.i++; return '[]'; }
    for (;;) {
      parts.push(this.value());
      this.skipSpace();
      const sep = this.s[this.i++];
      if (sep === ']') return `[${parts.join(',')}]`;
      if (sep !== ',') throw new NotJson();
    }
  }

  private string(): string {
    const start = this.i++;
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined || c < ' ') throw new NotJson();
      if (c === '"') return this.s.slice(start, ++this.i);
      if (c === '\\') {
        const escape = STRING_ESCAPE.exec(this.s.slice(this.i, this.i + 6));
        if (!escape) throw new NotJson();
        this.i += escape[0].length;
      } else this.i++;
    }
  }

  /** A scalar or a bare map key: everything up to the next structural character. */
  private bareToken(): string {
    const start = this.i;
    while (this.i < this.s.length && !',:{}[]"'.includes(this.s[this.i]!)) this.i++;
    const token = this.s.slice(start, this.i).trim();
    if (token === '') throw new NotJson();
    return token;
  }
}

export function hiveJsonToJson(text: string): string | undefined {
  try {
    return new Reemitter(text).run();
  } catch (err) {
    if (err instanceof NotJson) return undefined;
    throw err;
  }
}
