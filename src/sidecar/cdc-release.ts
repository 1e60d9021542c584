/**
 * After cdb_connector_unsync of a "mode": "cdc" sync (SPEC §16): drops the replication slot and
 * the publication the sync made on its PostgreSQL source. The source keeps WAL for a slot until it
 * is dropped (max_slot_wal_keep_size is unlimited by default), so a forgotten slot fills the
 * source's disk. syncs_before_delete_cdc left the sync's connection in cdc_releases; each row is
 * taken by one sidecar (SKIP LOCKED, pushed back before the remote work so a slow source holds no
 * lock) and deleted once the source confirmed. A source that cannot be reached is tried again
 * with a growing pause (last_error says why); MySQL sources keep nothing and are only deleted.
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import { capabilitiesOf, readTargetFacts } from '../db/capabilities.js';
import { redactSecrets, toConnectorError } from '../errors.js';
import { openOptionalSecret } from '../secrets/sealed-secret.js';
import { changeLogNames } from './cdc-names.js';
import { connectSession } from './connect-session.js';
import type { ConnectorParams } from './job.js';
import { checkedRequest, openSource } from './open-source.js';
import { readSettings } from './settings.js';

interface ReleaseRow {
  id: string;
  sync_id: string;
  owner: string;
  provider: string;
  params: ConnectorParams;
  secret: string | null;
}

/** Releases every due row, one after the other; errors are recorded on the row, never thrown. */
export async function releaseChangeLogs(pool: pg.Pool, log: Logger, signal: AbortSignal): Promise<void> {
  for (;;) {
    if (signal.aborted) return;
    const row = await takeDue(pool);
    if (!row) return;
    let password: string | undefined;
    try {
      password = await openOptionalSecret(row.secret);
      const settings = await readSettings(pool);
      const origin = { kind: 'release', id: row.id, owner: row.owner, provider: row.provider, params: row.params, password } as const;
      const opened = await openSource(origin, settings, pool);
      password = opened.password;
      const session = await connectSession(opened.provider, await checkedRequest(origin, opened, settings, pool), settings,
        { log, signal, target: capabilitiesOf(await readTargetFacts(pool)) });
      try {
        await session.changeCapture?.release(changeLogNames(row.sync_id, row.params));
      } finally {
        await session.close().catch(() => undefined);
      }
      await pool.query('delete from cdb_connectors.cdc_releases where id = $1', [row.id]);
      log.info({ sync_id: row.sync_id }, 'released the change log of an unsynced cdc sync');
    } catch (err) {
      const message = redactSecrets(toConnectorError(err).message, [password]);
      log.warn({ sync_id: row.sync_id, error: message }, 'could not release the change log of an unsynced cdc sync; trying again later');
      await pool.query('update cdb_connectors.cdc_releases set last_error = $2 where id = $1', [row.id, message]).catch(() => undefined);
    }
  }
}

/** The next due row, its next attempt pushed back (1 min doubling to 1 h) in the same statement. */
async function takeDue(pool: pg.Pool): Promise<ReleaseRow | undefined> {
  const { rows } = await pool.query<ReleaseRow>(
    `update cdb_connectors.cdc_releases as r
        set attempts = r.attempts + 1,
            next_attempt_at = statement_timestamp() + least(interval '1 hour', interval '1 minute' * power(2, least(r.attempts, 6)))
      where r.id = (select d.id from cdb_connectors.cdc_releases as d where d.next_attempt_at <= statement_timestamp()
                     order by d.next_attempt_at limit 1 for update skip locked)
      returning r.id, r.sync_id, r.owner, r.provider, r.params, r.secret`);
  return rows[0];
}
