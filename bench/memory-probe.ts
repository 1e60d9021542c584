/**
 * Where does the sidecar's memory go during one import? Runs one 1M-row import in-process and
 * samples process.memoryUsage() every 100 ms (rss, heap, external, arrayBuffers).
 *
 *   npx tsx bench/memory-probe.ts [--provider postgres|mysql] [--rows 1000000]
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { LOCAL_SOURCES } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { Sidecar } from '../src/sidecar/worker.js';
import { startMariaDb } from '../test/servers/mariadb.js';
import { startPostgres } from '../test/servers/postgres.js';
import { DATABASE, prepareMysql, preparePostgres, TABLE } from './datasets.js';
import { sql } from './tools.js';

const { values: args } = parseArgs({ options: { provider: { type: 'string', default: 'postgres' }, rows: { type: 'string', default: '1000000' } } });
const rows = Number(args.rows);
const [target, remote, maria] = await Promise.all([startPostgres(), args.provider === 'postgres' ? startPostgres() : undefined, args.provider === 'mysql' ? startMariaDb() : undefined]);
try {
  await sql(target.url, 'create database t');
  const url = target.urlFor('t');
  await migrate({ databaseUrl: url });
  await sql(url, `update cdb_connectors.settings set value = '${JSON.stringify(LOCAL_SOURCES)}' where name = 'allowed_hosts'`);
  if (remote) await preparePostgres(remote.url, rows);
  if (maria) await prepareMysql(maria.port, rows);
  const sidecar = new Sidecar({ databaseUrl: url, concurrency: 1, pollIntervalMs: 5000, shutdownGraceMs: 1000, log: pino({ level: 'warn' }) });
  await sidecar.start();
  const mb = (n: number) => (n / 2 ** 20).toFixed(0).padStart(4);
  const sample = () => { const m = process.memoryUsage(); return `rss ${mb(m.rss)} heapUsed ${mb(m.heapUsed)} heapTotal ${mb(m.heapTotal)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)}`; };
  console.log('idle   ', sample());
  const connector = remote
    ? { provider: 'postgres', connection: { server: '127.0.0.1', port: remote.port, database: 'postgres', username: 'postgres', sslmode: 'disable' }, table: TABLE }
    : { provider: 'mysql', connection: { server: '127.0.0.1', port: maria!.port, database: DATABASE, username: 'root', password: '' }, table: TABLE };
  const done = new Promise((r) => sidecar.once('finished', r));
  const timer = setInterval(() => console.log('running', sample()), 250);
  await sql(url, 'select cdb_connector_import($1::jsonb)', [JSON.stringify({ connector })]);
  await done;
  clearInterval(timer);
  console.log('done   ', sample(), 'peak rss', mb(process.resourceUsage().maxRSS * 1024));
  await sidecar.stop();
} finally {
  await Promise.all([target.stop(), remote?.stop(), maria?.stop()]);
}
