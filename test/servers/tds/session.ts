/**
 * One client connection: PRELOGIN (+ TLS) → LOGIN7 → requests, in order; ATTENTION at any time.
 * Requests run one after another on the session's own backing PostgreSQL connection.
 */
import type net from 'node:net';
import type tls from 'node:tls';
import pg from 'pg';
import { TruncatedPayloadError } from './bytes.js';
import type { Catalog } from './catalog.js';
import { AttentionAbort, runBatch, runRpc, type ServerStats } from './executor.js';
import { Encrypt, buildPrelogin, parseLogin7, parsePrelogin } from './login.js';
import { MessageWriter, PacketReader, PacketType, Status, type Message } from './packets.js';
import { parseRpc, parseSqlBatch } from './rpc.js';
import { TlsCarrier, startServerTls, type TlsCredentials } from './tls.js';
import { DoneStatus, EnvChange, Token, done, envChangeBytes, envChangeText, infoOrError, loginAck } from './tokens.js';
import { SERVER_COLLATION } from './types.js';

export interface SessionConfig {
  user: string;
  password: string;
  database: string;
  backendUrl: string;
  tls?: TlsCredentials;
  /** Answer ENCRYPT_REQ: clients with encryption off must fail (tedious: EENCRYPT). */
  requireEncryption: boolean;
  maxPacketSize: number;
  catalog: Catalog;
  stats: ServerStats;
  log: (line: string) => void;
}

const INITIAL_PACKET_SIZE = 4096;
const MIN_PACKET_SIZE = 512;
/** Raw text type parsers: values go to the wire from PostgreSQL's text output, never through JS numbers or Dates. */
const RAW_TYPES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

type State = 'prelogin' | 'tls' | 'login' | 'ready' | 'closed';

export class Session {
  private state: State = 'prelogin';
  private readonly writer: MessageWriter;
  private client: pg.Client | undefined;
  private backendPid = 0;
  private database = '';
  private queue: Promise<void> = Promise.resolve();
  private attention = false;
  /** The backend cancel an ATTENTION started; its acknowledgement waits for it (see ackAttention). */
  private cancelling: Promise<void> = Promise.resolve();
  private busy = false;
  private carrier: TlsCarrier | undefined;

  constructor(private readonly socket: net.Socket, private readonly cfg: SessionConfig, private readonly spid: number) {
    this.writer = new MessageWriter(socket, INITIAL_PACKET_SIZE, spid, cfg.stats);
    const reader = new PacketReader((m) => this.onMessage(m), (e) => this.fail(e));
    if (cfg.tls) reader.divertTls = (data) => this.strictTls(data);
    socket.on('data', (d: Buffer) => reader.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => void this.close());
    this.plainReader = reader;
  }

  private readonly plainReader: PacketReader;

  private fail(err: Error): void {
    this.cfg.log(`session ${this.spid}: closing: ${err.message}`);
    this.socket.destroy();
  }

  private onMessage(m: Message): void {
    try {
      if (this.state === 'tls' && m.type === PacketType.PRELOGIN) { this.carrier!.feed(m.payload); return; }
      if (m.type === PacketType.ATTENTION) { this.onAttention(); return; }
      this.queue = this.queue.then(() => this.handle(m)).catch((err: Error) => this.fail(err));
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private async handle(m: Message): Promise<void> {
    if (this.state === 'prelogin') {
      if (m.type !== PacketType.PRELOGIN) throw new Error(`expected PRELOGIN, got packet type 0x${m.type.toString(16)}`);
      return this.prelogin(m.payload);
    }
    if (this.state === 'login' || this.state === 'tls') {
      if (m.type !== PacketType.LOGIN7) throw new Error(`expected LOGIN7, got packet type 0x${m.type.toString(16)}`);
      return this.login(m.payload);
    }
    if (this.state !== 'ready') return;
    this.writer.begin(PacketType.TABULAR_RESULT);
    if (m.status & Status.IGNORE) {
      done(this.writer.body, Token.DONE, DoneStatus.FINAL, 0);
      return this.writer.end();
    }
    this.busy = true;
    try {
      const ctx = { client: this.client!, catalog: this.cfg.catalog, writer: this.writer, database: this.database, user: this.cfg.user, stats: this.cfg.stats, attention: () => this.attention };
      if (m.type === PacketType.SQL_BATCH) await runBatch(parseSqlBatch(m.payload), ctx);
      else if (m.type === PacketType.RPC) await runRpc(parseRpc(m.payload), ctx);
      else {
        infoOrError(this.writer.body, { number: 8009, class: 16, message: `Packet type 0x${m.type.toString(16)} is not supported by the test server.` });
        done(this.writer.body, Token.DONE, DoneStatus.ERROR, 0);
      }
    } catch (err) {
      if (!(err instanceof AttentionAbort) && !(err instanceof TruncatedPayloadError)) throw err;
      if (err instanceof TruncatedPayloadError) {
        infoOrError(this.writer.body, { number: 8009, class: 16, message: `The incoming tabular data stream (TDS) protocol stream is incorrect: ${err.message}` });
        done(this.writer.body, Token.DONE, DoneStatus.ERROR, 0);
      }
    } finally {
      this.busy = false;
    }
    await this.writer.end();
    if (this.attention) await this.ackAttention();
  }

  /** ATTENTION (MS-TDS 2.2.1.7): stop the request, end its message, then acknowledge in a message of its own (DONE with ATTN). */
  private onAttention(): void {
    this.cfg.stats.attentions++;
    this.attention = true;
    if (this.busy) this.cancelling = this.cancelBackend();
    this.queue = this.queue.then(() => this.ackAttention()).catch((err: Error) => this.fail(err));
  }

  private async ackAttention(): Promise<void> {
    if (!this.attention) return;
    this.attention = false;
    // A pg_cancel_backend still on its way after the ack would cancel the client's NEXT statement
    // (seen as error 3617 on the query after a cancel): the client sends it once it has the ack.
    await this.cancelling;
    await this.client?.query('rollback').catch(() => undefined);
    this.writer.begin(PacketType.TABULAR_RESULT);
    done(this.writer.body, Token.DONE, DoneStatus.ATTN, 0);
    await this.writer.end();
  }

  private async cancelBackend(): Promise<void> {
    const admin = new pg.Client(this.cfg.backendUrl);
    try {
      await admin.connect();
      await admin.query('select pg_cancel_backend($1)', [this.backendPid]);
    } catch { /* the statement ended on its own */ } finally {
      await admin.end().catch(() => undefined);
    }
  }

  private async prelogin(payload: Buffer): Promise<void> {
    const { encryption } = parsePrelogin(payload);
    const clientWants = encryption === Encrypt.ON || encryption === Encrypt.REQ;
    const answer = this.cfg.tls && clientWants ? Encrypt.ON : this.cfg.requireEncryption ? Encrypt.REQ : Encrypt.NOT_SUP;
    this.writer.begin(PacketType.TABULAR_RESULT);
    this.writer.body.bytes(buildPrelogin(answer, this.spid));
    this.plainReader.divertTls = undefined;
    if (answer !== Encrypt.ON) {
      this.state = 'login';
      return this.writer.end();
    }
    await this.writer.end();
    this.state = 'tls';
    let raw = false;
    this.carrier = new TlsCarrier(this.socket, (flight) => {
      const w = new MessageWriter(this.socket, INITIAL_PACKET_SIZE, this.spid, this.cfg.stats);
      w.begin(PacketType.PRELOGIN);
      w.body.bytes(flight);
      void w.end().catch(() => undefined);
    }, false);
    this.plainReader.divertTls = (data) => {
      if (raw) return this.carrier!.feed(data);
      raw = true;
      this.carrier!.switchToRaw(data);
    };
    this.secure(startServerTls(this.carrier, this.cfg.tls!));
  }

  /** TDS 8.0 (`encrypt: 'strict'`): TLS from the first byte, then PRELOGIN inside it. */
  private strictTls(first: Buffer): void {
    if (!this.carrier) {
      this.carrier = new TlsCarrier(this.socket, () => undefined, true);
      this.secure(startServerTls(this.carrier, this.cfg.tls!, ['tds/8.0']));
    }
    this.carrier.feed(first);
  }

  private secure(tlsSocket: tls.TLSSocket): void {
    const reader = new PacketReader((m) => this.onMessage(m), (e) => this.fail(e));
    tlsSocket.on('data', (d: Buffer) => reader.push(d));
    tlsSocket.on('error', (e: Error) => this.fail(e));
    this.writer.setOutput(tlsSocket);
    this.encrypted = true;
  }

  private encrypted = false;

  private async login(payload: Buffer): Promise<void> {
    const login = parseLogin7(payload);
    const w = this.writer.body;
    this.writer.begin(PacketType.TABULAR_RESULT);
    const database = login.database || this.cfg.database;
    const refuse = async (...messages: Array<{ number: number; class: number; message: string }>) => {
      this.cfg.stats.loginFailures++;
      for (const m of messages) infoOrError(w, m);
      done(w, Token.DONE, DoneStatus.ERROR, 0);
      await this.writer.end();
      this.state = 'closed';
      this.socket.end();
    };
    const loginFailed = { number: 18456, class: 14, message: `Login failed for user '${login.userName}'.` };
    if (login.integratedSecurity) return refuse({ ...loginFailed, message: 'Login failed. The login is from an untrusted domain and cannot be used with Integrated authentication.', number: 18452 });
    if (login.userName.toLowerCase() !== this.cfg.user.toLowerCase() || login.password !== this.cfg.password) return refuse(loginFailed);
    if (database.toLowerCase() !== this.cfg.database.toLowerCase() && database.toLowerCase() !== 'master') {
      return refuse({ number: 4060, class: 11, message: `Cannot open database "${database}" requested by the login. The login failed.` }, loginFailed);
    }
    this.client = new pg.Client({ connectionString: this.cfg.backendUrl, types: RAW_TYPES });
    await this.client.connect();
    await this.client.query("set search_path = dbo; set timezone = 'UTC'; set datestyle = 'ISO, YMD'; set bytea_output = 'hex'; set extra_float_digits = 1");
    this.backendPid = Number((await this.client.query<string[]>({ text: 'select pg_backend_pid()', rowMode: 'array' })).rows[0]![0]);
    this.database = this.cfg.database;
    const packetSize = Math.max(MIN_PACKET_SIZE, Math.min(login.packetSize || INITIAL_PACKET_SIZE, this.cfg.maxPacketSize));
    envChangeText(w, EnvChange.DATABASE, this.database, 'master');
    infoOrError(w, { number: 5701, class: 0, state: 2, message: `Changed database context to '${this.database}'.` });
    envChangeBytes(w, EnvChange.SQL_COLLATION, SERVER_COLLATION, Buffer.alloc(0));
    envChangeText(w, EnvChange.LANGUAGE, 'us_english', '');
    infoOrError(w, { number: 5703, class: 0, message: 'Changed language setting to us_english.' });
    loginAck(w);
    envChangeText(w, EnvChange.PACKET_SIZE, String(packetSize), String(INITIAL_PACKET_SIZE));
    done(w, Token.DONE, DoneStatus.FINAL, 0);
    await this.writer.end();
    this.writer.packetSize = packetSize;
    this.state = 'ready';
    const s = this.cfg.stats;
    s.logins++;
    if (login.readOnlyIntent) s.readOnlyIntentLogins++;
    if (this.encrypted) s.encryptedLogins++;
    this.cfg.log(`session ${this.spid}: login ${login.userName} db=${this.database} app=${login.appName} packet=${packetSize} readOnly=${login.readOnlyIntent} tls=${this.encrypted}`);
  }

  async close(): Promise<void> {
    if (this.state === 'closed' && !this.client) return;
    this.state = 'closed';
    const client = this.client;
    this.client = undefined;
    if (client) {
      if (this.busy) await this.cancelBackend();
      await client.end().catch(() => undefined);
    }
  }
}
