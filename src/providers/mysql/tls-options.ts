/**
 * `sslmode` (issue 22 §5) → mysql2 `ssl` options, with the meaning each mode has for the postgres
 * provider (its tls-options.ts has the table), which is also MySQL's own `--ssl-mode`:
 *
 * | sslmode     | mysql --ssl-mode | encrypted          | chain checked            | host name checked |
 * |-------------|------------------|--------------------|--------------------------|-------------------|
 * | disable     | DISABLED         | never              | –                        | –                 |
 * | prefer      | PREFERRED        | if the server can  | no                       | no                |
 * | require     | REQUIRED         | always (else 1504) | no                       | no                |
 * | verify-ca   | VERIFY_CA        | always             | ssl_ca_file / system CAs | no                |
 * | verify-full | VERIFY_IDENTITY  | always             | ssl_ca_file / system CAs | yes, `server`     |
 *
 * mysql2 has no "prefer": connection.ts retries without TLS when `shouldRetryPlain` says the
 * server's greeting lacked the SSL capability. A server that offers TLS and then fails the
 * handshake is an error (1504), as with libmysqlclient's PREFERRED: the failure names the cause
 * (an old TLS 1.0-only server, say) where a silent fallback would hide it.
 *
 * The default is "prefer", the mysql client's default: it encrypts wherever the server can
 * (MySQL ≥ 5.7 creates certificates at install) and still reaches servers without TLS (MariaDB
 * before 11.4 ships none), which every connection made before sslmode existed did in clear text.
 */
import type { SslOptions } from 'mysql2';
import { readCaFile } from '../ca-file.js';
import { ConnectorError } from '../../errors.js';
import type { SslMode } from '../provider.js';
import { NO_SSL_CODE } from './errors.js';

export const DEFAULT_SSLMODE: SslMode = 'prefer';

/** The `ssl` option for `mode`; undefined = no TLS. A fresh object each time: mysql2 mutates it. */
export function sslOptionsFor(mode: SslMode, caFile: string | undefined): SslOptions | undefined {
  switch (mode) {
    case 'disable':
      return undefined;
    case 'prefer':
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full': {
      const ca = readCaFile(caFile);
      // verifyIdentity: mysql2 checks the certificate against its `host` option, which
      // connection.ts sets to the name the user gave.
      return { ...(ca ? { ca } : {}), rejectUnauthorized: true, verifyIdentity: mode === 'verify-full' };
    }
  }
}

/** True when a failed TLS attempt under "prefer" is retried in clear text: the server has no TLS. */
export function shouldRetryPlain(err: unknown): boolean {
  const cause = err instanceof ConnectorError ? err.cause : err;
  return (cause as { code?: string } | undefined)?.code === NO_SSL_CODE;
}
