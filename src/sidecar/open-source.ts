/**
 * What a job (runner.ts) and an answer-now request (request-answer.ts) do before connecting to
 * the remote, in one place: the provider must be enabled, the password is read from its sealed
 * store, the network policy picks the address to connect to (allowed_hosts, never the target:
 * allowed-hosts.ts), and the provider's module is loaded. Connecting is left to the caller
 * (connect-session.ts), which keeps the password to redact it from whatever the remote says.
 */
import type pg from 'pg';
import { ConnectorError } from '../errors.js';
import type { Provider, SourceRequest } from '../providers/provider.js';
import { getProvider } from '../providers/registry.js';
import { withCheckedAddress } from './allowed-hosts.js';
import { toSourceRequest, type ConnectorParams } from './job.js';
import { readSecret } from './job-store.js';
import { readRequestSecret } from './request-store.js';
import type { Settings } from './settings.js';

/** A job or a request, by id: where its password is stored. */
export interface SourceOrigin {
  kind: 'job' | 'request';
  id: string;
  provider: string;
  params: ConnectorParams;
}

export interface OpenedSource<T = undefined> {
  provider: Provider;
  /** With the password and the checked address to connect to. */
  request: SourceRequest;
  /** To redact from errors; undefined when the connection has none. */
  password: string | undefined;
  /** What `beforeAddressCheck` returned. */
  checked: T;
}

/**
 * `beforeAddressCheck` runs once the provider is known and before the server name is resolved:
 * a job's checks that need no remote (cartodbfy "on" without PostGIS fails at once, SPEC §12,
 * even when the server name would not resolve: test/e2e/cartodbfy-settings.test.ts).
 */
export async function openSource<T = undefined>(origin: SourceOrigin, settings: Settings, db: pg.Pool, beforeAddressCheck?: () => Promise<T>): Promise<OpenedSource<T>> {
  if (!settings.enabledProviders.includes(origin.provider)) {
    throw new ConnectorError('PROVIDER_DISABLED', `Provider ${origin.provider} is disabled on this database (setting enabled_providers).`);
  }
  const password = origin.kind === 'job' ? await readSecret(db, origin.id) : await readRequestSecret(db, origin.id);
  const provider = await getProvider(origin.provider);
  const checked = (await beforeAddressCheck?.()) as T;
  const request = await withCheckedAddress(toSourceRequest(origin.params, password), settings.allowedHosts, db);
  return { provider, request, password, checked };
}
