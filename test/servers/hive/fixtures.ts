/**
 * Loads HiveQL fixtures through hive-driver's plain public API (HiveClient → session →
 * executeStatement → waitUntilReady), independent of the connector's provider code, so the same
 * fixture text loads into this test server and into a real HiveServer2 in the containers suite.
 */
import hive from 'hive-driver';
import { splitStatements } from './lexer.js';

export interface HiveEndpoint {
  host: string;
  port: number;
  /** PLAIN SASL when given, NOSASL otherwise. */
  user?: string;
  password?: string;
}

/** A real Hive on a laptop can take minutes for an INSERT … SELECT; the test server takes seconds. */
const FIXTURE_TIMEOUT_MS = 600_000;

/** hive-driver throws StatusError / OperationStateError objects that are not `instanceof Error`. */
function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  const e = err as { message?: string; response?: { errorMessage?: string } };
  return new Error(e?.response?.errorMessage || e?.message || String(err));
}

async function withSession<T>(endpoint: HiveEndpoint, work: (session: any, utils: any) => Promise<T>): Promise<T> {
  const { HiveClient, HiveUtils, thrift, auth, connections } = hive;
  const client = new HiveClient(thrift.TCLIService, thrift.TCLIService_types);
  client.on('error', () => undefined);
  const authProvider = endpoint.user !== undefined
    ? new auth.PlainTcpAuthentication({ username: endpoint.user, password: endpoint.password })
    : new auth.NoSaslAuthentication();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HiveQL fixture did not finish within ${FIXTURE_TIMEOUT_MS} ms`)), FIXTURE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([timeout, (async () => {
      await client.connect({ host: endpoint.host, port: endpoint.port }, new connections.TcpConnection(), authProvider);
      const session = await client.openSession({ client_protocol: thrift.TCLIService_types.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10 });
      try {
        return await work(session, new HiveUtils(thrift.TCLIService_types));
      } finally {
        await session.close();
      }
    })()]);
  } catch (err) {
    throw asError(err);
  } finally {
    clearTimeout(timer);
    client.close();
  }
}

/** Runs a `;`-separated HiveQL script, statement by statement. */
export async function runHiveQL(endpoint: HiveEndpoint, script: string): Promise<void> {
  await withSession(endpoint, async (session, utils) => {
    for (const statement of splitStatements(script)) {
      const op = await session.executeStatement(statement, { runAsync: true });
      try {
        await utils.waitUntilReady(op, false);
      } catch (err) {
        throw new Error(`${asError(err).message} (in: ${statement.slice(0, 200)})`);
      } finally {
        await op.close();
      }
    }
  });
}

/** Runs one query and returns hive-driver's default JSON rows (lossy for BIGINT/DECIMAL: for smoke checks only). */
export async function queryHiveQL(endpoint: HiveEndpoint, sql: string): Promise<Array<Record<string, unknown>>> {
  return withSession(endpoint, async (session, utils) => {
    const op = await session.executeStatement(sql, { runAsync: true });
    try {
      await utils.waitUntilReady(op, false);
      await utils.fetchAll(op);
      return utils.getResult(op).getValue();
    } finally {
      await op.close();
    }
  });
}
