/**
 * `sslmode` (SPEC §2) → node-postgres `ssl` options, with libpq's meaning of each mode:
 *
 * | sslmode     | encrypted            | certificate checked        | host name checked |
 * |-------------|----------------------|----------------------------|-------------------|
 * | disable     | never                | –                          | –                 |
 * | prefer      | if the server can    | no                         | no                |
 * | require     | always (else 1504)   | no                         | no                |
 * | verify-ca   | always               | against the CA file        | no                |
 * | verify-full | always               | against the CA file        | yes               |
 *
 * node-postgres has no "prefer": connection.ts tries TLS and falls back to a plain connection when
 * `shouldRetryPlain` says the failure was about TLS (libpq does the same). Without a CA file,
 * verify-ca / verify-full trust Node's bundled root certificates (like libpq's
 * `sslrootcert=system`); libpq's habit of turning `require` into `verify-ca` when
 * ~/.postgresql/root.crt exists is not copied: the sidecar has no per-user home.
 */
import type { ConnectionOptions } from 'node:tls';
import { readCaFile } from '../ca-file.js';
import type { SslMode } from '../provider.js';
import { NO_SSL_MESSAGE } from './errors.js';

export const DEFAULT_SSLMODE: SslMode = 'require';

/** TLS-level failures after which libpq's "prefer" retries without TLS. */
const TLS_FAILURE_CODES = /^(ERR_SSL_|ERR_TLS_|EPROTO$)/;
const SQLSTATE_INVALID_AUTHORIZATION = '28000';

export function tlsOptionsFor(mode: SslMode, caFile: string | undefined): false | ConnectionOptions {
  switch (mode) {
    case 'disable':
      return false;
    case 'prefer':
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      // The chain is verified; the name in the certificate is not (libpq verify-ca).
      return { ...caOption(caFile), rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ...caOption(caFile), rejectUnauthorized: true };
  }
}

/**
 * True when a failed TLS attempt under "prefer" should be retried in plain text: the server said
 * it has no TLS, the handshake failed, or pg_hba.conf rejected the TLS connection (a `hostnossl`
 * line); never for a wrong password, which plain text would not fix.
 */
export function shouldRetryPlain(err: unknown): boolean {
  const e = (err ?? {}) as { code?: string; message?: string; severity?: string };
  if (e.message === NO_SSL_MESSAGE) return true;
  if (e.severity !== undefined) return e.code === SQLSTATE_INVALID_AUTHORIZATION;
  return e.code !== undefined && TLS_FAILURE_CODES.test(e.code);
}

function caOption(caFile: string | undefined): { ca?: Buffer } {
  const ca = readCaFile(caFile);
  return ca === undefined ? {} : { ca };
}
