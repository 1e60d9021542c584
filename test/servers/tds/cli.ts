/**
 * `npm run testserver:tds -- --port 14330 --user sa --password 'Secret1!' [--database testdb]
 *  [--backend postgres://…] [--tls] [--require-encryption]`
 * Starts the TDS test server on its own (its own throwaway PostgreSQL unless --backend is given)
 * and prints where it listens, so any TDS client (sqlcmd, tedious, JDBC…) can be pointed at it.
 */
import { Command } from 'commander';
import { makeSelfSignedCert, type SelfSignedCert } from './cert.js';
import { startTdsServer } from './server.js';

const program = new Command('testserver:tds')
  .option('--port <n>', 'TCP port (0 = any free port)', '0')
  .option('--host <h>', 'address to bind', '127.0.0.1')
  .requiredOption('--user <u>', 'login name')
  .requiredOption('--password <p>', 'password')
  .option('--database <db>', 'database name clients log in to', 'master')
  .option('--backend <url>', 'PostgreSQL URL holding the data (default: a throwaway cluster)')
  .option('--tls', 'offer TLS with a fresh self-signed certificate')
  .option('--require-encryption', 'refuse clients that do not encrypt')
  .option('--verbose', 'log logins and protocol errors')
  .parse();

const o = program.opts<{ port: string; host: string; user: string; password: string; database: string; backend?: string; tls?: boolean; requireEncryption?: boolean; verbose?: boolean }>();
let cert: SelfSignedCert | undefined;
if (o.tls) cert = await makeSelfSignedCert();
const server = await startTdsServer({
  user: o.user, password: o.password, database: o.database, backendUrl: o.backend, host: o.host, port: Number(o.port),
  tls: cert, requireEncryption: o.requireEncryption, log: o.verbose ? (l) => console.error(l) : undefined,
});
console.log(`TDS test server listening on ${server.host}:${server.port} (database ${server.database}, user ${o.user}${cert ? `, TLS certificate ${cert.certFile}` : ''})`);
console.log(`backend: ${server.backendUrl.replace(/:[^:@/]*@/, ':***@')}`);
const shutdown = async () => {
  await server.stop();
  cert?.remove();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
