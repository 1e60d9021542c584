/**
 * Apache Hive 4 images as a HiveServerFactory (test/providers/hive/server-factory.ts), so the
 * Hive provider suites run unchanged against a real HiveServer2 (embedded Derby metastore, as
 * the image's documented `SERVICE_NAME=hiveserver2` mode runs it). Its authentication is NONE,
 * which on the binary transport means PLAIN SASL accepting any user: the factory logs in as
 * `hive`, never NOSASL (a SASL mismatch hangs, shared/notes). The cases that read the test
 * server's `stats` or need its fault hooks skip themselves.
 */
import { GenericContainer, Wait } from 'testcontainers';
import type { HiveServerFactory, HiveTestServer } from '../../providers/hive/server-factory.js';
import { runHiveQL } from '../../servers/hive/fixtures.js';
import { LOGIN_TIMEOUT_MS, STARTUP_TIMEOUT_MS, untilReady } from '../ready.js';

const HIVE_PORT = 10_000;

export function hiveContainerFactory(image: string): HiveServerFactory {
  return {
    name: image,
    async start(): Promise<HiveTestServer> {
      const container = await new GenericContainer(image)
        .withEnvironment({ SERVICE_NAME: 'hiveserver2' })
        .withExposedPorts(HIVE_PORT)
        .withWaitStrategy(Wait.forListeningPorts())
        .withStartupTimeout(STARTUP_TIMEOUT_MS)
        .start();
      const endpoint = { host: container.getHost(), port: container.getMappedPort(HIVE_PORT), user: 'hive', password: 'hive' };
      // HiveServer2 opens its port before its metastore answers: wait until a statement runs
      await untilReady(image, () => runHiveQL(endpoint, 'SHOW DATABASES'), LOGIN_TIMEOUT_MS);
      return {
        ...endpoint,
        loadFixture: (hiveql) => runHiveQL(endpoint, hiveql),
        async stop() { await container.stop(); },
      };
    },
  };
}
