/**
 * Import rules for src/ (issue 17 items 1 and 3), checked by dependency-cruiser.
 *
 * Run by test/architecture.test.ts, so `npm test` fails on a violation; by hand:
 *   npx depcruise --config .ci/dependency-cruiser.cjs src
 *
 * The picture it holds: providers/<name>/ ──rows──▶ load/, each side knowing only src/rows/,
 * the contract between them; sidecar/ is what joins a provider to a loader. Type-only imports
 * count (tsPreCompilationDeps): a `import type` edge couples two modules as much as a value one,
 * and most of the old providers ⇄ load tie was types.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle in src/: a cycle means neither module can be read, tested or moved alone.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'providers-not-to-load',
      severity: 'error',
      comment: 'A provider produces rows in the src/rows/ form; it never knows how they land in the target.',
      from: { path: '^src/providers/' },
      to: { path: '^src/load/' },
    },
    {
      name: 'load-not-to-providers',
      severity: 'error',
      comment: 'The loader consumes src/rows/ values and plans; it never knows which remote database they came from.',
      from: { path: '^src/load/' },
      to: { path: '^src/providers/' },
    },
    {
      name: 'providers-not-to-sidecar',
      severity: 'error',
      comment: 'A provider is called by the sidecar and never calls back into it (STYLE.md, Boundaries).',
      from: { path: '^src/providers/' },
      to: { path: '^src/sidecar/' },
    },
    {
      name: 'only-sidecar-joins',
      severity: 'error',
      comment: 'sidecar/ (and cli.ts above it) is where a provider meets a loader; db/, http/, ops/, secrets/ and the top-level modules use neither.',
      from: { path: '^src/', pathNot: '^src/(sidecar/|providers/|load/|cli\\.ts$)' },
      to: { path: '^src/(providers|load)/' },
    },
    {
      name: 'rows-is-neutral',
      severity: 'error',
      comment: 'src/rows/ is the contract both sides import, so it imports neither side (only itself and errors.ts).',
      from: { path: '^src/rows/' },
      to: { path: '^src/', pathNot: ['^src/rows/', '^src/errors\\.ts$'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import the checker cannot resolve is an edge it cannot see; fail rather than pass blind.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
