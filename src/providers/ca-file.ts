/**
 * The setting `ssl_ca_file` read for sslmode verify-ca / verify-full (mysql and postgres
 * tls-options.ts). Read at each connect, not cached: a DBA who replaces the bundle (a managed
 * service rotating its CA) needs no sidecar restart.
 *
 * Given to Node as `ca`, the file replaces the bundled root certificates rather than adding to
 * them, like libpq's sslrootcert: with a private CA only that CA is trusted.
 */
import fs from 'node:fs';
import { ConnectorError } from '../errors.js';

/** The PEM bytes of `caFile`, or undefined (no setting: Node's bundled root certificates). */
export function readCaFile(caFile: string | undefined): Buffer | undefined {
  if (caFile === undefined || caFile === '') return undefined;
  try {
    return fs.readFileSync(caFile);
  } catch (err) {
    throw new ConnectorError('CONNECTOR_ERROR', `Cannot read the CA certificate file ${caFile} (setting ssl_ca_file): ${(err as Error).message}`, { cause: err });
  }
}
