/**
 * `npm run testserver:hive -- --port 10000 [--user U --password P] [--backend postgres://…]`
 *
 * Runs the HiveServer2 test server until Ctrl-C. Without --backend it starts its own throwaway
 * PostgreSQL (test/servers/postgres.ts) and removes it on exit.
 */
import { Command } from 'commander';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../postgres.js';
import { startHiveServer } from './index.js';

const BACKEND_DATABASE = 'hive';

const program = new Command()
  .name('testserver:hive')
  .description('HiveServer2 (Thrift TCLIService, binary transport) test server backed by PostgreSQL')
  .option('--port <n>', 'TCP port (0 = any free port)', '10000')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--user <user>', 'PLAIN SASL user (with --password); NOSASL when absent')
  .option('--password <password>', 'PLAIN SASL password')
  .option('--backend <url>', 'PostgreSQL database holding the Hive tables (default: a throwaway server)')
  .parse();

const opts = program.opts<{ port: string; host: string; user?: string; password?: string; backend?: string }>();

let postgres: PostgresServer | undefined;
let backendUrl = opts.backend;
if (!backendUrl) {
  postgres = await startPostgres();
  const admin = new pg.Client(postgres.url);
  await admin.connect();
  await admin.query(`create database ${BACKEND_DATABASE}`);
  await admin.end();
  backendUrl = postgres.urlFor(BACKEND_DATABASE);
}

const server = await startHiveServer({ backendUrl, port: Number(opts.port), host: opts.host, user: opts.user, password: opts.password });
const authText = server.auth === 'PLAIN' ? `PLAIN SASL as ${opts.user}` : 'NOSASL';
console.log(`HiveServer2 test server listening on ${server.host}:${server.port} (${authText}); backend ${postgres ? 'throwaway PostgreSQL' : 'given'}: ${backendUrl.replace(/:[^:@/]*@/, ':***@')}`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.stop();
  await postgres?.stop();
  process.exit(0);
}
process.on('SIGINT', () => { void shutdown(); });
process.on('SIGTERM', () => { void shutdown(); });
