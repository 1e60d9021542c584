/**
 * A throwaway self-signed certificate for the TDS server's TLS (openssl, valid for localhost and
 * 127.0.0.1), like the one SQL Server generates for itself when no certificate is configured.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../process.js';

export interface SelfSignedCert {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  remove(): void;
}

const VALIDITY_DAYS = 2;

export async function makeSelfSignedCert(commonName = 'localhost'): Promise<SelfSignedCert> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgcb-tds-cert-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', String(VALIDITY_DAYS),
    '-subj', `/CN=${commonName}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
  return {
    cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8'), certFile, keyFile,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
