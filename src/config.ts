/**
 * Configuration from flags and environment (SPEC §9). Flags win over the environment.
 * Process configuration only: the database settings (cdb_connectors.settings, read per job) are
 * sidecar/settings.ts.
 */

/** The sidecar's process defaults (SidecarOptions in sidecar/worker.ts), when neither flag nor environment sets them. */
export const SIDECAR_DEFAULTS = { concurrency: 4, pollIntervalMs: 5000, shutdownGraceMs: 30_000, schedulerTickMs: 1000 } as const;

export interface Config {
  databaseUrl?: string;
  concurrency: number;
  pollIntervalMs: number;
  shutdownGraceMs: number;
  metricsPort?: number;
  /** Interface the metrics server listens on (METRICS_HOST, default 127.0.0.1: loopback only). */
  metricsHost: string;
  httpPort?: number;
  /** Interface the HTTP API listens on (HTTP_HOST, default all). */
  httpHost?: string;
  apiSchema: string;
  logLevel: string;
  dataDir: string;
}

/**
 * /metrics and /healthz carry no authentication: loopback unless METRICS_HOST opens them (e.g.
 * `0.0.0.0` in a container whose port only the scraper reaches). Issue 16 §6.
 */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

function intFrom(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

export interface ConfigFlags {
  databaseUrl?: string;
  concurrency?: string;
  pollInterval?: string;
  metricsPort?: string;
  httpPort?: string;
  apiSchema?: string;
  dataDir?: string;
}

export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const concurrency = intFrom(flags.concurrency ?? env.CONNECTOR_CONCURRENCY, 'CONNECTOR_CONCURRENCY') ?? SIDECAR_DEFAULTS.concurrency;
  if (concurrency < 1) throw new Error('CONNECTOR_CONCURRENCY must be at least 1');
  return {
    databaseUrl: flags.databaseUrl ?? (env.DATABASE_URL || undefined),
    concurrency,
    pollIntervalMs: intFrom(flags.pollInterval ?? env.CONNECTOR_POLL_INTERVAL_MS, 'CONNECTOR_POLL_INTERVAL_MS') ?? SIDECAR_DEFAULTS.pollIntervalMs,
    shutdownGraceMs: intFrom(env.CONNECTOR_SHUTDOWN_GRACE_MS, 'CONNECTOR_SHUTDOWN_GRACE_MS') ?? SIDECAR_DEFAULTS.shutdownGraceMs,
    metricsPort: intFrom(flags.metricsPort ?? env.METRICS_PORT, 'METRICS_PORT'),
    metricsHost: env.METRICS_HOST || DEFAULT_METRICS_HOST,
    httpPort: intFrom(flags.httpPort ?? env.HTTP_PORT, 'HTTP_PORT'),
    httpHost: env.HTTP_HOST || undefined,
    apiSchema: flags.apiSchema ?? env.CDB_CONNECTOR_API_SCHEMA ?? 'public',
    logLevel: env.LOG_LEVEL ?? 'info',
    dataDir: flags.dataDir ?? env.CONNECTOR_DATA_DIR ?? '.data',
  };
}
