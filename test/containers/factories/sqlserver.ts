/**
 * SQL Server 2022 images as a SqlServerFactory (test/providers/sqlserver/server.ts), so the
 * SQL Server provider suites run unchanged against the real server instead of the TDS test
 * server. The suites log in as `sa` into a database `cdb_test` made at start. A real server
 * always offers TLS with its own self-signed certificate, so `start({ tls })` changes nothing
 * and there is no CA file: the cases that need one skip themselves, as do those reading the
 * test server's `stats`.
 */
import { GenericContainer, Wait } from 'testcontainers';
import { runTsql, type SqlServerFactory, type SqlServerUnderTest } from '../../providers/sqlserver/server.js';
import { LOGIN_TIMEOUT_MS, STARTUP_TIMEOUT_MS, untilReady } from '../ready.js';

const MSSQL_PORT = 1433;
/** SQL Server's password policy: 8+ characters from three of upper, lower, digits, symbols. */
const SA_PASSWORD = 'Cdb-Test-Pw1!';
const DATABASE = 'cdb_test';

export function sqlserverContainerFactory(image: string): SqlServerFactory {
  return {
    name: image,
    async start(): Promise<SqlServerUnderTest> {
      const container = await new GenericContainer(image)
        .withEnvironment({ ACCEPT_EULA: 'Y', MSSQL_SA_PASSWORD: SA_PASSWORD, MSSQL_PID: 'Developer' })
        .withExposedPorts(MSSQL_PORT)
        .withWaitStrategy(Wait.forLogMessage(/SQL Server is now ready for client connections/))
        .withStartupTimeout(STARTUP_TIMEOUT_MS)
        .start();
      const login = { host: container.getHost(), port: container.getMappedPort(MSSQL_PORT), user: 'sa', password: SA_PASSWORD };
      await untilReady(image, () => runTsql({ ...login, database: 'master' }, 'SELECT 1'), LOGIN_TIMEOUT_MS);
      await runTsql({ ...login, database: 'master' }, `IF DB_ID('${DATABASE}') IS NULL CREATE DATABASE ${DATABASE}`);
      const server: SqlServerUnderTest = {
        ...login,
        database: DATABASE,
        loadFixture: (tsql) => runTsql(server, tsql),
        async stop() { await container.stop(); },
      };
      return server;
    },
  };
}
