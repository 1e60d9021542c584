/**
 * What a "mode": "cdc" sync calls its log retention on the source (SPEC §16), derived from the
 * sync's id so that every run, the release after unsync and a DBA reading pg_replication_slots
 * agree on it without storing it: replication slots have no owner (any REPLICATION role may drop
 * any slot), so the name must say whose it is.
 */
import type { ChangeLogNames } from '../rows/changes.js';
import type { ConnectorParams } from './job.js';

export function changeLogNames(syncId: string, params: Pick<ConnectorParams, 'publication'>): ChangeLogNames {
  const hex = syncId.replace(/-/g, '').toLowerCase();
  const slot = `cdb_${hex}`;
  return {
    slot,
    publication: params.publication ?? slot,
    ownPublication: params.publication === undefined,
    // a replica id unique among the source's replicas; 1..999999 are left to the DBA's real replicas
    serverId: 1_000_000 + (Number.parseInt(hex.slice(0, 8), 16) % 2_000_000_000),
  };
}
