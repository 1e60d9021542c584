/**
 * `connector-bridge import-database` as a user runs it (issue 20 item 4): real processes against a
 * target with a sidecar and a MariaDB of three small tables. --wait follows the run and prints
 * the summary; exit 0 complete, 1 failed, 2 for a request to fix; Ctrl-C cancels the run; the
 * password given on stdin never reaches the output. The terminal case runs in script(1).
 */
import { execFile, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSetting } from '../helpers/answers.js';
import { tablesIn, waitForRun } from '../helpers/database-runs.js';
import { CLI, ROOT, runCli, type CliRun } from '../helpers/cli.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

const PASSWORD = 'Pw-import-db-7f3a9c';
/** How long the terminal case holds `rivers` locked in MariaDB: several frames see it running. */
const LOCKED_MS = 1500;
const SMALL = ['cities', 'countries', 'rivers'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let db: TargetDb;
let idle: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, idle, my] = await Promise.all([createTargetDb(), createTargetDb(), createMysqlDb()]);
  sidecar = await startSidecar(db);
  await my.exec(`create table cities (id int primary key, name varchar(20)); insert into cities values (1, 'Oslo'), (2, 'Lima');
    create table countries (id int primary key, name varchar(20)); insert into countries values (1, 'Norway'), (2, 'Peru'), (3, 'Chile');
    create table rivers (id int primary key, name varchar(20)); insert into rivers select seq, concat('r', seq) from seq_1_to_5000;`);
  await my.createUser('cli_reader', PASSWORD);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), idle?.drop(), my?.drop()]);
});

const request = (connector: Record<string, unknown> = {}) =>
  JSON.stringify({ connector: { provider: 'mysql', connection: my.connection('cli_reader', PASSWORD), ...connector } });
const cli = (args: string[], stdin?: string): Promise<CliRun> => runCli(['import-database', ...args], { DATABASE_URL: db.url }, stdin);
const noPassword = (r: CliRun) => expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);

describe('connector-bridge import-database', () => {
  it('--wait, not a terminal: the run id, a line per finished table, then the summary with every table and a Total row; exit 0', async () => {
    const r = await cli(['--target-schema', 'world', '--wait'], request({ include: SMALL }));
    expect(r.code, r.stderr).toBe(0);
    noPassword(r);
    const [id, header, rule, ...rows] = r.stdout.trimEnd().split('\n');
    expect(id).toMatch(UUID);
    expect(header).toMatch(/^ {2}table_name \| remote_table \| state\s+\| +rows \| rejects \| warnings \| error \| seconds \| rows_per_second$/);
    expect(rule).toMatch(/^ {2}-+(-\+-+)+$/);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(/^ {2}cities\s+\| cities\s+\| complete \|\s+2 \|\s+0 \|/);
    expect(rows[1]).toMatch(/^ {2}countries\s+\| countries\s+\| complete \|\s+3 \|/);
    expect(rows[2]).toMatch(/^ {2}rivers\s+\| rivers\s+\| complete \| 5000 \|/);
    expect(rows[3]).toMatch(/^ {2}Total\s+\|\s+\| complete \| 5005 \|\s+0 \|/);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines.every((l) => !l.includes('\r') && !l.includes('\x1b')), r.stderr).toBe(true);
    expect(lines).toEqual(expect.arrayContaining(['cities: complete · 2 rows', 'countries: complete · 3 rows', 'rivers: complete · 5,000 rows']));
    expect(lines.at(-1)).toMatch(/^ {2}complete \[█{20}\] 100% · 3\/3 tables · 5,005 rows · /);
    expect(await tablesIn(db, 'world')).toEqual(['cities', 'countries', 'rivers']);
    expect((await db.query('select count(*)::int as n from world.rivers')).rows[0].n).toBe(5000);
  });

  it('without --wait: the run id, or with --json the answer; the run goes on', async () => {
    const plain = await cli(['--target-schema', 'later', '-'], request({ include: ['cities'] }));
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout.trim()).toMatch(UUID);
    const json = await cli(['--target-schema', 'later_json', '--json'], request({ include: ['cities'] }));
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ run_id: expect.stringMatching(UUID), success: true, state: 'listing' });
    for (const id of [plain.stdout.trim(), JSON.parse(json.stdout).run_id]) expect((await waitForRun(db, id)).state).toBe('complete');
  });

  it('--wait --json: the answer, then the run (password as ***) and its summary as one JSON document', async () => {
    const r = await cli(['--target-schema', 'world_json', '--wait', '--json'], request({ include: ['cities', 'countries'] }));
    expect(r.code, r.stderr).toBe(0);
    noPassword(r);
    const answer = JSON.parse(r.stdout.slice(0, r.stdout.indexOf('\n')));
    const result = JSON.parse(r.stdout.slice(r.stdout.indexOf('\n') + 1));
    expect(result.run).toMatchObject({ run_id: answer.run_id, state: 'complete', tables_total: 2, tables_complete: 2, rows_fetched: 5, percent: 100, params: { connection: { password: '***' } } });
    expect(result.summary.map((s: { table_name: string; rows: number }) => [s.table_name, s.rows])).toEqual([['cities', 2], ['countries', 3], ['Total', 5]]);
  });

  it('a run that fails exits 1 and prints the error, in the summary and on stderr', async () => {
    await withSetting(db, 'max_columns', '1', async () => {
      const r = await cli(['--target-schema', 'too_wide', '--wait'], request({ include: ['cities'] }));
      expect(r.code, r.stderr).toBe(1);
      noPassword(r);
      expect(r.stdout).toMatch(/^ {2}\s+\| cities\s+\| failure \|.*\| 1507: The source has 2 importable columns; [^|]*… \|/m);
      expect(r.stdout).toMatch(/^ {2}Total\s+\|\s+\| failure \|/m);
      expect(r.stderr).toMatch(/^cities: failure · 0 rows · 1507: /m);
      expect(r.stderr).toMatch(/^error 1507: 1 of 1 tables failed, so nothing was published \(atomic run\): cities \(1507: The source has 2 importable columns/m);
      expect(await tablesIn(db, 'too_wide')).toEqual([]);
    });
  });

  it('a request to fix exits 2 with the message, stores nothing and never shows the password', async () => {
    const before = (await db.query('select count(*)::int as n from cdb_connectors.database_runs')).rows[0].n;
    const broken = await cli(['--wait'], request().slice(0, -1));
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^ERROR: The request is not valid JSON/);
    noPassword(broken);
    // unquoted, the password is the token V8's own message would quote
    const unquoted = await cli([], `{"connector": {"provider": "mysql", "connection": {"password": ${PASSWORD}}}}`);
    expect(unquoted.code).toBe(2);
    expect(unquoted.stderr).toMatch(/^ERROR: The request is not valid JSON/);
    noPassword(unquoted);
    const invalid = await cli(['--wait'], request({ table: 'cities' }));
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^ERROR: Invalid parameters: table — a whole-database run imports every table/m);
    expect(invalid.stdout).toBe('');
    noPassword(invalid);
    expect((await db.query('select count(*)::int as n from cdb_connectors.database_runs')).rows[0].n).toBe(before);
  });

  it('in a terminal: the running tables and the overall line, redrawn in place', async () => {
    const command = [process.execPath, '--import', 'tsx', CLI, 'import-database', '--target-schema', 'tty', '--wait', request({ include: ['cities', 'rivers'] })]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    // the sidecar reads 300,000 rows in 0.2 s: a read lock held in MariaDB keeps `rivers` running
    await my.exec('lock tables rivers write');
    const unlocked = new Promise((r) => setTimeout(r, LOCKED_MS)).then(() => my.exec('unlock tables'));
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' }, timeout: 60_000 },
        (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout }));
    });
    await unlocked;
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toContain(PASSWORD);
    // a block of table lines and the overall line is cleared line by line (cursor up) before each redraw
    expect(r.out, r.out).toContain('\x1b[1A\x1b[2K');
    const lines = r.out.split(/\r\n|\r|\n|\x1b\[1A|\x1b\[2K/).filter(Boolean);
    const live = lines.filter((l) => /^\S (listing|importing)( \[[█░]{20}\] \d+%)? · /.test(l));
    expect(live.length, lines.join('\n')).toBeGreaterThan(2);
    expect(lines, lines.join('\n')).toContainEqual(expect.stringMatching(/^ {2}rivers {2}0 (\/ ~[\d,]+ rows · 0%|rows)$/));
    expect(live, live.join('\n')).toContainEqual(expect.stringMatching(/^\S importing \[[█░]{20}\] \d+% · 1\/2 tables · [\d,]+ \/ ~[\d,]+ rows · /));
    expect(lines).toContain('cities: complete · 2 rows');
    expect(lines).toContain('rivers: complete · 5,000 rows');
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}complete \[█{20}\] 100% · 2\/2 tables · 5,002 rows · /));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}Total\s+\|\s+\| complete \| 5002 \|/));
  });

  it('Ctrl-C during --wait cancels the run and ends by SIGINT, as import --wait does', async () => {
    // a target without a sidecar: the run stays listing until the CLI cancels it
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'import-database', '--target-schema', 'stopped', '--wait'], {
      cwd: ROOT, env: { ...process.env, DATABASE_URL: idle.url, LOG_LEVEL: 'silent' }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const printed = new Promise<void>((resolve) => child.stdout.on('data', (d) => { stdout += d; if (stdout.includes('\n')) resolve(); }));
    child.stdin.end(request());
    await printed; // the run id: the run is stored and the CLI follows it
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    const { code, signal } = await exited;
    expect(signal ?? code, stderr).toBe('SIGINT');
    const runId = stdout.trim();
    expect(runId).toMatch(UUID);
    expect(stderr).toContain(`Interrupted: cancelling run ${runId}.`);
    expect(stderr).not.toContain(PASSWORD);
    const { rows } = await idle.query('select cancel_requested from cdb_connectors.database_runs where id = $1', [runId]);
    expect(rows).toEqual([{ cancel_requested: true }]);
  });
});
