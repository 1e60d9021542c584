/**
 * The client-side CLI commands: `status` and `import [--wait]` (docs/cli.md). They only call the
 * SQL API, as any psql user would.
 */
import fs from 'node:fs';
import pg from 'pg';
import { FINISHED, progressLine, RateWindow, WaitWatch } from './cli-progress.js';
import { quoteIdent } from './db/sql.js';

export const POLL_MS = 250;
/** Not a terminal (a log, CI): besides each change of state, a progress line this often while importing. */
export const PLAIN_PROGRESS_MS = 10_000;
/** Like cdb_connector_wait: a sidecar being started registers within this. */
export const NO_SIDECAR_MS = 3000;

/**
 * What PostgreSQL answers a role outside cdb_connector_user: it checks EXECUTE and USAGE before
 * any code of the API runs, so no SQL can name the grant (docs/sql-api.md, Roles and permissions).
 */
const MISSING_GRANT = /^permission denied for (?:(?:function|procedure) cdb_connector_\w+|schema cdb_connectors)$/;

/**
 * The HINT a client gives for MISSING_GRANT: the GRANT that fixes it, when the login is indeed
 * not a member of cdb_connector_user (issue 22 §9).
 */
async function grantHint(c: pg.Client): Promise<string | undefined> {
  const { rows } = await c.query<{ role: string; member: boolean | null }>(`select current_user as role,
      case when to_regrole('cdb_connector_user') is not null then pg_has_role(current_user, 'cdb_connector_user', 'member') end as member`);
  const { role, member } = rows[0]!;
  if (member !== false) return undefined;
  return `role ${role} is not a member of cdb_connector_user, the role that may use the connector API: an administrator runs GRANT cdb_connector_user TO ${quoteIdent(role)};`;
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'connector-bridge cli' });
  // NOTICEs of the SQL API (e.g. "no connector sidecar is running …") reach the user as in psql
  client.on('notice', (n) => process.stderr.write(`NOTICE:  ${n.message}\n`));
  await client.connect();
  try {
    return await fn(client);
  } catch (err) {
    if (err instanceof pg.DatabaseError && err.code === '42501' && MISSING_GRANT.test(err.message) && !err.hint) {
      err.hint = await grantHint(client).catch(() => undefined);
    }
    throw err;
  } finally {
    await client.end();
  }
}

/** A SQL error as psql prints it: `ERROR:`, then `DETAIL:` and `HINT:` when there are. */
export function sqlErrorText(err: pg.DatabaseError): string {
  return `ERROR: ${err.message}${err.detail ? `\nDETAIL: ${err.detail}` : ''}${err.hint ? `\nHINT: ${err.hint}` : ''}`;
}

/** A value as one table cell: timestamps to the second (UTC), booleans yes/no, NULL empty. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value).replace(/\s+/g, ' ');
}

/**
 * Rows as an aligned text table (psql's aligned format): a header, a rule, one line per row;
 * numbers right-aligned. `(none)` for no rows.
 */
export function formatTable(columns: string[], rows: Array<Record<string, unknown>>): string {
  if (rows.length === 0) return '  (none)';
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const numeric = columns.map((c) => rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number' || /^-?\d+$/.test(String(r[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[], header: boolean) => values
    .map((v, i) => (numeric[i] && !header ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
    .join(' | ').trimEnd();
  return [line(columns, true), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map((row) => line(row, false))]
    .map((l) => `  ${l}`).join('\n');
}

const WORKER_COLUMNS = ['id', 'host', 'pid', 'version', 'running_jobs', 'alive', 'last_seen_at'];
const IMPORT_COLUMNS = ['id', 'state', 'provider', 'table_name', 'rows_fetched', 'rows_estimated', 'error_code', 'created_at', 'finished_at'];

export async function printStatus(url: string, limit: number, opts: { json?: boolean } = {}): Promise<void> {
  await withClient(url, async (c) => {
    const workers = await c.query(`select ${WORKER_COLUMNS.join(', ')} from cdb_connectors.workers order by started_at`);
    const imports = await c.query(
      `select ${IMPORT_COLUMNS.join(', ')} from cdb_connectors.imports order by created_at desc limit $1`, [limit]);
    // bigint counts arrive as strings: numbers for scripts and for the table's alignment
    const numbers = (rows: Array<Record<string, unknown>>) => rows.map((r) => Object.fromEntries(Object.entries(r)
      .map(([k, v]) => [k, typeof v === 'string' && ['running_jobs', 'rows_fetched', 'rows_estimated'].includes(k) ? Number(v) : v])));
    const w = numbers(workers.rows);
    const i = numbers(imports.rows);
    if (opts.json) {
      console.log(JSON.stringify({ workers: w, imports: i }, null, 2));
      return;
    }
    const alive = w.filter((x) => x.alive).length;
    console.log(`sidecars: ${alive} alive of ${w.length}${alive === 0 ? ' — none running: imports wait in the queue (connector-bridge run, or npm start)' : ''}`);
    console.log(formatTable(WORKER_COLUMNS, w));
    console.log('');
    console.log(`recent imports (${i.length}${i.length === limit ? `, newest first; --limit ${limit}` : ''}):`);
    console.log(formatTable(IMPORT_COLUMNS, i));
  });
}

interface Status { state: string; rows_fetched: number; rows_estimated?: number | null; [key: string]: unknown }

/**
 * Why `text` is no JSON, without quoting it: V8's messages may quote the text, password and all
 * (Node 20: `Unexpected token 's', "{"password": secret}" is not valid JSON`), and so would
 * PostgreSQL's (`DETAIL: Token "secret" is invalid.`): the password given on stdin must never
 * reach the output (issue 20 item 4). Checked before anything is sent.
 */
export function jsonProblem(text: string, shape = '{"connector": {...}}'): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const at = /at position (\d+)/.exec((err as Error).message)?.[1];
    return `The request is not valid JSON${at === undefined ? '' : ` (at character ${Number(at) + 1})`}: give one object, ${shape}.`;
  }
}

export async function runImportCommand(url: string, json: string | undefined, wait: boolean): Promise<number> {
  const text = json === undefined || json === '-' ? fs.readFileSync(0, 'utf8') : json;
  const problem = jsonProblem(text);
  if (problem) {
    console.error(`ERROR: ${problem}`);
    return 1;
  }
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ r: { item_queue_id?: string; data_import?: { item_queue_id: string } } }>(
      'select cdb_connector_import($1::jsonb) as r', [text]);
    const result = rows[0]!.r;
    console.log(JSON.stringify(result));
    if (!wait) return 0;
    const id = result.item_queue_id ?? result.data_import?.item_queue_id;
    if (!id) return 0;
    const out = process.stderr;
    const tty = out.isTTY === true;
    const started = Date.now();
    const rate = new RateWindow();
    const watch = new WaitWatch(NO_SIDECAR_MS, PLAIN_PROGRESS_MS);
    let frame = 0;
    for (;;) {
      const s = (await c.query<{ s: Status; alive: boolean }>(
        'select cdb_connector_import_status($1) as s, exists (select from cdb_connectors.workers where alive) as alive', [id])).rows[0]!;
      const status = s.s;
      const now = Date.now();
      const finished = FINISHED.has(status.state);
      const note = watch.note(s.alive, finished, now);
      const rows = Number(status.rows_fetched) || 0;
      if (status.state === 'importing') rate.add(now, rows);
      const estimate = status.rows_estimated === null || status.rows_estimated === undefined ? null : Number(status.rows_estimated);
      const rowsPerSecond = rate.rowsPerSecond();
      const line = progressLine({ frame: frame++, state: status.state, rows, estimate, elapsedMs: now - started, note, ...(rowsPerSecond !== undefined ? { rowsPerSecond } : {}) });
      const plainDue = watch.plainDue(status.state, note, now);
      if (tty) out.write(`\r\x1b[2K${line}`);
      else if (plainDue) out.write(`${line}\n`);
      if (finished) {
        if (tty) out.write('\n');
        // what a person must not miss, on the terminal beside the JSON (issue 22 §3, §4)
        if (status.truncated === true) out.write('stopped at max_rows: the remote has more rows than were imported (see the row_limit warning)\n');
        for (const w of (status.warnings as Array<{ code: string; message: string }> | undefined) ?? []) out.write(`warning ${w.code}: ${w.message}\n`);
        console.log(JSON.stringify(status, null, 2));
        return status.state === 'complete' ? 0 : 1;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  });
}

const CONNECTION_COLUMNS = ['name', 'provider', 'server', 'port', 'database', 'username', 'password', 'updated_at'];

/**
 * `connection create|alter <name>` (JSON on stdin), `connection drop <name>`, `connection list`
 * (issue 22 §6, docs/named-connections.md). The JSON is sent as a bind parameter, never in the
 * statement text: PostgreSQL logs a failing statement's text (log_min_error_statement) but not
 * its parameters (log_parameter_max_length_on_error is 0 by default), so the password stays out
 * of the server log even when the call fails.
 */
export async function runConnectionCommand(url: string, action: 'create' | 'alter' | 'drop' | 'list', name?: string, opts: { json?: boolean } = {}): Promise<number> {
  return withClient(url, async (c) => {
    if (action === 'list') {
      // the SQL API's own form of a connection (password as ***), as the functions return it
      const { rows } = await c.query<{ o: { name: string; provider: string; connection: Record<string, unknown>; updated_at: string } }>(
        'select cdb_connectors.connection_object(c) as o from cdb_connectors.connections as c where c.owner = current_user order by c.name');
      const connections = rows.map((r) => r.o);
      if (opts.json) console.log(JSON.stringify(connections));
      else console.log(formatTable(CONNECTION_COLUMNS, connections.map((o) => ({ ...o.connection, name: o.name, provider: o.provider, updated_at: new Date(o.updated_at) }))));
      return 0;
    }
    if (action === 'drop') {
      await c.query('select cdb_connector_drop_connection($1)', [name]);
      console.log(`Dropped connection ${name}.`);
      return 0;
    }
    const text = fs.readFileSync(0, 'utf8');
    const problem = jsonProblem(text, '{"provider": …, "server": …, "password": …}');
    if (problem) {
      console.error(`ERROR: ${problem}`);
      return 1;
    }
    const fn = action === 'create' ? 'cdb_connector_create_connection' : 'cdb_connector_alter_connection';
    const { rows } = await c.query<{ r: unknown }>(`select ${fn}($1, $2::jsonb) as r`, [name, text]);
    console.log(JSON.stringify(rows[0]!.r));
    return 0;
  });
}
