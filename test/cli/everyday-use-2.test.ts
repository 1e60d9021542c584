/**
 * Everyday use of the command, second part (issue 22 §8, §9, §12), real processes throughout:
 *   - logs are one readable line per entry when stdout is a terminal (a pseudo-terminal from
 *     script(1)), JSON otherwise or with LOG_FORMAT=json;
 *   - the HTTP API listens on 127.0.0.1 unless HTTP_HOST / --http-host says otherwise;
 *   - a port already in use stops `start` with one line, leaving no sidecar behind;
 *   - a role without cdb_connector_user gets PostgreSQL's refusal plus a HINT with the GRANT;
 *   - `npm ci` on the Node this runs on prints no EBADENGINE warning (cookie@2 wanted Node ≥ 22).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpOrigin, loadConfig } from '../../src/config.js';
import { prettyLine } from '../../src/log.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { freePort } from '../servers/free-port.js';
import { CLI, ROOT, runCli, runCommand, type CliRun } from '../helpers/cli.js';
import { mysqlRequest, withAlice, type RoleFactory, type TestRole } from '../sql/helpers.js';

/** How long `run` lives in the pseudo-terminal before timeout(1) sends it SIGTERM. */
const TTY_RUN_SECONDS = 6;

type Run = CliRun;

/** The CLI with exactly `env` (LOG_LEVEL warn unless given). */
const cli = (args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<Run> => runCli(args, { LOG_LEVEL: 'warn', ...env }, stdin, { exactEnv: true });
const sh = runCommand;

const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '');

let db: TargetDb;
let roles: RoleFactory;
let alice: TestRole;
let mallory: TestRole;

beforeAll(async () => {
  db = await createTargetDb();
  ({ roles, alice } = await withAlice(db));
  mallory = await roles.create('mallory');
});

afterAll(async () => {
  await roles?.cleanup();
});

describe('logs', () => {
  /** `run` in a pseudo-terminal for TTY_RUN_SECONDS, then SIGTERM: what the terminal showed. */
  async function runInTerminal(env: NodeJS.ProcessEnv): Promise<string> {
    const command = ['timeout', '--preserve-status', '-s', 'TERM', String(TTY_RUN_SECONDS), process.execPath, '--import', 'tsx', CLI, 'run', '--allow-superuser']
      .map(quote).join(' ');
    const r = await sh('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'info', ...env } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return plain(r.stdout);
  }

  it('on a terminal: one readable line per entry (time, level, message, fields), not JSON', async () => {
    const out = await runInTerminal({ LOG_FORMAT: '' });
    const lines = out.split('\n').filter((l) => l.trim() !== '');
    expect(lines.filter((l) => l.startsWith('{')), out).toEqual([]);
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}sidecar started {2}worker_id=\S+ concurrency=4$/m);
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}stopping {2}signal=SIGTERM$/m);
  }, 60_000);

  it('LOG_FORMAT=json keeps JSON on a terminal, for collectors', async () => {
    const out = await runInTerminal({ LOG_FORMAT: 'json' });
    const started = out.split('\n').find((l) => l.includes('sidecar started'));
    expect(JSON.parse(started!)).toMatchObject({ level: 30, msg: 'sidecar started', concurrency: 4 });
  }, 60_000);

  it('prettyLine: errors as "Type: message (code)", strings with spaces quoted, non-JSON unchanged', () => {
    const json = JSON.stringify({ level: 50, time: '2025-01-07T10:00:03.120Z', service: 'connector-bridge', pid: 1, job_id: 'j1', error: { type: 'Error', message: 'boom', code: 'E1' }, table: 'a b', msg: 'import failure' });
    expect(prettyLine(json)).toMatch(/^\d\d:\d\d:03\.120 ERROR import failure {2}job_id=j1 error="Error: boom \(E1\)" table="a b"$/);
    expect(prettyLine(json, { colours: true })).toContain('\x1b[31mERROR\x1b[0m');
    expect(prettyLine('not json')).toBe('not json');
  });
});

describe('the HTTP API\'s interface', () => {
  it('127.0.0.1 unless HTTP_HOST or --http-host names another (the flag wins)', () => {
    expect(loadConfig({}, {}).httpHost).toBe('127.0.0.1');
    expect(loadConfig({}, { HTTP_HOST: '0.0.0.0' }).httpHost).toBe('0.0.0.0');
    expect(loadConfig({ httpHost: '::1' }, { HTTP_HOST: '0.0.0.0' }).httpHost).toBe('::1');
    expect(loadConfig({ metricsHost: '0.0.0.0' }, {}).metricsHost).toBe('0.0.0.0');
    expect(() => loadConfig({}, { LOG_FORMAT: 'xml' })).toThrow('LOG_FORMAT must be one of auto, pretty, json, got "xml"');
    expect([httpOrigin('0.0.0.0', 8080), httpOrigin('::', 1), httpOrigin('fd00::2', 2)]).toEqual(['http://127.0.0.1:8080', 'http://[::1]:1', 'http://[fd00::2]:2']);
  });
});

describe('a port in use', () => {
  it('HTTP_PORT taken: start says so in one line, exits 2 and leaves no sidecar running', async () => {
    const port = await freePort();
    const squatter = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    try {
      const r = await cli(['start', '--allow-superuser'], { ...process.env, DATABASE_URL: db.url, HTTP_PORT: String(port), METRICS_PORT: '' });
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr.trim()).toBe(`Port ${port} on 127.0.0.1 (HTTP_PORT) is in use, perhaps by another connector-bridge: choose another port, or stop what listens there.`);
      expect(r.stdout).not.toContain('is running');
      const { rows } = await db.query('select count(*)::int as n from cdb_connectors.workers where alive');
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      squatter.close();
    }
  }, 60_000);
});

describe('a role without cdb_connector_user', () => {
  const hint = (role: string) => `HINT: role ${role} is not a member of cdb_connector_user, the role that may use the connector API: an administrator runs GRANT cdb_connector_user TO "${role}";`;

  it('import: PostgreSQL\'s refusal, then the GRANT that fixes it', async () => {
    const r = await cli(['import', '-'], { ...process.env, DATABASE_URL: db.urlAs(mallory.name) }, JSON.stringify(mysqlRequest()));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`ERROR: permission denied for function cdb_connector_import\n${hint(mallory.name)}`);
  });

  it('status: the same for the views\' schema', async () => {
    const r = await cli(['status'], { ...process.env, DATABASE_URL: db.urlAs(mallory.name) });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`ERROR: permission denied for schema cdb_connectors\n${hint(mallory.name)}`);
  });

  it('a member gets no such HINT', async () => {
    const r = await cli(['status', '--json'], { ...process.env, DATABASE_URL: db.urlAs(alice.name) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('HINT');
  });
});

describe('npm install', () => {
  it('npm ci on this Node warns about no engine (cookie@2.0.2 wanted Node >= 22)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgcb-npm-'));
    try {
      for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
      const r = await sh('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund', '--offline'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect((r.stdout + r.stderr).split('\n').filter((l) => /^npm warn/i.test(l))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
