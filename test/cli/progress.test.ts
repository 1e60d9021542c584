/**
 * `import --wait` progress with a row estimate (issue 22 §7): `rows / ~estimate rows · % · rows/s
 * · ETA` once the sidecar knows the estimate from the remote's statistics, counters only before,
 * never a bar that is full from the first frame. The terminal case runs the CLI in a
 * pseudo-terminal (script(1)), as a person sees it; the frame text itself is tested as a function.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { compactCount, duration, progressLine, RateWindow } from '../../src/cli-progress.js';
import { CLI, ROOT, runCli } from '../helpers/cli.js';
import { startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { allowTargetAsSource, createTargetDb, type TargetDb } from '../helpers/target.js';

describe('progressLine', () => {
  it('with an estimate: rows of ~total, percent, rate and ETA from the remaining rows', () => {
    expect(progressLine({ frame: 2, state: 'importing', rows: 1_234_567, estimate: 2_000_000, rowsPerSecond: 312_000, elapsedMs: 4200 }))
      .toBe('⠹ importing · 1,234,567 / ~2,000,000 rows · 61% · 312k rows/s · ETA 0:02 · 0:04');
  });

  it('without one: counters and a spinner, no percent, no bar', () => {
    const line = progressLine({ frame: 0, state: 'enqueued', rows: 0, estimate: null, elapsedMs: 300 });
    expect(line).toBe('⠋ enqueued · 0 rows · 0:00');
    expect(progressLine({ frame: 1, state: 'importing', rows: 5000, elapsedMs: 2000, rowsPerSecond: 2500 })).toBe('⠙ importing · 5,000 rows · 2.5k rows/s · 0:02');
  });

  it('beyond the estimate (statistics are approximate) and once finished: the rows alone', () => {
    expect(progressLine({ frame: 3, state: 'importing', rows: 2_100_000, estimate: 2_000_000, rowsPerSecond: 1_500_000, elapsedMs: 61_000 }))
      .toBe('⠸ importing · 2,100,000 rows · 1.5M rows/s · 1:01');
    expect(progressLine({ frame: 9, state: 'complete', rows: 3000, estimate: 2985, elapsedMs: 3000 })).toBe('  complete · 3,000 rows · 1.0k rows/s · 0:03');
  });

  it('formats counts and durations', () => {
    expect([950, 3210, 312_400, 1_440_000, 25_000_000].map(compactCount)).toEqual(['950', '3.2k', '312k', '1.4M', '25M']);
    expect([0, 4999, 750_000, 3_723_000].map(duration)).toEqual(['0:00', '0:04', '12:30', '1:02:03']);
  });

  it('RateWindow: rows per second over the last 5 s, between the polls where the count moved', () => {
    const rate = new RateWindow(5000);
    rate.add(0, 0);
    rate.add(500, 1000);
    expect(rate.rowsPerSecond()).toBeUndefined(); // under a second apart
    for (let t = 1000; t <= 10_000; t += 1000) rate.add(t, t < 6000 ? t * 10 : 50_000 + (t - 5000) * 2);
    // the first five seconds ran at 10,000 rows/s, the last five at 2,000: the window sees only those
    expect(rate.rowsPerSecond()).toBe(2000);
    // polls between two steps of the count do not make the rate sag
    for (const t of [10_250, 10_500, 10_750]) rate.add(t, 60_000);
    expect(rate.rowsPerSecond()).toBe(2000);
    // no step for a whole window: a stall, rate 0 (and so no ETA)
    rate.add(16_000, 60_000);
    expect(rate.rowsPerSecond()).toBe(0);
  });
});

describe('import --wait with a row estimate', () => {
  let db: TargetDb;
  let sidecar: TestSidecar;
  /** ~5 s of rows (pg_sleep(0.001) each): the planner estimates them (EXPLAIN), so the frames have a total. */
  const SLOW_ROWS = 3000;

  beforeAll(async () => {
    db = await createTargetDb();
    await allowTargetAsSource(db);
    sidecar = await startSidecar(db);
  });

  afterAll(async () => {
    await sidecar?.stop();
    await db?.drop();
  });

  /** The planner's estimate of the slow query is 2,985 (a 0.995 selectivity for the IS NOT NULL), of the fast one exactly 3,000. */
  const request = (importAs: string, slow: boolean) => {
    const { host, port } = inject('servers').pg;
    return { connector: {
      provider: 'postgres', connection: { server: host, port, database: db.name, username: 'postgres', sslmode: 'disable' },
      sql_query: `select g as id from pg_catalog.generate_series(1, ${SLOW_ROWS}) as g${slow ? ' where pg_catalog.pg_sleep(0.001) is not null' : ''}`, import_as: importAs,
    } };
  };

  it('in a terminal: counters first, then rows of ~total with percent, rows/s and ETA, then the rows alone', async () => {
    const command = [process.execPath, '--import', 'tsx', CLI, 'import', '--wait', JSON.stringify(request('slow_tty', true))]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' }, timeout: 120_000 },
        (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout }));
    });
    expect(r.code, r.out).toBe(0);
    const frames = r.out.split(/\r|\x1b\[2K/).map((f) => f.trim()).filter((f) => / rows( ·|$)/.test(f) && !f.startsWith('{') && !f.startsWith('"'));
    // the first frame: counters (the estimate comes after describe), never a full bar or 100%
    expect(frames[0], r.out).toMatch(/^\S (enqueued|importing) · 0( \/ ~2,985)? rows · (0% · )?\d+:\d\d$/);
    expect(r.out).not.toMatch(/[█░#]{3}/);
    const withTotal = frames.filter((f) => /^\S importing · [\d,]+ \/ ~2,985 rows · \d+% · /.test(f));
    expect(withTotal.length, frames.join('\n')).toBeGreaterThan(0);
    expect(withTotal.some((f) => / · [\d.]+k? rows\/s · ETA \d+:\d\d · \d+:\d\d$/.test(f)), withTotal.join('\n')).toBe(true);
    expect(frames.at(-1)).toMatch(/^complete · 3,000 rows · [\d.]+k? rows\/s · \d+:\d\d$/);
    expect(r.out).toMatch(/"rows_estimated": 2985/);
  });

  it('not a terminal: plain lines, one per change of state; the status JSON carries rows_estimated', async () => {
    const r = await runCli(['import', '--wait'], { DATABASE_URL: db.url }, JSON.stringify(request('plain', false)));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines.every((l) => !l.includes('\r') && !l.includes('\x1b'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^ {2}complete · 3,000 rows · /);
    const status = JSON.parse(r.stdout.slice(r.stdout.indexOf('\n{') + 1));
    expect(status).toMatchObject({ state: 'complete', rows_fetched: 3000, rows_estimated: 3000 });
    const json = JSON.parse((await runCli(['status', '--json', '--limit', '1'], { DATABASE_URL: db.url })).stdout);
    expect(json.imports[0]).toMatchObject({ table_name: 'plain', rows_fetched: 3000, rows_estimated: 3000 });
    const table = (await runCli(['status', '--limit', '1'], { DATABASE_URL: db.url })).stdout;
    expect(table).toMatch(/\| rows_fetched \| rows_estimated \|/);
    expect(table).toMatch(/\| plain\s+\|\s+3000 \|\s+3000 \|/);
  });
});
