/**
 * The `connector-bridge` command as a user runs it: a real process (src/cli.ts through tsx),
 * JSON on stdin, the exit code and both outputs collected.
 */
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const CLI = path.join(ROOT, 'src', 'cli.ts');

export interface CliRun { code: number | null; stdout: string; stderr: string }

/**
 * Runs the CLI with `args`; `env` is added to this process's environment (LOG_LEVEL silent unless
 * given), or is the whole environment with `exactEnv` (a user without DATABASE_URL).
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv, stdin = '', opts: { exactEnv?: boolean } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: ROOT, env: { ...(opts.exactEnv ? {} : process.env), LOG_LEVEL: 'silent', ...env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** Runs any command (npm, script(1), a built dist/cli.js) to its end; a non-zero exit is a result, not a throw. */
export function runCommand(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(cmd, args, { ...opts, timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}
