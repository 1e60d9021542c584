/**
 * Shared pieces of the PostgreSQL change-capture tests: a source connection that commits
 * synchronously (the test servers run synchronous_commit = off, and the slot decodes only
 * flushed WAL), sessions, log names, and a ChangeSink that records what it gets.
 */
import pg from 'pg';
import { postgresProvider } from '../../../src/providers/postgres/index.js';
import type { SessionOptions, SourceSession } from '../../../src/providers/provider.js';
import type { SourcePlan } from '../../../src/rows/plan.js';
import type { UserCast } from '../../../src/rows/user-casts.js';
import { UNCHANGED, type Change, type ChangeLogNames, type ChangeSink } from '../../../src/rows/changes.js';
import { collectRows } from '../../helpers/collect-rows.js';
import { remoteRequest, sessionOptions, type RemotePostgres } from './remote.js';

export async function sourceClient(remote: RemotePostgres, user = 'postgres'): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: remote.adminUrl().replace('postgres@', `${encodeURIComponent(user)}@`), options: '-c synchronous_commit=on' });
  await client.connect();
  return client;
}

export interface SessionChoice {
  schema?: string;
  username?: string;
  casts?: UserCast[];
  sqlQuery?: string;
  options?: Partial<SessionOptions>;
}

export async function openSession(remote: Pick<RemotePostgres, 'host' | 'port'>, table: string, o: SessionChoice = {}): Promise<SourceSession> {
  const source = o.sqlQuery !== undefined ? { sqlQuery: o.sqlQuery } : { table };
  const request = { ...remoteRequest(remote as RemotePostgres, { ...source, ...(o.schema ? { schema: o.schema } : {}), ...(o.username ? { username: o.username } : {}) }), ...(o.casts ? { casts: o.casts } : {}) };
  return postgresProvider.connect(request, sessionOptions(o.options));
}

export function logNames(tag: string, publication?: string): ChangeLogNames {
  return { slot: `cdb_${tag}`, publication: publication ?? `cdb_${tag}`, ownPublication: publication === undefined, serverId: 0 };
}

export const readOpts = (key: string[] = ['id']) => ({ key, signal: new AbortController().signal });

/** A change as plain data: UNCHANGED as the string '<unchanged>', Buffers as text. */
export type Seen = { op: string; row?: Array<string | null>; old?: Array<string | null> };

export class RecordingSink implements ChangeSink {
  /** Every transaction that a commit closed: its changes and its position. */
  readonly transactions: Array<{ changes: Seen[]; position: string }> = [];
  private open: Seen[] = [];
  writes = 0;
  pauses = 0;
  maxOpen = 0;

  /** `fullAfter`: full once this many changes were committed; `pauseEvery`: write() answers false every n changes. */
  constructor(private readonly o: { fullAfter?: number; pauseEvery?: number; onDrain?: () => Promise<void>; keep?: boolean } = {}) {}

  get full(): boolean {
    return this.o.fullAfter !== undefined && this.committed >= this.o.fullAfter;
  }

  get committed(): number {
    return this.transactions.reduce((n, t) => n + t.changes.length, 0) + this.dropped;
  }

  private dropped = 0;

  write(change: Change): boolean {
    this.writes++;
    this.open.push(seen(change));
    this.maxOpen = Math.max(this.maxOpen, this.open.length);
    return this.o.pauseEvery === undefined || this.writes % this.o.pauseEvery !== 0;
  }

  commit(position: string): void {
    if (this.o.keep === false) {
      this.dropped += this.open.length;
      this.transactions.push({ changes: [], position });
    } else this.transactions.push({ changes: this.open, position });
    this.open = [];
  }

  async drained(): Promise<void> {
    this.pauses++;
    await this.o.onDrain?.();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  get changes(): Seen[] {
    return this.transactions.flatMap((t) => t.changes);
  }

  get position(): string | undefined {
    return this.transactions[this.transactions.length - 1]?.position;
  }
}

function text(v: unknown): string | null {
  if (v === UNCHANGED) return '<unchanged>';
  if (v === null) return null;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

function seen(change: Change): Seen {
  if (change.op === 'truncate') return { op: 'truncate' };
  if (change.op === 'delete') return { op: 'delete', old: change.old.map(text) };
  return { op: change.op, row: change.row.map(text), ...(change.op === 'update' && change.old ? { old: change.old.map(text) } : {}) };
}

/** streamRows of the session's plan, as text rows. */
export async function streamedRows(session: SourceSession, plan?: SourcePlan): Promise<Array<Array<string | null>>> {
  return (await collectRows(session, plan ? { plan } : {})).rows;
}

/** The slot's confirmed_flush_lsn, or undefined when the slot is gone. */
export async function confirmedFlush(source: pg.Client, slot: string): Promise<string | undefined> {
  const { rows } = await source.query<{ lsn: string }>('select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = $1', [slot]);
  return rows[0]?.lsn;
}

export const lsnValue = (lsn: string): bigint => {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi!}`) << 32n) | BigInt(`0x${lo!}`);
};
