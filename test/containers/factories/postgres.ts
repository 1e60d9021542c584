/**
 * PostgreSQL images as a RemoteFactory (test/providers/postgres/remote.ts), so the postgres
 * provider suites run unchanged against PostgreSQL 12 and 17.
 *
 * Like the local factory: the superuser `postgres` is trusted over TCP (fixtures), other roles
 * authenticate with `hostAuth` (scram-sha-256 for the password cases), and `tls` serves a
 * certificate for "localhost" signed by a throwaway CA (test/servers/tls.ts). An init script
 * writes pg_hba.conf (the image's POSTGRES_HOST_AUTH_METHOD has one method for every role);
 * the key is installed owned by postgres with mode 0600 before the server starts, because
 * PostgreSQL refuses any other key file. Image without PostGIS: its cases skip themselves.
 */
import pg from 'pg';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import type { RemoteFactory, RemoteOptions, RemotePostgres } from '../../providers/postgres/remote.js';
import { createTlsFiles, type TlsFiles } from '../../servers/tls.js';
import { LOGIN_TIMEOUT_MS, STARTUP_TIMEOUT_MS, untilReady } from '../ready.js';

const PG_PORT = 5432;
const TLS_DIR = '/cdb-tls';
const SERVER_FILES = '/var/lib/postgresql';

/** Runs among the image's init scripts, after initdb and before the real server starts. */
function hbaScript(hostAuth: string): string {
  return [
    '#!/bin/sh',
    'cat > "$PGDATA/pg_hba.conf" <<HBA',
    'local all all trust',
    'host all postgres all trust',
    `host all all all ${hostAuth}`,
    'HBA',
    '',
  ].join('\n');
}

/** Installs the TLS files where PostgreSQL accepts them, then runs the image's own entrypoint. */
const TLS_ENTRYPOINT = [
  `install -o postgres -g postgres -m 600 ${TLS_DIR}/server.key ${SERVER_FILES}/server.key`,
  `install -o postgres -g postgres -m 644 ${TLS_DIR}/server.crt ${SERVER_FILES}/server.crt`,
  'exec docker-entrypoint.sh "$@"',
].join(' && ');

export function postgresContainerFactory(image: string): RemoteFactory {
  return {
    name: image,
    async start(opts: RemoteOptions = {}): Promise<RemotePostgres> {
      const files: TlsFiles | undefined = opts.tls ? await createTlsFiles({ hosts: ['localhost'] }) : undefined;
      // the superuser's password is never used (trust); the image refuses to start without one
      let builder = new GenericContainer(image)
        .withEnvironment({ POSTGRES_PASSWORD: 'unused-superuser-password' })
        .withCopyContentToContainer([{ content: hbaScript(opts.hostAuth ?? 'trust'), target: '/docker-entrypoint-initdb.d/00-hba.sh', mode: 0o755 }])
        .withCommand(['postgres', '-c', 'password_encryption=scram-sha-256',
          ...(files ? ['-c', 'ssl=on', '-c', `ssl_cert_file=${SERVER_FILES}/server.crt`, '-c', `ssl_key_file=${SERVER_FILES}/server.key`] : [])])
        .withExposedPorts(PG_PORT)
        // the init server logs it first, the real one second
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .withStartupTimeout(STARTUP_TIMEOUT_MS);
      if (files) {
        builder = builder
          .withCopyFilesToContainer([{ source: files.certFile, target: `${TLS_DIR}/server.crt` }, { source: files.keyFile, target: `${TLS_DIR}/server.key` }])
          .withEntrypoint(['bash', '-c', TLS_ENTRYPOINT, 'cdb-tls-entrypoint']);
      }
      let container: StartedTestContainer;
      try {
        container = await builder.start();
      } catch (err) {
        files?.remove();
        throw err;
      }
      const host = container.getHost();
      const port = container.getMappedPort(PG_PORT);
      const adminUrl = (database = 'postgres') => `postgres://postgres@${host}:${port}/${encodeURIComponent(database)}?sslmode=disable`;
      await untilReady(image, async () => {
        const client = new pg.Client(adminUrl());
        await client.connect();
        await client.end();
      }, LOGIN_TIMEOUT_MS);
      let stopped = false;
      const stopContainer = async () => {
        if (stopped) return;
        stopped = true;
        await container.stop();
      };
      return {
        host, port, adminUrl, hasPostgis: false,
        ...(files ? { tls: { caFile: files.caFile, hosts: files.hosts } } : {}),
        // the server is the container's PID 1: stopping it is stopping the container
        halt: stopContainer,
        async start() {
          throw new Error(`${image}: restarting a halted container is not supported (its mapped port would change)`);
        },
        async stop() {
          await stopContainer();
          files?.remove();
        },
      };
    },
  };
}
