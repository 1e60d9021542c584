/**
 * MySQL images as a MysqlTestServer (test/providers/mysql/server.ts), so the MySQL provider
 * suites run unchanged against real MySQL 5.7 and 8 instead of the run's MariaDB.
 * The server gets the flags the local MariaDB has (test/servers/mariadb.ts): utf8mb4 and a
 * non-strict sql_mode, because the suites store zero dates and out-of-range TIME values on purpose.
 * Authentication stays each version's default (MySQL 8: caching_sha2_password), which is what
 * users' servers do.
 */
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { rootConnection, type MysqlTestServer } from '../../providers/mysql/server.js';
import { LOGIN_TIMEOUT_MS, STARTUP_TIMEOUT_MS, untilReady } from '../ready.js';

const MYSQL_PORT = 3306;
const ROOT_PASSWORD = 'cdb-Root-pw1';
const MYSQLD_FLAGS = ['--character-set-server=utf8mb4', '--collation-server=utf8mb4_general_ci', '--sql-mode=NO_ENGINE_SUBSTITUTION'];

export interface StartedMysql {
  server: MysqlTestServer;
  stop(): Promise<void>;
}

export async function startMysqlContainer(image: string): Promise<StartedMysql> {
  const container: StartedTestContainer = await new GenericContainer(image)
    .withEnvironment({ MYSQL_ROOT_PASSWORD: ROOT_PASSWORD })
    .withCommand(MYSQLD_FLAGS)
    .withExposedPorts(MYSQL_PORT)
    // the entrypoint's init server runs with --skip-networking: the port opens for the final server only
    .withWaitStrategy(Wait.forListeningPorts())
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
  const server: MysqlTestServer = {
    flavour: 'mysql', host: container.getHost(), port: container.getMappedPort(MYSQL_PORT), rootUser: 'root', rootPassword: ROOT_PASSWORD,
  };
  await untilReady(image, async () => (await rootConnection(server)).end(), LOGIN_TIMEOUT_MS);
  return { server, stop: async () => { await container.stop(); } };
}
