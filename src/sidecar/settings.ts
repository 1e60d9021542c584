/**
 * Settings (SPEC §6) as the sidecar uses them, read per job so that a DBA's UPDATE applies to the
 * next job without a restart. The one home in TypeScript of their names, defaults and types:
 * every other module reads a typed field of `Settings`. The rows themselves, with the same
 * defaults, are seeded by sql/schema/*settings.sql and validated by a trigger in SQL; here we only
 * fall back (a row missing from an old database) and convert.
 */
import type pg from 'pg';
import type { UserCastRule } from './job.js';
import { readSettingRows } from './sidecar-store.js';

/** cartodbfy (SPEC §12): CARTO dataset columns when PostGIS is there, always, or never. */
export type CartodbfyMode = 'auto' | 'on' | 'off';

export interface Settings {
  maxRows: number;
  maxColumns: number;
  maxIdentifierLength: number;
  maxListedTables: number;
  minIntervalSeconds: number;
  maxRetries: number;
  maxConcurrentJobsPerRole: number;
  maxSyncsPerRole: number | null;
  /**
   * Enforced in SQL (sync_now, jobs and syncs triggers, issue 16); here for the sidecar's own
   * reports. Seconds between on-demand runs of one sync (0 = no wait).
   */
  minSyncNowIntervalSeconds: number;
  /** Enforced in SQL: jobs of one role queued or running at most. */
  maxQueuedJobsPerRole: number;
  enabledProviders: string[];
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  allowedHosts: string[];
  leaseSeconds: number;
  fetchRows: number;
  /** ssl_ca_file: PEM file of extra CAs on the sidecar's host; undefined = system CAs only. */
  sslCaFile: string | undefined;
  cartodbfy: CartodbfyMode;
  /** sync_rebuild_on_schema_change: drop and recreate a sync table whose remote columns changed. */
  syncRebuildOnSchemaChange: boolean;
  /** max_delete_ratio (SPEC §13): a merge run may delete at most this share of its table (0–1). */
  maxDeleteRatio: number;
  /**
   * cast_rules (SPEC §14): the DBA's default cast rules, in order, as check_setting() stored
   * them (keys and provider lower-cased); matched after a job's own `casts` (request-casts.ts).
   */
  castRules: readonly UserCastRule[];
  /** max_tables_per_run (SPEC §15): tables one whole-database run may take. */
  maxTablesPerRun: number;
  /** table_read_streams (issue 20 item 5): key-range reads one large table may be split into. */
  tableReadStreams: number;
  /** cdc_max_lag_bytes (SPEC §16): source change log past a cdc sync's position that earns the cdc_lag warning. */
  cdcMaxLagBytes: number;
}

/** Each setting's default by name, as seeded in SQL (sql/schema/settings.sql and the *-settings.sql files). */
export const SETTING_DEFAULTS = {
  max_rows: 1_000_000, max_columns: 256, max_identifier_length: 63, max_listed_tables: 500,
  min_interval: 900, max_retries: 10, max_concurrent_jobs_per_role: 3, max_syncs_per_role: 100,
  min_sync_now_interval: 60, max_queued_jobs_per_role: 100,
  enabled_providers: ['mysql', 'postgres', 'sqlserver', 'hive'], connect_timeout: 30, statement_timeout: 3600,
  allowed_hosts: [], lease_seconds: 60, fetch_rows: 10_000,
  ssl_ca_file: null, cartodbfy: 'auto', sync_rebuild_on_schema_change: false, max_delete_ratio: 0.5, cast_rules: [],
  max_tables_per_run: 1000, table_read_streams: 1, cdc_max_lag_bytes: 1_073_741_824,
} as const satisfies Record<string, unknown>;

export type SettingName = keyof typeof SETTING_DEFAULTS;

export async function readSettings(db: pg.Pool | pg.ClientBase): Promise<Settings> {
  const raw: Record<string, unknown> = { ...SETTING_DEFAULTS };
  for (const row of await readSettingRows(db)) raw[row.name] = row.value;
  const num = (name: SettingName) => Number(raw[name]);
  return {
    maxRows: num('max_rows'),
    maxColumns: num('max_columns'),
    maxIdentifierLength: num('max_identifier_length'),
    maxListedTables: num('max_listed_tables'),
    minIntervalSeconds: num('min_interval'),
    maxRetries: num('max_retries'),
    maxConcurrentJobsPerRole: num('max_concurrent_jobs_per_role'),
    maxSyncsPerRole: raw.max_syncs_per_role === null ? null : num('max_syncs_per_role'),
    minSyncNowIntervalSeconds: num('min_sync_now_interval'),
    maxQueuedJobsPerRole: num('max_queued_jobs_per_role'),
    enabledProviders: (raw.enabled_providers as string[]) ?? [],
    connectTimeoutMs: num('connect_timeout') * 1000,
    statementTimeoutMs: num('statement_timeout') * 1000,
    allowedHosts: (raw.allowed_hosts as string[]) ?? [],
    leaseSeconds: num('lease_seconds'),
    fetchRows: num('fetch_rows'),
    sslCaFile: typeof raw.ssl_ca_file === 'string' ? raw.ssl_ca_file : undefined,
    // The settings trigger admits only these three; anything else (an old row) means the default.
    cartodbfy: raw.cartodbfy === 'on' || raw.cartodbfy === 'off' ? raw.cartodbfy : 'auto',
    syncRebuildOnSchemaChange: raw.sync_rebuild_on_schema_change === true,
    maxDeleteRatio: num('max_delete_ratio'),
    castRules: Array.isArray(raw.cast_rules) ? (raw.cast_rules as UserCastRule[]) : [],
    maxTablesPerRun: num('max_tables_per_run'),
    tableReadStreams: num('table_read_streams'),
    cdcMaxLagBytes: num('cdc_max_lag_bytes'),
  };
}
