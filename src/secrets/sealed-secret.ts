/**
 * Opens stored passwords (issue 16 §4, docs/security.md "Remote passwords"). The database seals
 * them with a public key (cdb_connectors.seal_secret, pgcrypto); the private keys exist only in
 * the file CONNECTOR_SECRETS_KEY_FILE names, on the sidecars' hosts. A dump of the database or a
 * superuser's SELECT shows only `pgp:<fingerprint>:<ciphertext>`.
 *
 * Stored forms (see sql/api/seal-secret.sql): `pgp:<fingerprint>:<base64>`, `plain:<password>`,
 * or the password itself (no key installed).
 *
 * openpgp is loaded on first use: a sidecar whose database holds no sealed password never pays
 * for it (issue 7: sidecar RSS).
 */
import fs from 'node:fs';
import type { PrivateKey } from 'openpgp';
import { ConnectorError } from '../errors.js';

export const KEY_FILE_ENV = 'CONNECTOR_SECRETS_KEY_FILE';
const SEALED = /^pgp:([0-9a-f]{40,64}):([A-Za-z0-9+/=]+)$/;

type OpenPgp = typeof import('openpgp');
let openpgpModule: Promise<OpenPgp> | undefined;
export function loadOpenPgp(): Promise<OpenPgp> {
  return (openpgpModule ??= import('openpgp'));
}

/** The private keys of a key file, by fingerprint. */
export type Keyring = ReadonlyMap<string, PrivateKey>;

const ARMORED_BLOCK = /-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]*?-----END PGP PRIVATE KEY BLOCK-----/g;

/** A key file holds one armored block per key, newest first (rotate-key.ts appends older ones). */
export async function readKeyring(file: string): Promise<Keyring> {
  const openpgp = await loadOpenPgp();
  const blocks = fs.readFileSync(file, 'utf8').match(ARMORED_BLOCK) ?? [];
  const keys = await Promise.all(blocks.map((armoredKey) => openpgp.readPrivateKey({ armoredKey })));
  return new Map(keys.map((k) => [k.getFingerprint(), k]));
}

let cached: { file: string; keyring: Promise<Keyring> } | undefined;

/**
 * The keyring of CONNECTOR_SECRETS_KEY_FILE, read once per file name — and again when asked for
 * a key it lacks: a rotation adds the new key to the file, and running sidecars pick it up.
 */
async function sidecarKeyring(fingerprint: string): Promise<Keyring | undefined> {
  const file = process.env[KEY_FILE_ENV];
  if (!file) return undefined;
  if (cached?.file !== file) cached = { file, keyring: readKeyring(file) };
  const keys = await cached.keyring.catch(() => undefined);
  if (keys?.has(fingerprint)) return keys;
  cached = { file, keyring: readKeyring(file) };
  return cached.keyring;
}

/** The password a stored form holds; `keyring` defaults to the sidecar's key file. */
export async function openSecret(stored: string, keyring?: Keyring): Promise<string> {
  if (stored.startsWith('plain:')) return stored.slice('plain:'.length);
  const sealed = SEALED.exec(stored);
  if (!sealed) return stored;
  const fingerprint = sealed[1]!;
  let keys: Keyring | undefined;
  try {
    keys = keyring ?? (await sidecarKeyring(fingerprint));
  } catch (err) {
    throw new ConnectorError('CONNECTOR_ERROR', `Cannot read the key file ${process.env[KEY_FILE_ENV]} (${KEY_FILE_ENV}): ${(err as Error).message}`, { cause: err });
  }
  const key = keys?.get(fingerprint);
  if (!key) {
    throw new ConnectorError('CONNECTOR_ERROR',
      `The stored password is sealed with key ${fingerprint}, which this sidecar does not hold: `
      + `set ${KEY_FILE_ENV} to the key file written by connector-bridge rotate-secrets-key (docs/security.md).`);
  }
  const openpgp = await loadOpenPgp();
  const message = await openpgp.readMessage({ binaryMessage: Buffer.from(sealed[2]!, 'base64') });
  const { data } = await openpgp.decrypt({ message, decryptionKeys: key, format: 'binary' });
  return Buffer.from(data as Uint8Array).toString('utf8');
}

/** `openSecret` for a value that may be absent. */
export async function openOptionalSecret(stored: string | undefined | null): Promise<string | undefined> {
  return stored === undefined || stored === null ? undefined : openSecret(stored);
}
