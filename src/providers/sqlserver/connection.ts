/**
 * One tedious connection per session, with the settings issue 8 asks for: connect/request
 * timeouts from the job settings (tedious's default is 15 s), ApplicationIntent=ReadOnly, no
 * tedious-level retries (the job system retries), and TLS:
 *
 * - `encrypt` (default true): TLS 1.2 inside PRELOGIN. tedious 19 silently continues in clear text
 *   when the server answers "encryption not supported" (measured against the TDS test server),
 *   so we refuse that unless the user chose `encrypt: false` — like PostgreSQL's sslmode=require.
 * - `trustServerCertificate` (default true): encrypt without verifying the certificate, which is
 *   what works with SQL Server's self-signed default certificate. false = verify against the
 *   system CAs plus the `caFile` setting.
 * - `encrypt: 'strict'` (TDS 8.0): TLS first, certificate always verified.
 */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import tedious from 'tedious';
import { ConnectorError } from '../../errors.js';
import type { SessionOptions, SourceRequest } from '../provider.js';
import { classifyConnectError, classifyRequestError, type ErrorContext } from './errors.js';

const { Connection, Request } = tedious;
export type TediousConnection = InstanceType<typeof Connection>;
export type TediousRequest = InstanceType<typeof Request>;

const APP_NAME = 'pg-connector-bridge';
/** Larger than tedious's 4096 default: fewer packets for bulk reads (TLS records stay ≤ 16 KiB). */
const PACKET_SIZE = 16_384;
/** How long tedious waits for the attention acknowledgement before dropping the connection. */
const CANCEL_TIMEOUT_MS = 5_000;

export interface SqlServerConnection {
  conn: TediousConnection;
  errorContext: ErrorContext;
  /** Runs a small query (catalog) and returns its rows as objects keyed by column name. */
  query(sql: string, params?: Array<{ name: string; value: string | number | null }>, what?: string): Promise<Array<Record<string, unknown>>>;
  /** Calls a stored procedure by RPC name (sp_describe_first_result_set). */
  callProcedure(name: string, params: Array<{ name: string; value: string }>, what: string): Promise<Array<Record<string, unknown>>>;
  /** The connection failed after connect (socket error); undefined while healthy. */
  failure(): Error | undefined;
  close(): Promise<void>;
}

function caCertificates(caFile: string | undefined): string[] | undefined {
  if (!caFile) return undefined;
  return [...tls.rootCertificates, fs.readFileSync(caFile, 'utf8')];
}

export async function openConnection(request: SourceRequest, opts: SessionOptions): Promise<SqlServerConnection> {
  const c = request.connection;
  const encrypt = c.encrypt ?? true;
  const errorContext: ErrorContext = { where: `${c.server}:${c.port}`, user: c.username, database: c.database, secrets: [c.password] };
  let ca: string[] | undefined;
  try {
    ca = caCertificates(opts.caFile);
  } catch (err) {
    throw new ConnectorError('INVALID_PARAMETERS', `Cannot read the CA certificate file ${opts.caFile}: ${(err as Error).message}`, { cause: err });
  }
  const conn = new Connection({
    server: c.address ?? c.server,
    authentication: { type: 'default', options: { userName: c.username ?? '', password: c.password ?? '' } },
    options: {
      port: c.port,
      database: c.database,
      encrypt,
      trustServerCertificate: c.trustServerCertificate ?? true,
      // the certificate is checked against the name the user gave, not the address connected to
      ...(c.address !== undefined && net.isIP(c.server) === 0 ? { serverName: c.server } : {}),
      ...(ca ? { cryptoCredentialsDetails: { ca } } : {}),
      connectTimeout: opts.connectTimeoutMs,
      requestTimeout: opts.statementTimeoutMs,
      cancelTimeout: CANCEL_TIMEOUT_MS,
      readOnlyIntent: true,
      appName: APP_NAME,
      packetSize: PACKET_SIZE,
      useUTC: true,
      lowerCaseGuids: true,
      maxRetriesOnTransientErrors: 0,
      useColumnNames: false,
      rowCollectionOnDone: false,
      rowCollectionOnRequestCompletion: false,
    },
  });
  const loginErrors: number[] = [];
  let secured = false;
  let failure: Error | undefined;
  conn.on('errorMessage', (m: { number: number }) => loginErrors.push(m.number));
  conn.on('secure', () => { secured = true; });
  conn.on('error', (err: Error) => { failure = err; });
  try {
    await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    conn.close();
    throw classifyConnectError(err, loginErrors, errorContext);
  }
  conn.removeAllListeners('errorMessage');
  if (encrypt === true && !secured) {
    conn.close();
    throw new ConnectorError('SOURCE_UNREACHABLE', `SQL Server at ${errorContext.where} does not support encryption; set "encrypt": false to connect without TLS (credentials and data then travel in clear text).`);
  }

  type Param = { name: string; value: string | number | null };
  const run = (sql: string, params: Param[], start: (req: TediousRequest) => void, what: string) => new Promise<Array<Record<string, unknown>>>((resolve, reject) => {
    const rows: Array<Record<string, unknown>> = [];
    const req = new Request(sql, (err) => (err ? reject(classifyRequestError(err, errorContext, what)) : resolve(rows)));
    for (const p of params) req.addParameter(p.name, typeof p.value === 'number' ? tedious.TYPES.Int : tedious.TYPES.NVarChar, p.value);
    req.on('row', (columns: Array<{ value: unknown; metadata: { colName: string } }>) => {
      const row: Record<string, unknown> = {};
      for (const col of columns) row[col.metadata.colName] = col.value;
      rows.push(row);
    });
    start(req);
  });

  return {
    conn,
    errorContext,
    query: (sql, params = [], what = 'catalog query') => run(sql, params, (req) => conn.execSql(req), what),
    callProcedure: (name, params, what) => run(name, params, (req) => conn.callProcedure(req), what),
    failure: () => failure,
    async close() {
      if ((conn as unknown as { closed?: boolean }).closed) return;
      await new Promise<void>((resolve) => {
        conn.once('end', () => resolve());
        conn.close();
        setTimeout(resolve, CANCEL_TIMEOUT_MS).unref();
      });
    },
  };
}
