/**
 * Applies a structure plan (structure-ddl.ts) inside the transaction that makes a whole-database
 * run's tables visible (SPEC §15): each table's statements, then the foreign keys. Each
 * statement runs in its own savepoint, as the tables' owner, inside an owner frame
 * (owner-frame.ts: index builds and foreign-key checks can run the owner's code — a trigger on
 * a referenced table, an operator class — and must never do so with the sidecar's rights).
 *
 * A statement PostgreSQL refuses with a data or constraint error — duplicate keys where the
 * remote's unique index did not hold (MySQL's prefix or collation rules), a NOT NULL over an
 * empty string turned NULL, a foreign key whose rows the remote never checked
 * (foreign_key_checks=0), an index row too large — is rolled back to its savepoint and becomes
 * a warning naming what and why; the data stays, and the rest of the structure is applied. So is a
 * name clash (isNameClash). Any other error (connection, cancel, privileges) is the run's and propagates.
 */
import type pg from 'pg';
import { runAsOwner } from './owner-frame.js';
import { isRowError } from './row-errors.js';
import type { StructurePlan, StructureStatement, StructureWarning } from './structure-ddl.js';

const SAVEPOINT = 'cdb_structure';

/**
 * 42P07 duplicate_table, 42710 duplicate_object: a name the plan could not know was taken (a
 * relation created concurrently, two remote foreign keys whose names clean to the same one): the
 * statement becomes a warning like a data error, never the run's failure.
 */
const NAME_CLASH_CODES = new Set(['42P07', '42710']);
const isNameClash = (err: unknown) => NAME_CLASH_CODES.has((err as { code?: string }).code ?? '');

export interface AppliedStructure {
  /** Statements that ran. */
  applied: StructureStatement[];
  /** The plan's own warnings, then one per statement PostgreSQL refused. */
  warnings: StructureWarning[];
}

export async function applyStructure(client: pg.ClientBase, owner: string, plan: StructurePlan): Promise<AppliedStructure> {
  const result: AppliedStructure = { applied: [], warnings: [...plan.warnings] };
  const statements = [...[...plan.tables.values()].flat(), ...plan.foreignKeys];
  for (const statement of statements) {
    await client.query(`savepoint ${SAVEPOINT}`);
    try {
      await runAsOwner(client, owner, [statement.sql]);
      await client.query(`release savepoint ${SAVEPOINT}`);
      result.applied.push(statement);
    } catch (err) {
      if (!isRowError(err) && !isNameClash(err)) throw err;
      await client.query(`rollback to savepoint ${SAVEPOINT}`);
      await client.query(`release savepoint ${SAVEPOINT}`);
      const message = (err as Error).message;
      const detail = (err as { detail?: string }).detail;
      result.warnings.push({ table: statement.table, message: `The ${statement.what} was not created: ${message}${detail ? ` (${detail})` : ''}.` });
    }
  }
  return result;
}
