/**
 * `npm run test:containers` (issue 10 §3): the provider suites of the default run, rerun against
 * real server images with testcontainers 11 (12.0.4+ does not load on Node 20, shared/notes):
 * MySQL 5.7 and 8, PostgreSQL 12 and 17, SQL Server 2022, Hive 4. Same assertions, another
 * server factory (test/containers/factories/).
 *
 * Without a container engine the whole suite is skipped with one line and exit code 0: the
 * check takes milliseconds, so it runs here, before vitest starts workers or the global setup's
 * local servers.
 */
import { defineConfig } from 'vitest/config';
import { containerRuntimeProblem } from './docker.js';

export default defineConfig(async () => {
  const problem = await containerRuntimeProblem();
  if (problem !== undefined) {
    console.log(`test:containers skipped: no Docker engine reachable (testcontainers: ${problem}). Start Docker (or set DOCKER_HOST) to run the provider suites against real MySQL, PostgreSQL, SQL Server and Hive images.`);
    process.exit(0);
  }
  return {
    test: {
      root: new URL('../..', import.meta.url).pathname,
      include: ['test/containers/**/*.test.ts'],
      // the suites still use the run's target PostgreSQL (createTargetDb) for load checks
      globalSetup: ['test/global-setup.ts'],
      pool: 'forks',
      // one image family at a time: SQL Server alone wants 2 GB of memory
      fileParallelism: false,
      testTimeout: 300_000,
      // a cold image pull plus SQL Server's or Hive's start-up
      hookTimeout: 900_000,
      teardownTimeout: 120_000,
    },
  };
});
