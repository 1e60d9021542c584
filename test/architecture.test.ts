/**
 * The import rules of issue 17 (.ci/dependency-cruiser.cjs) hold for src/: no cycles, providers/
 * and load/ meet only in rows/, and only sidecar/ joins them.
 *
 * A checker that resolves nothing finds nothing, so each run also proves it can fail: a generated
 * tree that breaks every rule of the config must be reported for every rule, and the real run
 * must have seen the edges we know exist.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONFIG = path.join(ROOT, '.ci/dependency-cruiser.cjs');
const DEPCRUISE = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
/** The JSON report of all of src/ is ~1 MB; room to grow. */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;
/** Two cruises of src/ take ~2 s each on CI machines. */
const CRUISE_TIMEOUT_MS = 60_000;

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
  cycle?: Array<{ name: string }>;
}
interface CruiseResult {
  modules: Array<{ source: string; dependencies: Array<{ resolved: string; couldNotResolve: boolean }> }>;
  summary: { violations: Violation[]; error: number };
}

/** Runs the CLI (exit status = number of errors), so the test sees exactly what a developer runs by hand. */
function cruise(cwd: string): Promise<CruiseResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', 'src'], { cwd, maxBuffer: MAX_REPORT_BYTES },
      (err, stdout, stderr) => {
        try {
          resolve(JSON.parse(stdout) as CruiseResult);
        } catch {
          reject(new Error(`depcruise printed no report (${err?.message ?? 'exit 0'}): ${stderr}`));
        }
      });
  });
}

function describeViolation(v: Violation): string {
  return `${v.rule.name}: ${v.from} → ${v.cycle ? v.cycle.map((c) => c.name).join(' → ') : v.to}`;
}

function ruleNames(): string[] {
  const config = createRequire(import.meta.url)(CONFIG) as { forbidden: Array<{ name: string }> };
  return config.forbidden.map((r) => r.name).sort();
}

describe('architecture (.ci/dependency-cruiser.cjs)', () => {
  it('src/ has no import cycle and no forbidden import', { timeout: CRUISE_TIMEOUT_MS }, async () => {
    const result = await cruise(ROOT);
    expect(result.summary.violations.map(describeViolation)).toEqual([]);
    // Seen for real: `.js` specifiers resolved to the `.ts` files, type-only imports included.
    const deps = (source: string) => result.modules.find((m) => m.source === source)?.dependencies.map((d) => d.resolved) ?? [];
    expect(result.modules.filter((m) => m.source.startsWith('src/')).length).toBeGreaterThan(100);
    expect(deps('src/providers/mysql/index.ts')).toContain('src/rows/encoding.ts');
    expect(deps('src/load/copy-encoder.ts')).toContain('src/rows/sink.ts');
    expect(deps('src/sidecar/runner.ts')).toEqual(expect.arrayContaining(['src/sidecar/open-source.ts', 'src/load/cartodbfy.ts']));
    expect(deps('src/sidecar/open-source.ts')).toContain('src/providers/registry.ts');
  });

  it('reports every rule on a tree that breaks each of them', { timeout: CRUISE_TIMEOUT_MS }, async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cdb-architecture-'));
    try {
      const files: Record<string, string> = {
        'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src'] }),
        'src/errors.ts': 'export class ConnectorError extends Error {}\n',
        // no-circular, through type-only imports: they tie two modules just as much.
        'src/load/a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
        'src/load/b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
        // load-not-to-providers
        'src/load/plan.ts': "import type { P } from '../providers/provider.js';\nexport type Plan = P;\n",
        // providers-not-to-load, providers-not-to-sidecar
        'src/providers/provider.ts': "import type { A } from '../load/a.js';\nimport type { S } from '../sidecar/job.js';\nexport type P = A | S;\n",
        'src/sidecar/job.ts': 'export type S = string;\n',
        // rows-is-neutral
        'src/rows/sink.ts': "import type { B } from '../load/b.js';\nexport type Sink = B;\n",
        // only-sidecar-joins
        'src/db/capabilities.ts': "import type { P } from '../providers/provider.js';\nexport type C = P;\n",
        // not-to-unresolvable
        'src/rows/plan.ts': "import type { Gone } from './gone.js';\nexport type Plan = Gone;\n",
      };
      for (const [name, text] of Object.entries(files)) {
        await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
        await fs.writeFile(path.join(dir, name), text);
      }
      const result = await cruise(dir);
      const reported = [...new Set(result.summary.violations.map((v) => v.rule.name))].sort();
      expect(reported).toEqual(ruleNames());
      expect(result.summary.error).toBe(result.summary.violations.length);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
