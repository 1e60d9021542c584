/**
 * The binlog dump connects like the session does: to the address the network policy checked
 * (never by resolving the server name itself) and with the session's TLS options.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlProvider } from '../../../src/providers/mysql/index.js';
import type { SourceRequest } from '../../../src/providers/provider.js';
import { createTlsFiles } from '../../servers/tls.js';
import { logNames, readOpts, RecordingSink, startBinlogMariaDb, type BinlogServer } from './change-capture-harness.js';
import { createTestDb, sessionOptions, type MysqlTestDb } from './server.js';

let maria: BinlogServer;
let files: Awaited<ReturnType<typeof createTlsFiles>>;
let db: MysqlTestDb;

beforeAll(async () => {
  files = await createTlsFiles({ hosts: ['localhost'] });
  maria = await startBinlogMariaDb({ tls: files });
  db = await createTestDb(maria);
  await db.exec('create table t (id int primary key, v varchar(10))');
  await db.createUser('tls_cdc', 'pw-tls');
  await db.exec("alter user 'tls_cdc'@'%' require ssl; grant replication slave, replication client on *.* to 'tls_cdc'@'%'");
});
afterAll(async () => {
  await db?.drop();
  await maria?.stop();
  files?.remove();
});

async function readAs(connection: Partial<SourceRequest['connection']>): Promise<RecordingSink> {
  const base = db.request({ source: { kind: 'table', table: 't' } }, { username: 'tls_cdc', password: 'pw-tls' });
  const request = { ...base, connection: { ...base.connection, ...connection } };
  const session = await mysqlProvider.connect(request, sessionOptions({ caFile: files.caFile }));
  try {
    const plan = await session.describe();
    const from = await session.changeCapture!.snapshot(plan, logNames(), readOpts());
    await db.exec("insert into t values (?, 'x')", [Math.floor(Math.random() * 1e9)]);
    const sink = new RecordingSink();
    await session.changeCapture!.readChanges(plan, from, logNames(), sink, readOpts());
    return sink;
  } finally {
    await session.close();
  }
}

describe('MySQL change capture connections', () => {
  it('reads the binlog over TLS (verify-full) as a user that requires SSL', async () => {
    const sink = await readAs({ server: 'localhost', address: maria.host, sslmode: 'verify-full' });
    expect(sink.changes()).toHaveLength(1);
    expect(sink.changes()[0]![0]).toMatchObject({ op: 'insert', row: [expect.any(String), 'x'] });
  });

  it('connects the dump to the checked address, not to what the server name resolves to', async () => {
    // `.invalid` never resolves (RFC 2606): a dump that looked the name up would fail.
    const sink = await readAs({ server: 'cdc-dump.invalid', address: maria.host, sslmode: 'require' });
    expect(sink.changes()).toHaveLength(1);
  });

  it('fails verify-full when the certificate does not name the server, like the session', async () => {
    const err = await readAs({ server: maria.host, address: maria.host, sslmode: 'verify-full' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 1504 });
  });
});
