/**
 * What a job (runner.ts) and an answer-now request (request-answer.ts) do before connecting to
 * the remote, in one place: the provider must be enabled, a named connection is resolved, the
 * password is read from its sealed store, the network policy picks the address to connect to (allowed_hosts, never the target:
 * allowed-hosts.ts), and the provider's module is loaded: two steps, with the job's own checks
 * between them. Connecting is left to the caller (connect-session.ts), which keeps the password
 * to redact it from whatever the remote says.
 */
import type pg from 'pg';
import { ConnectorError } from '../errors.js';
import type { Provider, SourceRequest } from '../providers/provider.js';
import { getProvider } from '../providers/registry.js';
import { withCheckedAddress } from './allowed-hosts.js';
import { isNamedConnection, toSourceRequest, type ConnectionFields, type ConnectorParams } from './job.js';
import { readNamedConnection, readSecret } from './job-store.js';
import { readRequestSecret } from './request-store.js';
import { readRunSecret } from './run-store.js';
import type { Settings } from './settings.js';

/** A job, a request, a whole-database run, by id: where its password is stored; or a cdc release (cdc-release.ts), which carries it. */
export interface SourceOrigin {
  kind: 'job' | 'request' | 'run' | 'release';
  /** kind release: the password, already opened. */
  password?: string | undefined;
  id: string;
  /** The role that asked: a named connection is one of its own. */
  owner: string;
  provider: string;
  params: ConnectorParams;
}

export interface OpenedSource {
  provider: Provider;
  /** The origin's params with a named connection replaced by the stored one (issue 22 §6). */
  params: ConnectorParams & { connection: ConnectionFields };
  /** To redact from errors; undefined when the connection has none. */
  password: string | undefined;
}

/**
 * Step one, nothing remote yet: the provider must be enabled, the password is opened, the
 * provider's module is loaded. A job runs its own target-side checks after this and before
 * step two (cartodbfy "on" without PostGIS fails at once, SPEC §12, even when the server name
 * would not resolve: test/e2e/cartodbfy-settings.test.ts).
 */
export async function openSource(origin: SourceOrigin, settings: Settings, db: pg.Pool): Promise<OpenedSource> {
  if (!settings.enabledProviders.includes(origin.provider)) {
    throw new ConnectorError('PROVIDER_DISABLED', `Provider ${origin.provider} is disabled on this database (setting enabled_providers).`);
  }
  const { connection } = origin.params;
  if (isNamedConnection(connection)) {
    // read at every run, so a rotated password or a moved server applies from the next run on
    const named = await readNamedConnection(db, origin.owner, connection.name);
    if (!named) {
      throw new ConnectorError('INVALID_PARAMETERS',
        `The connection "${connection.name}" no longer exists (it was dropped after this ${origin.kind === 'job' ? 'import or sync' : origin.kind === 'run' ? 'run' : origin.kind === 'release' ? 'sync' : 'request'} was made). Create it again with cdb_connector_create_connection.`);
    }
    if (named.provider !== origin.provider) {
      throw new ConnectorError('INVALID_PARAMETERS',
        `The connection "${connection.name}" is now a ${named.provider} connection, not ${origin.provider}. Use a connection of the right provider.`);
    }
    return { provider: await getProvider(origin.provider), params: { ...origin.params, connection: named.params }, password: named.password };
  }
  const password = origin.kind === 'release' ? origin.password
    : origin.kind === 'job' ? await readSecret(db, origin.id)
    : origin.kind === 'run' ? await readRunSecret(db, origin.id) : await readRequestSecret(db, origin.id);
  return { provider: await getProvider(origin.provider), params: { ...origin.params, connection }, password };
}

/** Step two: the request with its password and the address the network policy checked (never the target). */
export function checkedRequest(origin: SourceOrigin, opened: OpenedSource, settings: Settings, db: pg.Pool): Promise<SourceRequest> {
  return withCheckedAddress(toSourceRequest(opened.params, opened.password), settings.allowedHosts, db);
}
