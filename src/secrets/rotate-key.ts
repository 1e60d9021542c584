/**
 * `connector-bridge rotate-secrets-key <file>` (docs/security.md, "Remote passwords"): makes a new
 * key pair, keeps the private key in `file` (with the keys it already held, so the sidecars can
 * still open what was sealed before), installs the public key as the active one, and seals every
 * stored password again with it — plain-text ones included, so the first rotation is also how an
 * existing installation starts sealing.
 *
 * The file is written before the database changes: if the transaction fails, the file merely
 * holds one unused key. Passwords stored by concurrent transactions while the rotation runs may
 * still use the previous key; the result counts them, and running the command again seals them.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PINNED_SEARCH_PATH_OPTION } from '../db/pool.js';
import { loadOpenPgp, openSecret, readKeyring } from './sealed-secret.js';

export interface RotationResult {
  fingerprint: string;
  /** Stored passwords sealed with the new key by this run. */
  resealed: number;
  /** Passwords still sealed with another key after the commit (stored while the rotation ran). */
  onOtherKeys: number;
}

/** The tables holding stored passwords, and their key column. */
const SECRET_TABLES = [
  { table: 'cdb_connectors.job_secrets', key: 'job_id' },
  { table: 'cdb_connectors.sync_secrets', key: 'sync_id' },
  { table: 'cdb_connectors.request_secrets', key: 'request_id' },
] as const;
const BATCH = 500;

export async function rotateSecretsKey(databaseUrl: string, file: string): Promise<RotationResult> {
  const openpgp = await loadOpenPgp();
  const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  // RSA: pgcrypto's pgp_pub_encrypt encrypts to RSA and Elgamal keys, not to ECC ones.
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'rsa', rsaBits: 3072, userIDs: [{ name: 'pg-connector-bridge secrets' }], format: 'armored',
  });
  writePrivateFile(file, `${privateKey.trim()}\n${previous}`);
  const keyring = await readKeyring(file);
  const fingerprint = (await openpgp.readKey({ armoredKey: publicKey })).getFingerprint();

  const client = new pg.Client({ connectionString: databaseUrl, options: PINNED_SEARCH_PATH_OPTION, application_name: 'cdb_connectors rotate-secrets-key' });
  await client.connect();
  try {
    await client.query('begin');
    // One rotation at a time; triggers keep reading the previous key until the commit.
    await client.query('lock table cdb_connectors.secret_keys in exclusive mode');
    await client.query('update cdb_connectors.secret_keys set retired_at = pg_catalog.now() where retired_at is null');
    await client.query('insert into cdb_connectors.secret_keys (fingerprint, public_key) values ($1, $2)', [fingerprint, publicKey]);
    let resealed = 0;
    for (const { table, key } of SECRET_TABLES) {
      for (let after: string | null = null; ;) {
        const { rows }: { rows: Array<{ id: string; password: string }> } = await client.query(
          `select ${key}::pg_catalog.text as id, password from ${table}
            where $1::pg_catalog.text is null or ${key}::pg_catalog.text operator(pg_catalog.>) $1::pg_catalog.text
            order by ${key}::pg_catalog.text limit ${BATCH} for update`, [after]);
        for (const row of rows) {
          const password = await openSecret(row.password, keyring);
          await client.query(`update ${table} set password = cdb_connectors.seal_secret($2) where ${key}::pg_catalog.text operator(pg_catalog.=) $1`, [row.id, password]);
          resealed++;
        }
        if (rows.length < BATCH) break;
        after = rows[rows.length - 1]!.id;
      }
    }
    await client.query('commit');
    const { rows } = await client.query<{ n: number }>(
      `select (${SECRET_TABLES.map(({ table }) => `(select pg_catalog.count(*) from ${table} where password like 'pgp:%' and not pg_catalog.starts_with(password, $1))`).join(' operator(pg_catalog.+) ')})::integer as n`,
      [`pgp:${fingerprint}:`]);
    return { fingerprint, resealed, onOtherKeys: rows[0]!.n };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Replaces `file` atomically, readable by its owner only. */
function writePrivateFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text, { mode: 0o600 });
  fs.renameSync(temp, file);
}
