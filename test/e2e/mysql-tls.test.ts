/**
 * MySQL over TLS end to end (issue 22 §5): cdb_connector_import with sslmode → sidecar (network
 * policy, the ssl_ca_file setting) → a MariaDB serving TLS → a local table, checked value by
 * value. Each import also reads the sidecar session's own Ssl_cipher, so "encrypted" is what the
 * server saw, not what the options asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, runMariaDb, startTlsMariaDb, type MysqlTestDb, type TlsMysqlTestServer } from '../providers/mysql/server.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

const USER = 'tls_importer';
const PASSWORD = 'p@ss w0rd; not in any message';
const CIPHER_QUERY = "select variable_value as cipher from information_schema.session_status where variable_name = 'SSL_CIPHER'";

let db: TargetDb;
let tlsServer: TlsMysqlTestServer;
let tlsDb: MysqlTestDb;
let plainDb: MysqlTestDb;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, tlsServer] = await Promise.all([createTargetDb(), startTlsMariaDb()]);
  [tlsDb, plainDb] = await Promise.all([createTestDb(tlsServer), createTestDb(runMariaDb())]);
  for (const my of [tlsDb, plainDb]) await my.createUser(USER, PASSWORD);
  await tlsDb.exec(`create table orders (id int primary key, customer varchar(40), total decimal(12,2), placed datetime(3), note text, raw blob);
    insert into orders values (1, 'Ada', 99.95, '2024-02-29 23:59:59.999', 'emoji 😀 中文', x'00ff00'),
                              (2, 'Grace', 5.00, '1970-01-01 00:00:00', null, x'')`);
  await db.query(`update cdb_connectors.settings set value = to_jsonb($1::text) where name = 'ssl_ca_file'`, [tlsServer.tls.caFile]);
  sidecar = await startSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), tlsDb?.drop(), plainDb?.drop()]);
  await tlsServer?.stop();
});

/** A request as a user writes it; `server` is the name the certificate must carry under verify-full. */
function request(my: MysqlTestDb, connection: Record<string, unknown>, extra: Record<string, unknown>) {
  return {
    connector: {
      provider: 'mysql',
      connection: { server: my.server.host, port: my.server.port, database: my.name, username: USER, password: PASSWORD, ...connection },
      ...extra,
    },
  };
}

async function cipherImported(table: string): Promise<string> {
  const { rows } = await db.query<{ cipher: string }>(`select cipher from ${table}`);
  return rows[0]!.cipher;
}

describe('MySQL over TLS end to end', () => {
  it('verify-full by name, the CA from ssl_ca_file: every value arrives, the session was encrypted', async () => {
    const status = await importAndWait(db, request(tlsDb, { server: 'localhost', sslmode: 'verify-full' }, { table: 'orders' }));
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(status.rows_imported).toBe(2);
    expect((status.params as { connection: Record<string, unknown> }).connection).toMatchObject({ server: 'localhost', sslmode: 'verify-full', password: '***' });
    const { rows } = await db.query(`select id, customer, total::text, placed::text, note, encode(raw, 'hex') as raw from orders order by id`);
    expect(rows).toEqual([
      { id: 1, customer: 'Ada', total: '99.95', placed: '2024-02-29 23:59:59.999', note: 'emoji 😀 中文', raw: '00ff00' },
      { id: 2, customer: 'Grace', total: '5.00', placed: '1970-01-01 00:00:00', note: null, raw: '' },
    ]);

    const cipher = await importAndWait(db, request(tlsDb, { server: 'localhost', sslmode: 'verify-full' }, { sql_query: CIPHER_QUERY, table: 'cipher_full' }));
    expect(cipher.state, cipher.error_message ?? '').toBe('complete');
    expect(await cipherImported('cipher_full')).not.toBe('');
  });

  it('no sslmode: stored without one, and the default (prefer) encrypts where the server can and not where it cannot', async () => {
    const onTls = await importAndWait(db, request(tlsDb, {}, { sql_query: CIPHER_QUERY, table: 'cipher_default_tls' }));
    const onPlain = await importAndWait(db, request(plainDb, {}, { sql_query: CIPHER_QUERY, table: 'cipher_default_plain' }));
    for (const status of [onTls, onPlain]) {
      expect(status.state, status.error_message ?? '').toBe('complete');
      expect((status.params as { connection: Record<string, unknown> }).connection).not.toHaveProperty('sslmode');
    }
    expect(await cipherImported('cipher_default_tls')).not.toBe('');
    expect(await cipherImported('cipher_default_plain')).toBe('');
  });

  it('disable never encrypts, even where the server could', async () => {
    const status = await importAndWait(db, request(tlsDb, { sslmode: 'disable' }, { sql_query: CIPHER_QUERY, table: 'cipher_disable' }));
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(await cipherImported('cipher_disable')).toBe('');
  });

  it('verify-full by IP address with a certificate for localhost → failure 1504 naming the certificate, no password', async () => {
    const status = await importAndWait(db, request(tlsDb, { server: '127.0.0.1', sslmode: 'verify-full' }, { table: 'orders', import_as: 'never_full' }));
    expect(status.state).toBe('failure');
    expect(status.error_code).toBe(1504);
    expect(status.error_message).toMatch(/TLS certificate was rejected under sslmode "verify-full"/);
    expect(status.error_message).toMatch(/"127\.0\.0\.1" \(the server parameter\)/);
    expect(JSON.stringify(status)).not.toContain(PASSWORD);
  });

  it('require against a server without TLS → failure 1504 saying what to change, no password', async () => {
    const status = await importAndWait(db, request(plainDb, { sslmode: 'require' }, { sql_query: CIPHER_QUERY, table: 'never_plain' }));
    expect(status.state).toBe('failure');
    expect(status.error_code).toBe(1504);
    expect(status.error_message).toMatch(/does not support SSL\/TLS connections, and sslmode "require" requires encryption; enable TLS on the server/);
    expect(JSON.stringify(status)).not.toContain(PASSWORD);
  });

  it('cdb_connector_providers() lists sslmode for mysql with its default', async () => {
    const { rows } = await db.query<{ parameters: any }>("select parameters from cdb_connector_providers() where provider = 'mysql'");
    expect(rows[0]!.parameters.connection.optional).toContain('sslmode');
    expect(rows[0]!.parameters.defaults.sslmode).toBe('prefer');
    expect(rows[0]!.parameters.sslmode).toEqual(['require', 'prefer', 'disable', 'verify-ca', 'verify-full']);
  });
});
