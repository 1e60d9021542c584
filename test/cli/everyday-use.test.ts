/**
 * The CLI as a new user meets it (issue 22 §1, §7), real processes throughout:
 *   - `npm run build` leaves dist/cli.js executable (the bin `npx connector-bridge` runs);
 *   - `status` and `import` beside a running `npm start` (embedded PostgreSQL, no DATABASE_URL)
 *     find its database through the credentials file under the data directory;
 *   - without either, exit 2 with what to do;
 *   - `status` prints aligned tables (not Node's console.table) and `--json` for scripts;
 *   - `import --wait` in a terminal (a pseudo-terminal from script(1)) shows counters while the
 *     total is unknown, never a bar that is full from the first frame.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { freePort } from '../servers/free-port.js';
import { CLI, ROOT, runCli, runCommand, type CliRun } from '../helpers/cli.js';

const START_TIMEOUT_MS = 90_000;
const { DATABASE_URL: _ignored, ...WITHOUT_URL } = process.env;

type Run = CliRun;

/** The CLI with exactly `env` (LOG_LEVEL silent unless given). */
const cli = (args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<Run> => runCli(args, { LOG_LEVEL: 'silent', ...env }, stdin, { exactEnv: true });
const sh = runCommand;

let my: MysqlDb;

beforeAll(async () => {
  my = await createMysqlDb();
  await my.exec("create table cities (id int primary key, name varchar(20)); insert into cities values (1, 'Oslo'), (2, 'Lima');");
});

afterAll(async () => {
  await my?.drop();
});

describe('the bin', () => {
  it('npm run build leaves dist/cli.js executable, so npx connector-bridge runs after npm ci', async () => {
    // the real build scripts and tsconfig on a one-file tree: what they do to dist/cli.js
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgcb-build-'));
    try {
      fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
      fs.copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
      fs.mkdirSync(path.join(dir, 'src'));
      fs.copyFileSync(path.join(ROOT, 'src', 'tsconfig.build.json'), path.join(dir, 'src', 'tsconfig.build.json'));
      fs.writeFileSync(path.join(dir, 'src', 'cli.ts'), "#!/usr/bin/env node\nconsole.log('connector-bridge ok');\n");
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
      const build = await sh('npm', ['run', 'build'], { cwd: dir });
      expect(build.code, build.stdout + build.stderr).toBe(0);
      const mode = fs.statSync(path.join(dir, 'dist', 'cli.js')).mode;
      expect(mode & 0o111, `dist/cli.js mode ${mode.toString(8)}`).toBe(0o111);
      const run = await sh(path.join(dir, 'dist', 'cli.js'), []);
      expect(run).toMatchObject({ code: 0, stdout: 'connector-bridge ok\n' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // and the real entry point keeps the line that makes it a command
    expect(fs.readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  }, 120_000);
});

describe('beside a running npm start (no DATABASE_URL)', () => {
  let dataDir: string;
  let child: ReturnType<typeof spawn> | undefined;
  let exited: Promise<number | null>;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgcb-beside-'));
    fs.chmodSync(dataDir, 0o755); // the embedded server may run as the postgres OS user
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start', '--data-dir', dataDir], {
      cwd: ROOT, env: { ...WITHOUT_URL, PGPORT: String(port), LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    child.stderr!.on('data', (d) => { out += d; });
    exited = new Promise((resolve) => child!.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no psql URL within ${START_TIMEOUT_MS} ms:\n${out}`)), START_TIMEOUT_MS);
      const poll = setInterval(() => {
        if (/psql "postgres:\/\//.test(out)) { clearInterval(poll); clearTimeout(timer); resolve(); }
      }, 100);
      void exited.then((code) => { clearInterval(poll); clearTimeout(timer); reject(new Error(`start exited with ${code}:\n${out}`)); });
    });
  }, START_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('status finds the embedded database and shows its live sidecar', async () => {
    const r = await cli(['status', '--data-dir', dataDir, '--json'], WITHOUT_URL);
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout);
    expect(status.workers).toEqual([expect.objectContaining({ alive: true, running_jobs: 0 })]);
  });

  it('import --wait imports into the embedded database', async () => {
    const request = { connector: { provider: 'mysql', connection: my.connection(), table: 'cities', import_as: 'cities_beside' } };
    const r = await cli(['import', '-', '--wait', '--data-dir', dataDir], WITHOUT_URL, JSON.stringify(request));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/"state": "complete"/);
    expect(r.stdout).toMatch(/"table_name": "cities_beside"/);
  });

  it('with no embedded database there either: exit 2, saying what to do', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'pgcb-empty-'));
    try {
      const r = await cli(['status', '--data-dir', empty], WITHOUT_URL);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('DATABASE_URL is not set');
      expect(r.stderr).toContain('npm start');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('status and progress output', () => {
  let db: TargetDb;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    db = await createTargetDb();
    sidecar = await startSidecar(db);
  });

  afterAll(async () => {
    await sidecar?.stop();
    await db?.drop();
  });

  it('status prints aligned tables, not Node\'s console.table; --json for scripts', async () => {
    const request = { connector: { provider: 'mysql', connection: my.connection(), table: 'cities', import_as: 'cities_status' } };
    expect((await cli(['import', '--wait'], { ...process.env, DATABASE_URL: db.url }, JSON.stringify(request))).code).toBe(0);
    const r = await cli(['status'], { ...process.env, DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/[┌│└]|\(index\)/);
    const lines = r.stdout.split('\n');
    const header = lines.findIndex((l) => /^\s+id\s+\| host\s+\| pid/.test(l));
    expect(header, r.stdout).toBeGreaterThanOrEqual(0);
    expect(lines[header + 1]).toMatch(/^\s+-+-\+-/);
    // every line of a table has its column separators at the same places as its header
    const bars = (l: string) => [...l.matchAll(/ \| /g)].map((m) => m.index);
    expect(bars(lines[header + 2]!)).toEqual(bars(lines[header]!));
    const row = lines.find((l) => l.includes('cities_status'))!;
    const importsHeader = lines.find((l) => /^\s+id\s+\| state/.test(l))!;
    expect(bars(row)).toEqual(bars(importsHeader));
    expect(row).toMatch(/\| complete\s+\| mysql/);

    const json = await cli(['status', '--json', '--limit', '1'], { ...process.env, DATABASE_URL: db.url });
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.workers).toEqual([expect.objectContaining({ id: sidecar.sidecar.workerId, alive: true })]);
    expect(parsed.imports).toEqual([expect.objectContaining({ state: 'complete', table_name: 'cities_status', rows_fetched: 2 })]);
  });

  it('import --wait in a terminal: counters while the total is unknown, no full bar from the first frame', async () => {
    const request = { connector: { provider: 'mysql', connection: my.connection(), table: 'cities', import_as: 'cities_tty' } };
    const command = [process.execPath, '--import', 'tsx', CLI, 'import', '--wait', JSON.stringify(request)]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const r = await sh('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const frames = r.stdout.split(/\r|\x1b\[2K/).map((f) => f.trim()).filter((f) => /rows/.test(f) && !f.startsWith('{') && !f.startsWith('"'));
    expect(frames.length, r.stdout).toBeGreaterThan(0);
    expect(r.stdout).not.toMatch(/[█░]/);
    expect(frames[0]).toMatch(/^\S (enqueued|importing|complete) · \d+ rows · /);
    expect(frames.at(-1)).toMatch(/complete · 2 rows/);
    expect(r.stdout).toMatch(/"state": "complete"/);
  });
});
