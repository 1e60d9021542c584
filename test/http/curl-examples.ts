/**
 * The reference document's curl examples (fixtures/carto-curl-examples.txt, verbatim), with only
 * the address, the API key and the connection values substituted, run by the real curl binary
 * through bash (the examples rely on shell quoting: '"'"').
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'carto-curl-examples.txt');
const CURL = '/usr/bin/curl';

export type ExampleKind = 'table' | 'sql_query' | 'sql_query_quoted' | 'sync';

export interface CurlExample {
  provider: string;
  kind: ExampleKind;
  command: string;
}

export const curlAvailable = fs.existsSync(CURL);

export function curlExamples(provider: string): CurlExample[] {
  const text = fs.readFileSync(FIXTURE, 'utf8');
  const examples: CurlExample[] = [];
  for (const block of text.split(/^#> /m).slice(1)) {
    const newline = block.indexOf('\n');
    const [p, kind] = block.slice(0, newline).trim().split(/\s+/);
    if (p === provider) examples.push({ provider: p, kind: kind as ExampleKind, command: block.slice(newline + 1).trim() });
  }
  return examples;
}

/** A JSON string literal that also survives inside the examples' single-quoted shell argument. */
function shellJson(value: string | number): string {
  return JSON.stringify(value).replace(/'/g, `'"'"'`);
}

export interface Substitution {
  base: string;
  apiKey: string;
  /** The example's placeholder values (e.g. "myserver.com") → the test server's. */
  server: [string, string];
  port: number;
  database?: [string, string];
  username: [string, string];
  password: [string, string];
}

/**
 * Replaces the address, the key and the connection values. The examples name no port (the
 * providers' defaults), and the test servers listen on free ports: "port" is added next to
 * "server".
 */
export function substitute(command: string, s: Substitution): string {
  const replaceValue = (text: string, key: string, [from, to]: [string, string]) =>
    text.split(`"${key}":"${from}"`).join(`"${key}":${shellJson(to)}`);
  let out = command
    .split('https://{username}.carto.com').join(s.base)
    .split('{API_KEY}').join(s.apiKey)
    .split(`"server":"${s.server[0]}"`).join(`"server":${shellJson(s.server[1])},"port":${s.port}`);
  if (s.database) out = replaceValue(out, 'database', s.database);
  out = replaceValue(out, 'username', s.username);
  out = replaceValue(out, 'password', s.password);
  return out;
}

export interface CurlResult {
  status: number;
  body: any;
  stdout: string;
  /** curl -v's trace: request and response headers. */
  stderr: string;
}

export async function runCurl(command: string): Promise<CurlResult> {
  if (!command.startsWith('curl ')) throw new Error('not a curl example');
  const { stdout, stderr } = await promisify(execFile)('bash', ['-c', CURL + command.slice('curl'.length)], { timeout: 30_000 });
  // Not anchored: without a terminal curl also writes its progress meter to stderr, and a meter
  // line ending in \r can precede "< HTTP/1.1 200 OK" on the same line (seen under load).
  const status = Number(/< HTTP\/[\d.]+ (\d{3})/.exec(stderr)?.[1] ?? NaN);
  let body: unknown;
  try { body = JSON.parse(stdout); } catch { body = undefined; }
  return { status, body, stdout, stderr };
}

/** The members of CARTO's synchronization object in the reference document's example. */
export const CARTO_SYNC_KEYS = [
  'data_import', 'id', 'name', 'interval', 'url', 'state', 'user_id', 'created_at', 'updated_at', 'run_at', 'ran_at',
  'modified_at', 'etag', 'checksum', 'log_id', 'error_code', 'error_message', 'retried_times', 'service_name',
  'service_item_id', 'type_guessing', 'quoted_fields_guessing', 'content_guessing', 'visualization_id', 'from_external_source',
];

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const HTTP_API_DOC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'http-api.md');

/**
 * The curl commands of the first ```sh block after `heading` in docs/http-api.md (the bridge's
 * own endpoints, which the reference document lacks), in order. A command starts at a line
 * `curl …` and runs to the next blank or comment line (a -d body may span lines).
 */
export function docCurlExamples(heading: string): string[] {
  const text = fs.readFileSync(HTTP_API_DOC, 'utf8');
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`docs/http-api.md has no heading ${heading}`);
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at))?.[1] ?? '';
  const commands: string[][] = [];
  let open = false;
  for (const line of block.split('\n')) {
    if (line.startsWith('curl ')) { commands.push([line]); open = true; }
    else if (line.trim() === '' || line.startsWith('#')) open = false;
    else if (open) commands.at(-1)!.push(line);
  }
  return commands.map((lines) => lines.join('\n'));
}

/**
 * The docs' placeholders → the test's values: `http://localhost:8080`, `$KEY`, the example ids
 * (`aef9925c-…`, `97893fbe-…`) and the connection values (as `substitute`).
 */
export function substituteDoc(command: string, s: Substitution & { ids?: Record<string, string> }): string {
  let out = command.split('http://localhost:8080').join(s.base).split('$KEY').join(s.apiKey);
  for (const [from, to] of Object.entries(s.ids ?? {})) out = out.split(from).join(to);
  return substitute(out, s);
}
