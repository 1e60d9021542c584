/**
 * Provider name → implementation. Providers load lazily: a provider's driver is only required
 * when a job uses it, which keeps start-up fast and isolates a broken driver install.
 */
import { ConnectorError } from '../errors.js';
import type { Provider, ProviderName } from './provider.js';

const LOADERS: Record<ProviderName, () => Promise<Provider>> = {
  mysql: async () => (await import('./mysql/index.js')).mysqlProvider,
  postgres: async () => (await import('./postgres/index.js')).postgresProvider,
  sqlserver: async () => (await import('./sqlserver/index.js')).sqlserverProvider,
  hive: async () => (await import('./hive/index.js')).hiveProvider,
};

export const PROVIDER_NAMES = Object.keys(LOADERS) as ProviderName[];

const loaded = new Map<ProviderName, Promise<Provider>>();

export function isProviderName(name: string): name is ProviderName {
  return Object.prototype.hasOwnProperty.call(LOADERS, name);
}

export async function getProvider(name: string): Promise<Provider> {
  if (!isProviderName(name)) throw new ConnectorError('INVALID_PARAMETERS', 'Invalid provider');
  let provider = loaded.get(name);
  if (!provider) {
    provider = LOADERS[name]();
    loaded.set(name, provider);
    provider.catch(() => loaded.delete(name));
  }
  return provider;
}
