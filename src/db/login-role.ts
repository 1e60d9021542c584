/**
 * What the sidecar's login can do, checked once at start (issue 16, docs/security.md): a
 * superuser login is refused unless asked for, because defence in depth means a bug in
 * containment must not hand out a superuser. Containment (owner frames, the pinned search_path)
 * holds in that mode too; the refusal keeps it from being the only wall.
 */
import pg from 'pg';
import { PINNED_SEARCH_PATH_OPTION } from './pool.js';

export interface LoginRole {
  role: string;
  superuser: boolean;
  bypassRls: boolean;
  /** Member of cdb_connector_worker (the role migrate creates). */
  worker: boolean;
}

export async function describeLogin(connectionString: string): Promise<LoginRole> {
  const client = new pg.Client({ connectionString, options: PINNED_SEARCH_PATH_OPTION, application_name: 'cdb_connectors login check' });
  await client.connect();
  try {
    const { rows } = await client.query<LoginRole>(
      `select r.rolname as role, r.rolsuper as superuser, r.rolbypassrls as "bypassRls",
              coalesce(pg_catalog.pg_has_role(r.oid, w.oid, 'member'), false) as worker
         from pg_catalog.pg_roles r left join pg_catalog.pg_roles w on w.rolname = 'cdb_connector_worker'
        where r.rolname = session_user`);
    return rows[0]!;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why the sidecar will not start on this login, or undefined when it may. */
export function loginProblem(login: LoginRole, allowSuperuser: boolean): string | undefined {
  if (login.superuser && !allowSuperuser) {
    return `The sidecar's login ${login.role} is a superuser. Run it as a login in role cdb_connector_worker:\n`
      + `  create role connector_bridge login bypassrls password '…' in role cdb_connector_worker;\n`
      + `  grant <each API role> to cdb_connector_worker;\n`
      + 'then set DATABASE_URL to that login (docs/security.md), or pass --allow-superuser to run as a superuser anyway.';
  }
  if (!login.superuser && !login.worker) {
    return `The sidecar's login ${login.role} is not a member of cdb_connector_worker: grant cdb_connector_worker to ${login.role} (and run migrate first).`;
  }
  if (!login.superuser && !login.bypassRls) {
    return `The sidecar's login ${login.role} needs BYPASSRLS to read every tenant's jobs: alter role ${login.role} bypassrls (docs/security.md).`;
  }
  return undefined;
}
