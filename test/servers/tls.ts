/**
 * Throwaway TLS material for test servers, made with the `openssl` CLI: a CA and a server
 * certificate it signed, so clients can test both "encrypt, trust anything" (sslmode require) and
 * "verify the chain and the host name" (verify-ca / verify-full) against one server.
 *
 * EC P-256 keys: generated in milliseconds where RSA-2048 takes ~100 ms each.
 * PostgreSQL refuses a key file readable by others or owned by another user, so the files are
 * mode 0600 and, when `owner` is given (tests run as root, the server as `postgres`), chowned.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRoot, run } from './process.js';

export interface TlsFiles {
  dir: string;
  /** PEM of the CA that signed the server certificate (what a client trusts). */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The DNS names and IP addresses in the certificate's subjectAltName. */
  hosts: string[];
  remove(): void;
}

export interface TlsOptions {
  /** Names the certificate is valid for; default `localhost` only, so `127.0.0.1` fails verify-full. */
  hosts?: string[];
  /** OS user that must own the files (the database server's user). */
  owner?: string;
  /** Validity in days; tests need hours at most. */
  days?: number;
}

const DEFAULT_DAYS = 2;
const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export async function createTlsFiles(opts: TlsOptions = {}): Promise<TlsFiles> {
  const hosts = opts.hosts ?? ['localhost'];
  const days = String(opts.days ?? DEFAULT_DAYS);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgcb-tls-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => run('openssl', args);

  await openssl(['req', '-x509', ...KEY_ARGS, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', days,
    '-subj', '/CN=pg-connector-bridge test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await openssl(['req', ...KEY_ARGS, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${hosts[0]}`]);
  const san = hosts.map((h) => (IPV4.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  fs.writeFileSync(file('server.ext'), [
    `subjectAltName=${san}`,
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
  ].join('\n') + '\n');
  await openssl(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-out', file('server.crt'), '-days', days, '-extfile', file('server.ext')]);

  for (const name of fs.readdirSync(dir)) fs.chmodSync(file(name), 0o600);
  fs.chmodSync(dir, 0o755);
  if (opts.owner && isRoot) await run('chown', [opts.owner, file('server.key'), file('server.crt'), file('ca.crt')]);
  // The CA certificate is public: clients running as any user may read it.
  fs.chmodSync(file('ca.crt'), 0o644);
  return {
    dir, caFile: file('ca.crt'), certFile: file('server.crt'), keyFile: file('server.key'), hosts,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
