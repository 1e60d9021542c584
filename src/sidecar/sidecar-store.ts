/**
 * Every statement the sidecar runs about itself rather than about one job, request or sync: its
 * row in cdb_connectors.sidecars (what the workers view shows), the settings, and where the
 * target listens (for the network policy, allowed-hosts.ts).
 */
import os from 'node:os';
import type pg from 'pg';
import { VERSION } from '../version.js';

/** Registers the sidecar, or marks a row it already has as seen. */
export async function registerSidecar(db: pg.Pool, workerId: string, concurrency: number): Promise<void> {
  await db.query(
    `insert into cdb_connectors.sidecars (id, host, pid, version, concurrency) values ($1, $2, $3, $4, $5)
     on conflict (id) do update set last_seen_at = now()`,
    [workerId, os.hostname(), process.pid, VERSION, concurrency],
  );
}

/** The heartbeat; false when the row is gone (deleted by hand or by a cleanup) and must be registered again. */
export async function touchSidecar(db: pg.Pool, workerId: string): Promise<boolean> {
  const { rowCount } = await db.query('update cdb_connectors.sidecars set last_seen_at = now() where id = $1', [workerId]);
  return rowCount !== 0;
}

export async function removeSidecar(db: pg.Pool, workerId: string): Promise<void> {
  await db.query('delete from cdb_connectors.sidecars where id = $1', [workerId]);
}

/** Every settings row, value as stored (JSON); settings.ts gives them types and defaults. */
export async function readSettingRows(db: pg.Pool | pg.ClientBase): Promise<Array<{ name: string; value: unknown }>> {
  const { rows } = await db.query<{ name: string; value: unknown }>('select name, value from cdb_connectors.settings');
  return rows;
}

export interface TargetListenRow {
  /** The address this connection reached; null over a Unix socket. */
  addr: string | null;
  port: number | null;
  setting_port: string;
  listen: string;
}

/** Where the target listens, as its own session sees it (allowed-hosts.ts readTargetEndpoint). */
export async function readTargetListenRow(db: pg.Pool | pg.ClientBase): Promise<TargetListenRow> {
  const { rows } = await db.query<TargetListenRow>(
    `select pg_catalog.host(pg_catalog.inet_server_addr()) as addr, pg_catalog.inet_server_port() as port,
            pg_catalog.current_setting('port') as setting_port, pg_catalog.current_setting('listen_addresses') as listen`);
  return rows[0]!;
}
