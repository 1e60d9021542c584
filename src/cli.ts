#!/usr/bin/env node
/**
 * `connector-bridge`: migrate, run, start (embedded default), status, import, import-database (docs/cli.md).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import pg from 'pg';
import type { Logger } from 'pino';
import { loadConfig, type ConfigFlags } from './config.js';
import type { EmbeddedServer } from './db/embedded.js';
import { createLogger, redactUrl } from './log.js';
import { VERSION } from './version.js';

const program = new Command()
  .name('connector-bridge')
  .description('Database connectors that live inside PostgreSQL')
  .version(VERSION)
  .option('--database-url <url>', 'target PostgreSQL (env DATABASE_URL)')
  .option('--api-schema <schema>', 'schema for the cdb_connector_* functions (default public)')
  .option('--concurrency <n>', 'jobs run at once (env CONNECTOR_CONCURRENCY, default 4)')
  .option('--poll-interval <ms>', 'backstop poll interval (env CONNECTOR_POLL_INTERVAL_MS, default 5000)')
  .option('--metrics-port <port>', 'serve /metrics and /healthz (env METRICS_PORT)')
  .option('--metrics-host <host>', 'interface of /metrics and /healthz (env METRICS_HOST, default 127.0.0.1)')
  .option('--http-port <port>', 'serve the CARTO-compatible HTTP API (env HTTP_PORT)')
  .option('--http-host <host>', 'interface of the HTTP API (env HTTP_HOST, default 127.0.0.1; 0.0.0.0 for all)')
  .option('--data-dir <dir>', 'embedded PostgreSQL data directory (default .data)')
  .option('--allow-superuser', 'run the sidecar on a superuser login (refused by default; docs/security.md)');

function config() {
  return loadConfig(program.opts<ConfigFlags>());
}

function requireUrl(url: string | undefined): string {
  if (!url) {
    console.error('DATABASE_URL is not set. Set it (or pass --database-url), or use `connector-bridge start` for the embedded PostgreSQL.');
    process.exit(2);
  }
  return url;
}

/**
 * The database of the client commands (`status`, `import`): DATABASE_URL / --database-url, else
 * the embedded PostgreSQL a `connector-bridge start` (npm start) runs under the data directory,
 * found through the credentials file it writes there. Exit 2 when there is neither.
 */
async function clientUrl(): Promise<{ url: string; embedded: boolean }> {
  const cfg = config();
  if (cfg.databaseUrl) return { url: cfg.databaseUrl, embedded: false };
  const { readEmbeddedUrl, credentialsFile } = await import('./db/embedded.js');
  const url = readEmbeddedUrl(cfg.dataDir);
  if (url) return { url, embedded: true };
  console.error(`DATABASE_URL is not set, and there is no embedded database under ${cfg.dataDir} (no ${credentialsFile(cfg.dataDir)}).`
    + ' Set DATABASE_URL (or pass --database-url), or run `npm start` (connector-bridge start) first, in this directory or with the same --data-dir.');
  process.exit(2);
}

/** Runs a client command; a refused connection to the embedded database says to start it. */
async function asClient(fn: (url: string) => Promise<number | void>): Promise<void> {
  const { url, embedded } = await clientUrl();
  try {
    const code = await fn(url);
    if (typeof code === 'number') process.exit(code);
  } catch (err) {
    if (embedded && (err as { code?: string }).code === 'ECONNREFUSED') {
      console.error(`The embedded PostgreSQL under ${config().dataDir} is not running: start it with \`npm start\` (connector-bridge start), or set DATABASE_URL.`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * Refuses a login that should not run the sidecar (db/login-role.ts). The embedded PostgreSQL of
 * `start` is a throwaway local server whose only role is its superuser: it is exempt.
 */
async function checkLogin(databaseUrl: string, opts: { embedded: boolean }): Promise<void> {
  if (opts.embedded) return;
  const { describeLogin, loginProblem } = await import('./db/login-role.js');
  const problem = loginProblem(await describeLogin(databaseUrl), program.opts<{ allowSuperuser?: boolean }>().allowSuperuser === true);
  if (problem) {
    console.error(problem);
    process.exit(2);
  }
}

/**
 * A sidecar process never dies of a stray error (issue 16 §5): an unhandled rejection or an
 * uncaught exception is logged and the process goes on — jobs hold leases, so one that broke is
 * re-run elsewhere, and one that keeps breaking sidecars is failed by the poison-pill guard
 * (sidecar/job-store.ts). Installing the handlers replaces Node's default, which exits.
 */
function keepAlive(log: Logger): void {
  const report = (what: string, err: unknown) => {
    try {
      log.error({ err }, what);
    } catch {
      try { process.stderr.write(`${what}: ${String(err)}\n`); } catch { /* nothing left to report to */ }
    }
  };
  process.on('unhandledRejection', (reason) => report('unhandled promise rejection (the sidecar keeps running)', reason));
  process.on('uncaughtException', (err) => report('uncaught exception (the sidecar keeps running)', err));
}

/** Where a running sidecar answers besides SQL: the start banner prints these. */
interface Endpoints { httpUrl?: string; metricsUrl?: string }

/** A listen that failed with EADDRINUSE, as the one line `run` / `start` print before exiting 2. */
class PortInUse extends Error {}

async function listening<T>(what: string, host: string, port: number, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    throw new PortInUse(`Port ${port} on ${host} (${what}) is in use, perhaps by another connector-bridge: choose another port, or stop what listens there.`);
  }
}

/** How a sidecar process is told to stop: `run` on SIGTERM/SIGINT; `start` also on more (below). */
interface StopOn {
  signals: NodeJS.Signals[];
  /** Also stop when the parent process exits (checked every second). */
  parentExit?: boolean;
  /** Print one line once everything has stopped (start: the user saw the banner on stdout). */
  announce?: boolean;
}

/**
 * The parent pid now (process.ppid is the one at startup): /proc on Linux; elsewhere the startup
 * parent while it exists, else 1.
 */
function currentParent(startup: number): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    try {
      process.kill(startup, 0);
      return startup;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM' ? startup : 1;
    }
  }
}

/**
 * Runs the sidecar until one of stopOn.signals (SIGTERM/SIGINT), then stops gracefully and exits
 * 0. Resolves once it serves, with the URLs of its HTTP API and metrics when they are on. A port
 * already in use stops what was started (onStopped too) and exits 2 with one line.
 */
async function runSidecar(databaseUrl: string, onStopped?: () => Promise<void>, opts: { embedded: boolean } = { embedded: false },
  stopOn: StopOn = { signals: ['SIGTERM', 'SIGINT'] }): Promise<Endpoints> {
  const cfg = config();
  const log = createLogger({ level: cfg.logLevel, format: cfg.logFormat });
  keepAlive(log);
  await checkLogin(databaseUrl, opts);
  // loaded here, not at the top: the client commands (status, import) need none of the sidecar
  const { Sidecar } = await import('./sidecar/worker.js');
  const sidecar = new Sidecar({ databaseUrl, concurrency: cfg.concurrency, pollIntervalMs: cfg.pollIntervalMs, shutdownGraceMs: cfg.shutdownGraceMs, log });
  await sidecar.start();
  // Optional parts load only when asked for: prom-client, fastify and node-pg-migrate together
  // weigh ~50 MB of RSS a plain `run` does not need (issue 7: sidecar peak RSS ≤ 100 MB).
  let ops: import('./ops/server.js').OperationsServer | undefined;
  let http: import('./http/server.js').HttpServer | undefined;
  try {
    const { metricsPort, metricsHost, httpPort, httpHost } = cfg;
    if (metricsPort !== undefined) {
      ops = await listening('METRICS_PORT', metricsHost, metricsPort,
        async () => (await import('./ops/server.js')).startOperationsServer({ port: metricsPort, host: metricsHost, sidecar, log }));
    }
    // The CARTO-compatible HTTP API (issue 11): off unless HTTP_PORT / --http-port is set.
    if (httpPort !== undefined) {
      http = await listening('HTTP_PORT', httpHost, httpPort,
        async () => (await import('./http/server.js')).startHttpServer({ port: httpPort, host: httpHost, databaseUrl, apiSchema: cfg.apiSchema, log }));
    }
  } catch (err) {
    await ops?.close();
    await sidecar.stop();
    await onStopped?.();
    if (!(err instanceof PortInUse)) throw err;
    console.error(err.message);
    process.exit(2);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await ops?.close();
    await http?.close(); // in-flight requests finish while the sidecar still runs
    await sidecar.stop();
    await onStopped?.();
    if (stopOn.announce) {
      try { console.log(`connector-bridge stopped (${signal}): the sidecar handed its jobs back${opts.embedded ? ', the embedded PostgreSQL is shut down' : ''}.`); } catch { /* the terminal is gone (SIGHUP) */ }
    }
    process.exit(0);
  };
  for (const signal of stopOn.signals) process.on(signal, () => void stop(signal));
  if (stopOn.parentExit) {
    // npm runs the script through `sh -c`, and on SIGTERM signals that shell, not this process
    // (issue 22 §8): when whatever started this process is gone, stop as on SIGTERM.
    const parent = process.ppid;
    if (parent > 1) {
      setInterval(() => {
        if (currentParent(parent) !== parent) void stop('parent process exited');
      }, 1000).unref();
    }
  }
  return { httpUrl: http?.url, metricsUrl: ops?.metricsUrl };
}

program.command('migrate').description('install or upgrade the SQL API in the target database').action(async () => {
  const cfg = config();
  const { migrate } = await import('./db/migrate.js');
  const applied = await migrate({ databaseUrl: requireUrl(cfg.databaseUrl), apiSchema: cfg.apiSchema, log: createLogger({ level: cfg.logLevel, format: cfg.logFormat }) });
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
});

program.command('run').description('run the sidecar against DATABASE_URL').action(async () => {
  await runSidecar(requireUrl(config().databaseUrl));
});

program.command('start').description('migrate and run; starts an embedded PostgreSQL under .data/ when DATABASE_URL is not set').action(async () => {
  const cfg = config();
  const log = createLogger({ level: cfg.logLevel, format: cfg.logFormat });
  const embedded = cfg.databaseUrl ? undefined : await startEmbeddedOrExplain(cfg.dataDir, log);
  const url = embedded ? embedded.server.url : requireUrl(cfg.databaseUrl);
  const { migrate } = await import('./db/migrate.js');
  await migrate({ databaseUrl: url, apiSchema: cfg.apiSchema, log });
  if (embedded) {
    await embedded.server.allowLocalSources(log);
    await embedded.server.useSecretsKey(log);
  }
  const endpoints = await runSidecar(url, async () => {
    embedded?.files.removeRunningFile(cfg.dataDir);
    await embedded?.server.stop();
  }, { embedded: embedded !== undefined }, { signals: ['SIGTERM', 'SIGINT', 'SIGHUP'], parentExit: true, announce: true });
  embedded?.files.writeRunningFile(cfg.dataDir, { port: embedded.server.port, ...endpoints });
  console.log(startBanner(embedded ? url : redactUrl(url), endpoints, embedded && { dataDir: path.resolve(cfg.dataDir), port: embedded.server.port, description: embedded.server.description }));
});

/**
 * The embedded PostgreSQL of `start`, recorded in <data dir>/start.json at once (a second start
 * during this one's migration must not take it for a leftover). When it cannot start — another
 * start runs there, its port is taken — one line and exit 2, never a stack trace (issue 22 §8).
 */
async function startEmbeddedOrExplain(dataDir: string, log: Logger): Promise<{ server: EmbeddedServer; files: typeof import('./db/embedded.js') }> {
  const files = await import('./db/embedded.js');
  try {
    const server = await files.startEmbedded(dataDir, log);
    files.writeRunningFile(dataDir, { port: server.port });
    return { server, files };
  } catch (err) {
    if (!(err instanceof files.StartRefused)) throw err;
    console.error(err.message);
    process.exit(2);
  }
}

/** What `start` prints once everything serves: how to connect, the URLs that are on, how to stop. */
function startBanner(psqlUrl: string, endpoints: Endpoints, embedded?: { dataDir: string; port: number; description: string }): string {
  const lines = [`connector-bridge ${VERSION} is running. Connect with:`, '', `  psql "${psqlUrl}"`, ''];
  if (endpoints.httpUrl) lines.push(`  HTTP API:  ${endpoints.httpUrl}  (OpenAPI: ${endpoints.httpUrl}/openapi.json)`);
  if (endpoints.metricsUrl) lines.push(`  metrics:   ${endpoints.metricsUrl}  (health: ${endpoints.metricsUrl.replace(/\/metrics$/, '/healthz')})`);
  if (embedded) {
    lines.push(`  data:      ${embedded.dataDir} (embedded PostgreSQL on 127.0.0.1:${embedded.port}; docs/operations.md says how to reset it)`,
      `  server:    ${embedded.description}`);
  }
  lines.push(`  stop:      Ctrl-C (or kill ${process.pid}); npx connector-bridge status shows sidecars and imports`, '');
  return `\n${lines.join('\n')}`;
}

program.command('status').description('live sidecars and recent imports, as tables (or --json)')
  .option('--limit <n>', 'imports to show', '20')
  .option('--json', 'print {"workers": [...], "imports": [...]} as JSON, for scripts')
  .action(async (opts: { limit: string; json?: boolean }) => {
    const { printStatus } = await import('./cli-commands.js');
    await asClient((url) => printStatus(url, Number(opts.limit), { json: opts.json === true }));
  });

program.command('import').description("enqueue an import: connector-bridge import '<json>' (or JSON on stdin, which keeps the password out of `ps`)")
  .argument('[json]', 'the request, e.g. {"connector": {...}}; omit or "-" to read stdin')
  .option('--wait', 'wait for the result, showing progress; exit 0 when complete, 1 otherwise')
  .action(async (json: string | undefined, opts: { wait?: boolean }) => {
    const { runImportCommand } = await import('./cli-commands.js');
    await asClient((url) => runImportCommand(url, json, Boolean(opts.wait)));
  });

program.command('import-database').description("import every table of a remote schema: connector-bridge import-database '<json>' (or JSON on stdin)")
  .argument('[json]', 'the request, e.g. {"connector": {"provider": …, "connection": {…}, "include": [...]}}; omit or "-" to read stdin')
  .option('--target-schema <name>', 'where the tables appear (created when missing; default the first schema of the search_path)')
  .option('--wait', 'follow the run, showing progress, then print its summary; exit 0 when complete, 1 otherwise')
  .option('--json', 'print the answer (and with --wait the run and its summary) as JSON, for scripts')
  .action(async (json: string | undefined, opts: { targetSchema?: string; wait?: boolean; json?: boolean }) => {
    const { runImportDatabaseCommand } = await import('./cli-import-database.js');
    await asClient((url) => runImportDatabaseCommand(url, json, { targetSchema: opts.targetSchema, wait: opts.wait === true, json: opts.json === true }));
  });

const connection = program.command('connection').description('named connections (docs/named-connections.md): the password given once, imports name the connection');
connection.command('create').description('store a connection: JSON {"provider", "server", "database", "username", "password", …} on stdin (never in the statement text or `ps`)')
  .argument('<name>', 'the name imports use as "connection": "<name>"')
  .action(async (name: string) => {
    const { runConnectionCommand } = await import('./cli-commands.js');
    await asClient((url) => runConnectionCommand(url, 'create', name));
  });
connection.command('alter').description('change a connection, e.g. rotate its password: JSON {"password": "…"} on stdin')
  .argument('<name>')
  .action(async (name: string) => {
    const { runConnectionCommand } = await import('./cli-commands.js');
    await asClient((url) => runConnectionCommand(url, 'alter', name));
  });
connection.command('drop').description('drop a connection (refused while a sync uses it)')
  .argument('<name>')
  .action(async (name: string) => {
    const { runConnectionCommand } = await import('./cli-commands.js');
    await asClient((url) => runConnectionCommand(url, 'drop', name));
  });
connection.command('list').description('your connections, as a table (or --json); passwords show as ***')
  .option('--json', 'print them as JSON, for scripts')
  .action(async (opts: { json?: boolean }) => {
    const { runConnectionCommand } = await import('./cli-commands.js');
    await asClient((url) => runConnectionCommand(url, 'list', undefined, { json: opts.json === true }));
  });

program.command('rotate-secrets-key').description('seal stored passwords with a new key pair; the private keys go to <file> (CONNECTOR_SECRETS_KEY_FILE of every sidecar)')
  .argument('<file>', 'key file: created, or extended with the new key (the keys it held stay, for what was sealed before)')
  .action(async (file: string) => {
    const { rotateSecretsKey } = await import('./secrets/rotate-key.js');
    const result = await rotateSecretsKey(requireUrl(config().databaseUrl), file);
    console.log(`New key ${result.fingerprint} is active; ${result.resealed} stored password(s) sealed with it.`);
    console.log(`Every sidecar needs CONNECTOR_SECRETS_KEY_FILE=${file} (this file, readable by the sidecar only).`);
    console.log(result.onOtherKeys === 0
      ? 'No stored password uses an older key: once every sidecar has this file, older keys may be removed from it.'
      : `${result.onOtherKeys} password(s) were stored with an older key while this ran: run the command again before removing older keys.`);
  });

program.parseAsync().catch(async (err: unknown) => {
  console.error(err instanceof pg.DatabaseError ? (await import('./cli-commands.js')).sqlErrorText(err) : err);
  process.exit(1);
});
