/**
 * docker-compose.yml stays valid (issue 10 §2). Needs only the compose binary, not an engine;
 * skipped with a clear reason when neither `docker compose` nor `docker-compose` exists.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

function composeCommand(): string[] | undefined {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const r = spawnSync(cmd[0]!, [...cmd.slice(1), 'version'], { encoding: 'utf8' });
    if (r.status === 0) return cmd;
  }
  return undefined;
}

const compose = composeCommand();

describe('docker-compose.yml', () => {
  it.skipIf(!compose)('is valid per `compose config` (skipped: no docker compose / docker-compose binary)', () => {
    const r = spawnSync(compose![0]!, [...compose!.slice(1), '-f', 'docker-compose.yml', 'config', '--services'], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/invalid|error/i);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['bridge', 'bridge-init', 'hive', 'hive-init', 'mysql', 'sqlserver', 'sqlserver-init', 'target']);
  });

  it('mounts sample data files that exist', () => {
    const text = fs.readFileSync(`${root}/docker-compose.yml`, 'utf8');
    const mounts = [...text.matchAll(/- \.\/(\S+?):/g)].map((m) => m[1]!);
    expect(mounts.length).toBeGreaterThanOrEqual(3);
    for (const file of mounts) expect(fs.existsSync(`${root}/${file}`), file).toBe(true);
  });
});
