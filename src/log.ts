/**
 * Structured logs (pino): JSON lines, or one human-readable line per entry on a terminal
 * (`prettyLine`, LOG_FORMAT). Passwords never reach a log line, and no log call can throw:
 * every object logged (and every child logger's bindings) goes through `safeForLog` before pino
 * sees it. That copy censors credential keys at any depth, turns errors into `{type, message,
 * code}`, and never walks into Buffers, typed arrays, sockets or other huge objects (issue 16 §5:
 * pino's path redaction walked into the `rawPacket` Buffer of a fastify clientError logged at
 * trace level and threw, which killed the sidecar). Jobs log through `jobLogger`, which carries
 * the job id.
 */
import pino, { type Logger } from 'pino';
import { REDACTED } from './errors.js';

/** Keys whose value is a credential, compared case-insensitively without `_`/`-` (`database_url`, `databaseUrl`). */
const SECRET_KEYS = new Set(['password', 'passwd', 'pwd', 'databaseurl', 'connectionstring']);
/** Keys dropped outright: the raw bytes a fastify clientError carries. */
const DROPPED_KEYS = new Set(['rawPacket']);
const MAX_DEPTH = 6;
const MAX_KEYS = 64;
const MAX_ITEMS = 64;
const MAX_STRING = 8192;

const isSecretKey = (key: string) => SECRET_KEYS.has(key.toLowerCase().replace(/[_-]/g, ''));

/** An error as a log line shows it: its class, message, code and its cause's; nothing else it carries. */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & { code?: unknown };
  const out: Record<string, unknown> = { type: safeName(e), message: clip(messageOf(e)) };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  if (depth === 0 && e.cause instanceof Error) out.cause = serializeError(e.cause, 1);
  return out;
}

/** Node's dual-stack connect failure is an AggregateError with an empty message: show its parts. */
function messageOf(e: Error): string {
  try {
    if (e.message === '' && e instanceof AggregateError) return e.errors.map((x: unknown) => (x instanceof Error ? x.message : String(x))).join('; ');
    return String(e.message);
  } catch {
    return '[unreadable message]';
  }
}

function safeName(e: Error): string {
  try {
    return typeof e.name === 'string' ? e.name : 'Error';
  } catch {
    return 'Error';
  }
}

function clip(s: string): string {
  return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}…[${s.length - MAX_STRING} more chars]` : s;
}

/**
 * A copy of `value` that is safe to serialise: bounded depth, keys and items; credentials
 * censored; errors as `{type, message, code}`; binary data as a short description. Never throws
 * (a getter that throws yields a marker).
 */
export function safeForLog(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || value === undefined) return value;
  switch (typeof value) {
    case 'string': return clip(value);
    case 'number': case 'boolean': return value;
    case 'bigint': return value.toString();
    case 'function': case 'symbol': return undefined;
    default: break;
  }
  const obj = value as object;
  if (Buffer.isBuffer(obj)) return `[Buffer ${obj.length} bytes]`;
  if (ArrayBuffer.isView(obj)) return `[${obj.constructor?.name ?? 'TypedArray'} ${obj.byteLength} bytes]`;
  if (obj instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && obj instanceof SharedArrayBuffer)) return `[ArrayBuffer ${obj.byteLength} bytes]`;
  if (obj instanceof Error) return serializeError(obj);
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  if (seen.has(obj)) return '[Circular]';
  if (depth >= MAX_DEPTH) return Array.isArray(obj) ? `[Array(${obj.length})]` : '[Object]';
  if (obj instanceof Map || obj instanceof Set) return `[${obj.constructor.name} ${obj.size}]`;
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      const items = obj.slice(0, MAX_ITEMS).map((v) => safeForLog(v, depth + 1, seen));
      if (obj.length > MAX_ITEMS) items.push(`…${obj.length - MAX_ITEMS} more items`);
      return items;
    }
    const out: Record<string, unknown> = {};
    const keys = Object.keys(obj);
    for (const key of keys.slice(0, MAX_KEYS)) {
      if (DROPPED_KEYS.has(key)) continue;
      let v: unknown;
      try {
        v = (obj as Record<string, unknown>)[key];
      } catch {
        out[key] = '[unreadable]';
        continue;
      }
      if (isSecretKey(key)) {
        if (v !== undefined && v !== null) out[key] = REDACTED;
        continue;
      }
      const copied = safeForLog(v, depth + 1, seen);
      if (copied !== undefined) out[key] = copied;
    }
    if (keys.length > MAX_KEYS) out['…'] = `${keys.length - MAX_KEYS} more keys`;
    return out;
  } catch {
    return '[unloggable]';
  } finally {
    seen.delete(obj);
  }
}

/** The object form of a log call's first argument, made safe. */
function safeObject(obj: Record<string, unknown>): Record<string, unknown> {
  const copied = safeForLog(obj);
  return typeof copied === 'object' && copied !== null && !Array.isArray(copied) ? copied as Record<string, unknown> : { value: copied };
}

/** The fields every line carries that a person at a terminal does not need to read. */
const PRETTY_HIDDEN = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);
const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** ANSI colours of the level names: grey, grey, green, yellow, red, red. */
const LEVEL_COLOURS: Record<number, string> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '31' };

function prettyValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value !== null && typeof value === 'object' && 'message' in value && 'type' in value) {
    const e = value as { type: unknown; message: unknown; code?: unknown };
    return JSON.stringify(`${String(e.type)}: ${String(e.message)}${e.code !== undefined ? ` (${String(e.code)})` : ''}`);
  }
  return JSON.stringify(value);
}

/**
 * One JSON log line as a person reads it: `10:00:03.120 INFO  sidecar started  worker_id=… concurrency=4`
 * (local time; strings with spaces quoted; errors as "Type: message (code)"). A line that is not
 * pino's JSON is returned unchanged.
 */
export function prettyLine(json: string, opts: { colours?: boolean } = {}): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  if (entry === null || typeof entry !== 'object' || typeof entry.level !== 'number') return json;
  const time = new Date(typeof entry.time === 'string' || typeof entry.time === 'number' ? entry.time : Date.now());
  const clock = Number.isNaN(time.getTime()) ? '--:--:--.---'
    : `${[time.getHours(), time.getMinutes(), time.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':')}.${String(time.getMilliseconds()).padStart(3, '0')}`;
  const name = (LEVEL_NAMES[entry.level] ?? String(entry.level)).padEnd(5);
  const colour = LEVEL_COLOURS[entry.level];
  const level = opts.colours && colour ? `\x1b[${colour}m${name}\x1b[0m` : name;
  const fields = Object.entries(entry).filter(([k]) => !PRETTY_HIDDEN.has(k)).map(([k, v]) => `${k}=${prettyValue(v)}`);
  return `${clock} ${level} ${typeof entry.msg === 'string' ? entry.msg : ''}${fields.length ? `  ${fields.join(' ')}` : ''}`;
}

/** A pino destination writing `prettyLine`s to `out` (a terminal). */
export function prettyDestination(out: NodeJS.WritableStream & { isTTY?: boolean }): pino.DestinationStream {
  const colours = out.isTTY === true && !process.env.NO_COLOR;
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') out.write(`${prettyLine(line, { colours })}\n`);
    },
  };
}

/**
 * Where log lines go when the caller names no destination: stdout, as JSON (for collectors) unless
 * `format` is `pretty`, or `auto` and stdout is a terminal (issue 22 §8: raw JSON on a terminal).
 */
function defaultDestination(format: 'auto' | 'pretty' | 'json'): pino.DestinationStream | undefined {
  return format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true) ? prettyDestination(process.stdout) : undefined;
}

export function createLogger(opts: { level?: string; destination?: pino.DestinationStream; format?: 'auto' | 'pretty' | 'json' } = {}): Logger {
  const root = pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'connector-bridge', pid: process.pid },
      formatters: { log: safeObject },
      // formatters.log already made errors plain; these keep pino's own err serializer (which
      // copies every enumerable property, rawPacket included) out of the way all the same.
      serializers: { err: (e: unknown) => serializeError(e), error: (e: unknown) => serializeError(e) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination ?? defaultDestination(opts.format ?? 'auto'),
  );
  // Child bindings (jobLogger, fastify's per-request loggers) skip formatters.log: sanitise them
  // here. pino children are Object.create(parent), so every descendant inherits this method.
  const child = root.child;
  root.child = function safeChild(this: Logger, bindings, options) {
    return child.call(this, safeObject(bindings), options);
  } as typeof root.child;
  return root;
}

export function jobLogger(log: Logger, jobId: string, extra: Record<string, unknown> = {}): Logger {
  return log.child({ job_id: jobId, ...extra });
}

/** Removes credentials from a PostgreSQL URL before it is printed or logged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = REDACTED;
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, `:${REDACTED}@`);
  }
}
