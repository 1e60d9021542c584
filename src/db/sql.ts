/**
 * Building and running SQL on the target: the one quoting helper (node-postgres' escapers, never
 * string pasting: STYLE.md, SQL) and transaction framing.
 */
import pg from 'pg';

export const quoteIdent = (name: string): string => pg.escapeIdentifier(name);
export const quoteLiteral = (text: string): string => pg.escapeLiteral(text);

export async function withTransaction<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query('begin');
  try {
    const result = await fn();
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}

/** Runs `fn` inside a savepoint of the open transaction; on failure, undoes only `fn` and rethrows. */
export async function withSavepoint<T>(client: pg.ClientBase, name: string, fn: () => Promise<T>): Promise<T> {
  const savepoint = quoteIdent(name);
  await client.query(`savepoint ${savepoint}`);
  try {
    const result = await fn();
    await client.query(`release savepoint ${savepoint}`);
    return result;
  } catch (err) {
    await client.query(`rollback to savepoint ${savepoint}`);
    throw err;
  }
}
