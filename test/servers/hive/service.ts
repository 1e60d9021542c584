/**
 * The TCLIService handler of the test server: every RPC of TCLIService.thrift, promise style (the
 * generated Processor calls one-argument handlers through Q). Each client connection gets its own
 * handler so that a dropped connection closes its sessions, as HiveServer2 does.
 */
import pg from 'pg';
import { Catalog } from './catalog.js';
import { HiveError, OK_STATUS, errorStatus, fromPostgres, invalidHandleStatus } from './errors.js';
import { getCatalogs, getColumns, getSchemas, getTableTypes, getTables, type StaticResult } from './metadata.js';
import { Operation, Session, handleKey, type OperationTypeName } from './operations.js';
import { rowSet, tableSchema } from './rowset.js';
import { runStatement } from './statements.js';
import { TTypes } from './thrift-api.js';

/** What a test can observe: every RPC that matters for the connector's cleanup and cancel paths. */
export interface ServerStats {
  connections: number;
  openedSessions: number;
  closedSessions: number;
  statements: string[];
  cancelledOperations: number;
  closedOperations: number;
  fetches: number;
}

/** Test hooks a running test may change (fault injection without monkey-patching). */
export interface ServerHooks {
  /** Operations stay RUNNING this long before FINISHED: a slow query. */
  executeDelayMs: number;
}

/** HIVE_CLI_SERVICE_PROTOCOL_V10: what Hive 3/4 answers a client asking for V10 or more. */
const SERVER_PROTOCOL = TTypes.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10 as number;
/** Upper bound for one page, whatever the client asks (Hive caps with hive.server2.thrift.resultset.max.fetch.size). */
const MAX_FETCH_ROWS = 100_000;
const UNSUPPORTED = ['GetTypeInfo', 'GetFunctions', 'GetPrimaryKeys', 'GetCrossReference', 'GetDelegationToken',
  'CancelDelegationToken', 'RenewDelegationToken', 'UploadData', 'DownloadData'];

const toNumber = (v: unknown): number => (typeof v === 'number' ? v : Number((v as { toNumber?: () => number })?.toNumber?.() ?? 0));

export class HiveService {
  private readonly sessions = new Map<string, Session>();
  private readonly operations = new Map<string, Operation>();

  constructor(private readonly pool: pg.Pool, private readonly catalog: Catalog, readonly stats: ServerStats, readonly hooks: ServerHooks) {}

  /** Closes everything a client connection left open. */
  async dropConnection(connectionId: number): Promise<void> {
    for (const session of [...this.sessions.values()]) if (session.connectionId === connectionId) await this.closeSession(session);
  }

  async closeAll(): Promise<void> {
    for (const session of [...this.sessions.values()]) await this.closeSession(session);
  }

  private async closeSession(session: Session): Promise<void> {
    for (const op of [...session.operations]) await this.closeOperation(op);
    this.sessions.delete(session.key);
  }

  private async closeOperation(op: Operation): Promise<void> {
    await op.close();
    this.operations.delete(op.key);
  }

  handlerFor(connectionId: number, authenticatedUser?: string): Record<string, (req: any) => Promise<object>> {
    const session = (req: any) => this.sessions.get(handleKey(req?.sessionHandle?.sessionId));
    const operation = (req: any) => this.operations.get(handleKey(req?.operationHandle?.operationId));
    const noSession = (req: any) => ({ status: invalidHandleStatus('Session', handleKey(req?.sessionHandle?.sessionId)) });
    const noOperation = (req: any) => ({ status: invalidHandleStatus('Operation', handleKey(req?.operationHandle?.operationId)) });

    const metadataOp = async (req: any, type: OperationTypeName, build: () => Promise<StaticResult> | StaticResult) => {
      const s = session(req);
      if (!s) return noSession(req);
      const op = new Operation(s, type);
      this.operations.set(op.key, op);
      op.start({ kind: 'rows', ...(await build()) }, 0, 0);
      return { status: OK_STATUS, operationHandle: op.handle() };
    };

    const handler: Record<string, (req: any) => Promise<object>> = {
      OpenSession: async (req) => {
        const config: Record<string, string> = req.configuration ?? {};
        const db = (config['use:database'] ?? 'default').toLowerCase();
        if (!(await this.catalog.databaseExists(db))) {
          return { status: errorStatus(new HiveError(`Failed to open new session: Database ${db} does not exist`, '08S01', 10072)), serverProtocolVersion: SERVER_PROTOCOL };
        }
        const protocol = Math.min(req.client_protocol ?? SERVER_PROTOCOL, SERVER_PROTOCOL);
        const s = new Session(connectionId, { db, user: authenticatedUser ?? req.username ?? 'anonymous' }, protocol);
        this.sessions.set(s.key, s);
        this.stats.openedSessions++;
        return { status: OK_STATUS, serverProtocolVersion: protocol, sessionHandle: { sessionId: s.id }, configuration: {} };
      },
      CloseSession: async (req) => {
        const s = session(req);
        if (!s) return noSession(req);
        await this.closeSession(s);
        this.stats.closedSessions++;
        return { status: OK_STATUS };
      },
      GetInfo: async (req) => {
        const names: Record<number, string> = { 13: 'Hive', 17: 'Apache Hive', 18: '4.0.1-pg-connector-bridge-test-server' };
        const value = names[req.infoType];
        if (value === undefined) return { status: errorStatus(new HiveError(`Unrecognized GetInfoType value: ${req.infoType}`, 'HY000', 0)), infoValue: { stringValue: '' } };
        return { status: OK_STATUS, infoValue: { stringValue: value } };
      },
      ExecuteStatement: async (req) => {
        const s = session(req);
        if (!s) return noSession(req);
        this.stats.statements.push(req.statement);
        const op = new Operation(s, 'EXECUTE_STATEMENT', req.statement);
        this.operations.set(op.key, op);
        try {
          const result = await runStatement(this.pool, this.catalog, s.state, req.statement);
          if (result.kind === 'none') op.modifiedRows = result.modifiedRows;
          op.start(result, this.hooks.executeDelayMs, toNumber(req.queryTimeout) * 1000);
        } catch (err) {
          await this.closeOperation(op);
          return { status: errorStatus(err) };
        }
        if (!req.runAsync) while (op.state === 'RUNNING_STATE') await new Promise((r) => setTimeout(r, 10));
        return { status: OK_STATUS, operationHandle: op.handle() };
      },
      GetOperationStatus: async (req) => {
        const op = operation(req);
        if (!op) return noOperation(req);
        const failed = op.state === 'ERROR_STATE' || op.state === 'TIMEDOUT_STATE';
        return {
          status: OK_STATUS,
          operationState: TTypes.TOperationState[op.state],
          hasResultSet: op.hasResultSet,
          operationStarted: op.startedMs,
          operationCompleted: op.completedMs,
          numModifiedRows: op.modifiedRows,
          ...(failed ? {
            errorMessage: op.error?.message ?? `Query timed out after ${toNumber(req.queryTimeout)} seconds`,
            sqlState: op.error?.sqlState ?? 'HYT00',
            errorCode: op.error?.errorCode ?? 0,
          } : {}),
        };
      },
      CancelOperation: async (req) => {
        const op = operation(req);
        if (!op) return noOperation(req);
        this.stats.cancelledOperations++;
        await op.cancel();
        return { status: OK_STATUS };
      },
      CloseOperation: async (req) => {
        const op = operation(req);
        if (!op) return noOperation(req);
        this.stats.closedOperations++;
        await this.closeOperation(op);
        return { status: OK_STATUS };
      },
      GetResultSetMetadata: async (req) => {
        const op = operation(req);
        if (!op) return noOperation(req);
        if (op.state !== 'FINISHED_STATE') return { status: errorStatus(new HiveError(`Expected state FINISHED, but found ${op.state.replace('_STATE', '')}`, 'HY000', 0)) };
        try {
          return { status: OK_STATUS, schema: tableSchema(await op.columns()) };
        } catch (err) {
          return { status: errorStatus(fromPostgres(err, op.statement)) };
        }
      },
      FetchResults: async (req) => {
        const op = operation(req);
        if (!op) return noOperation(req);
        if (toNumber(req.fetchType) === 1) return { status: OK_STATUS, hasMoreRows: false, results: { startRowOffset: 0, rows: [], columns: [] } };
        if (op.state !== 'FINISHED_STATE') return { status: errorStatus(new HiveError(`Expected state FINISHED, but found ${op.state.replace('_STATE', '')}`, 'HY000', 0)) };
        if (req.orientation === TTypes.TFetchOrientation.FETCH_FIRST && op.fetchedRows > 0) {
          return { status: errorStatus(new HiveError('The test server cannot rewind a result set (FETCH_FIRST after rows were fetched)', 'HY000', 0)) };
        }
        this.stats.fetches++;
        try {
          const maxRows = Math.max(1, Math.min(toNumber(req.maxRows), MAX_FETCH_ROWS));
          const columns = await op.columns();
          const { rows, offset } = await op.fetch(maxRows);
          // hasMoreRows is always false on HiveServer2: clients stop at the first empty page.
          return { status: OK_STATUS, hasMoreRows: false, results: rowSet(columns, rows, offset) };
        } catch (err) {
          const hiveErr = fromPostgres(err, op.statement);
          op.fail(hiveErr);
          return { status: errorStatus(hiveErr) };
        }
      },
      GetSchemas: (req) => metadataOp(req, 'GET_SCHEMAS', () => getSchemas(this.catalog, req.schemaName)),
      GetTables: (req) => metadataOp(req, 'GET_TABLES', () => getTables(this.catalog, req)),
      GetColumns: (req) => metadataOp(req, 'GET_COLUMNS', () => getColumns(this.catalog, req)),
      GetTableTypes: (req) => metadataOp(req, 'GET_TABLE_TYPES', getTableTypes),
      GetCatalogs: (req) => metadataOp(req, 'GET_CATALOGS', getCatalogs),
      GetQueryId: async (req) => ({ queryId: operation(req)?.key ?? '' }),
      SetClientInfo: async () => ({ status: OK_STATUS }),
    };
    for (const name of UNSUPPORTED) {
      handler[name] = async () => ({ status: errorStatus(new HiveError(`${name} is not implemented by the test server`, 'HYC00', 0)) });
    }
    return handler;
  }
}
