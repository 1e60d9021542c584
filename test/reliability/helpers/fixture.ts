/**
 * The databases of the reliability files that stream from the slow source, and the teardown of
 * the files where a child sidecar dies, freezes or shuts down mid-import and another sidecar (the
 * rescuer) finishes its jobs (crash-recovery, frozen-sidecar, graceful-shutdown).
 */
import { createMysqlDb, type MysqlDb } from '../../helpers/mysql.js';
import { createTargetDb, type TargetDb } from '../../helpers/target.js';
import type { CapturedSidecar, ChildSidecar } from './sidecars.js';
import { createNumbers } from './slow-source.js';

/** A target database and a MariaDB database holding the slow source's numbers table, made side by side. */
export async function createSlowSourceDbs(): Promise<{ db: TargetDb; my: MysqlDb }> {
  const [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  await createNumbers(my);
  return { db, my };
}

/** Kills the child, stops the rescuer, then drops both databases (each only if it was made). */
export async function tearDownRescue(f: { child?: ChildSidecar; rescuer?: CapturedSidecar; db?: TargetDb; my?: MysqlDb }): Promise<void> {
  await f.child?.kill();
  await f.rescuer?.stop();
  await Promise.all([f.db?.drop(), f.my?.drop()]);
}
