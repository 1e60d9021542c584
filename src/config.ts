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
  /** Interface the HTTP API listens on (HTTP_HOST / --http-host, default 127.0.0.1: loopback only). */
  httpHost: string;
  apiSchema: string;
  logLevel: string;
  /** LOG_FORMAT: `auto` (human-readable on a terminal, JSON otherwise), `pretty` or `json`. */
  logFormat: LogFormat;
  dataDir: string;
}

export type LogFormat = 'auto' | 'pretty' | 'json';
const LOG_FORMATS: readonly LogFormat[] = ['auto', 'pretty', 'json'];

/**
 * /metrics and /healthz carry no authentication: loopback unless METRICS_HOST opens them (e.g.
 * `0.0.0.0` in a container whose port only the scraper reaches). Issue 16 §6.
 */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/**
 * The HTTP API authenticates every call, but it speaks plain HTTP and API keys and connection
 * passwords travel in its requests: loopback unless HTTP_HOST opens it (`0.0.0.0` in a container,
 * or behind a TLS proxy on another host). Issue 22 §8: `npm start` had it on every interface.
 */
export const DEFAULT_HTTP_HOST = '127.0.0.1';

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
  httpHost?: string;
  metricsHost?: string;
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
    metricsHost: flags.metricsHost || env.METRICS_HOST || DEFAULT_METRICS_HOST,
    httpPort: intFrom(flags.httpPort ?? env.HTTP_PORT, 'HTTP_PORT'),
    httpHost: flags.httpHost || env.HTTP_HOST || DEFAULT_HTTP_HOST,
    apiSchema: flags.apiSchema ?? env.CDB_CONNECTOR_API_SCHEMA ?? 'public',
    logLevel: env.LOG_LEVEL ?? 'info',
    logFormat: logFormatFrom(env.LOG_FORMAT),
    dataDir: flags.dataDir ?? env.CONNECTOR_DATA_DIR ?? '.data',
  };
}

function logFormatFrom(value: string | undefined): LogFormat {
  if (value === undefined || value === '') return 'auto';
  const format = value.toLowerCase() as LogFormat;
  if (!LOG_FORMATS.includes(format)) throw new Error(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(value)}`);
  return format;
}

/**
 * The origin a person on this machine opens for a server listening on host:port: an
 * all-interfaces address (0.0.0.0, ::) is reached at 127.0.0.1; an IPv6 literal gets brackets.
 */
export function httpOrigin(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${reachable}:${port}`;
}
