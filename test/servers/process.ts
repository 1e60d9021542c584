import { spawn, type SpawnOptions } from 'node:child_process';
import os from 'node:os';

/** True when this process runs as root: PostgreSQL's initdb refuses root, MariaDB needs --user=root. */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a command to completion; rejects with its output when it exits non-zero. */
export async function run(cmd: string, args: string[], opts: SpawnOptions & { asUser?: string } = {}): Promise<string> {
  const [file, argv] = opts.asUser && isRoot ? ['runuser', ['-u', opts.asUser, '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d) => { out += d; });
    child.stderr?.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:${os.EOL}${out}`));
    });
  });
}
