/**
 * What a benchmark run prints about itself (issue 21 item 4), so that a figure can be traced to
 * the machine and the commit that produced it; and the reference tools installed when missing,
 * instead of a table that silently lacks their lines.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { sql } from './tools.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** Debian packages of the reference tools, and how to tell each is there. */
const REFERENCE_PACKAGES = [
  { pkg: 'pgloader', present: () => run('sh', ['-c', 'command -v pgloader']).ok },
  { pkg: 'postgresql-15-mysql-fdw', present: () => fs.existsSync('/usr/share/postgresql/15/extension/mysql_fdw.control') },
];

export interface MachineLine {
  cpus: number;
  cpu: string;
  memGb: number;
  os: string;
  node: string;
  postgres: string;
  mariadb: string;
  pgloader?: string;
  mysqlFdw?: string;
  /** `git rev-parse --short HEAD`, with `+changes` when the working tree differs from it. */
  commit: string;
}

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: ROOT });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/** Installs the missing reference tools with apt when running as root; says what is still missing. */
export function ensureReferenceTools(): { installed: string[]; missing: string[] } {
  const wanted = REFERENCE_PACKAGES.filter((p) => !p.present()).map((p) => p.pkg);
  if (wanted.length > 0 && process.getuid?.() === 0 && run('sh', ['-c', 'command -v apt-get']).ok) {
    console.log(`installing ${wanted.join(', ')} with apt-get…`);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...wanted]);
  }
  const missing = REFERENCE_PACKAGES.filter((p) => !p.present()).map((p) => p.pkg);
  return { installed: wanted.filter((p) => !missing.includes(p)), missing };
}

export async function describeMachine(servers: { targetUrl: string; mysqlPort: number }): Promise<MachineLine> {
  const release = fs.existsSync('/etc/os-release') ? /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] : undefined;
  const head = run('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = run('git', ['status', '--porcelain', '--untracked-files=no']).out !== '';
  const postgres = (await sql(servers.targetUrl, 'show server_version')).rows[0].server_version as string;
  const fdw = (await sql(servers.targetUrl, "select default_version from pg_available_extensions where name = 'mysql_fdw'")).rows[0]?.default_version as string | undefined;
  const conn = await mysql.createConnection({ host: '127.0.0.1', port: servers.mysqlPort, user: 'root' });
  let mariadb: string;
  try {
    const [rows] = await conn.query('select version() as v') as [Array<{ v: string }>, unknown];
    mariadb = rows[0]!.v;
  } finally {
    await conn.end();
  }
  const pgloader = run('pgloader', ['--version']);
  return {
    cpus: os.cpus().length, cpu: os.cpus()[0]?.model.trim() ?? 'unknown', memGb: Math.round(os.totalmem() / 2 ** 30),
    os: release ?? `${os.type()} ${os.release()}`, node: process.version.replace(/^v/, ''), postgres: postgres.split(' ')[0]!, mariadb,
    ...(pgloader.ok ? { pgloader: /version "?([\w.~+-]+)"?/.exec(pgloader.out)?.[1] ?? pgloader.out.split('\n')[0]! } : {}),
    ...(fdw ? { mysqlFdw: fdw } : {}),
    commit: head.ok ? `${head.out}${dirty ? '+changes' : ''}` : 'unknown',
  };
}
