/**
 * Shared pieces of the MySQL change-capture tests: a MariaDB of their own writing a row-based
 * binlog (the run's MariaDB has none), sessions, log names, and a ChangeSink that records what it
 * gets and measures how much it is sent while saturated.
 */
import type { SessionOptions, SourceSession } from '../../../src/providers/provider.js';
import { mysqlProvider } from '../../../src/providers/mysql/index.js';
import type { Change, ChangeLogNames, ChangeSink } from '../../../src/rows/changes.js';
import type { CopyValue } from '../../../src/rows/sink.js';
import { startMariaDb, type MariaDbOptions, type MariaDbServer } from '../../servers/mariadb.js';
import { sessionOptions, type MysqlTestDb, type MysqlTestServer } from './server.js';

export interface BinlogServer extends MysqlTestServer {
  maria: MariaDbServer;
  stop(): Promise<void>;
}

export async function startBinlogMariaDb(opts: Omit<MariaDbOptions, 'binlog'> = {}): Promise<BinlogServer> {
  const maria = await startMariaDb({ ...opts, binlog: true });
  return { flavour: 'mariadb', host: maria.host, port: maria.port, rootUser: maria.rootUser, maria, stop: () => maria.stop() };
}

export function openSession(db: MysqlTestDb, table: string, o: { user?: { username: string; password: string }; opts?: Partial<SessionOptions> } = {}): Promise<SourceSession> {
  return mysqlProvider.connect(db.request({ source: { kind: 'table', table } }, o.user), sessionOptions(o.opts));
}

export const logNames = (serverId = 4242): ChangeLogNames => ({ slot: '', publication: '', ownPublication: false, serverId });
export const readOpts = (key: string[] = ['id']) => ({ key, signal: new AbortController().signal });

export type Seen = { op: string; row?: Array<string | null>; old?: Array<string | null> };

const text = (v: CopyValue | symbol): string | null => (v === null ? null : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

export function seen(change: Change): Seen {
  if (change.op === 'truncate') return { op: 'truncate' };
  if (change.op === 'delete') return { op: 'delete', old: change.old.map(text) };
  const out: Seen = { op: change.op, row: change.row.map(text) };
  if (change.op === 'update' && change.old) out.old = change.old.map(text);
  return out;
}

export class RecordingSink implements ChangeSink {
  /** Every transaction a commit closed: its changes (unless `keep` is false) and its position. */
  readonly transactions: Array<{ changes: Seen[]; position: string }> = [];
  private open: Seen[] = [];
  private openCount = 0;
  committedChanges = 0;
  writes = 0;
  /** Writes made while the sink had answered false and drained() had not resolved yet. */
  saturatedWrites = 0;
  maxSaturatedWrites = 0;
  private saturated = false;

  constructor(private readonly o: { fullAfter?: number; pauseEvery?: number; keep?: boolean } = {}) {}

  get full(): boolean {
    return this.o.fullAfter !== undefined && this.committedChanges >= this.o.fullAfter;
  }

  write(change: Change): boolean {
    this.writes++;
    this.openCount++;
    if (this.o.keep !== false) this.open.push(seen(change));
    if (this.saturated) this.maxSaturatedWrites = Math.max(this.maxSaturatedWrites, ++this.saturatedWrites);
    const more = this.o.pauseEvery === undefined || this.writes % this.o.pauseEvery !== 0;
    if (!more) this.saturated = true;
    return more;
  }

  commit(position: string): void {
    this.transactions.push({ changes: this.open, position });
    this.committedChanges += this.openCount;
    this.open = [];
    this.openCount = 0;
  }

  drained(): Promise<void> {
    return new Promise((resolve) => setTimeout(() => {
      this.saturated = false;
      this.saturatedWrites = 0;
      resolve();
    }, 1));
  }

  /** The committed changes, transactions with none left out. */
  changes(): Seen[][] {
    return this.transactions.map((t) => t.changes).filter((c) => c.length > 0);
  }

  get lastPosition(): string | undefined {
    return this.transactions.at(-1)?.position;
  }
}

/** A position to read from: a snapshot taken and dropped at once (the log's end now). */
export async function currentPosition(db: MysqlTestDb, table: string): Promise<string> {
  const session = await openSession(db, table);
  try {
    const plan = await session.describe();
    return await session.changeCapture!.snapshot(plan, logNames(), readOpts());
  } finally {
    await session.close();
  }
}

/** readChanges from `from` on a fresh session, into a new RecordingSink. */
export async function readAll(db: MysqlTestDb, table: string, from: string, sinkOpts: ConstructorParameters<typeof RecordingSink>[0] = {}, key = ['id']): Promise<RecordingSink> {
  const session = await openSession(db, table);
  try {
    const plan = await session.describe();
    const sink = new RecordingSink(sinkOpts);
    await session.changeCapture!.readChanges(plan, from, logNames(), sink, readOpts(key));
    return sink;
  } finally {
    await session.close();
  }
}
