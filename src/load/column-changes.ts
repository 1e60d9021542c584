/**
 * How a synced table's columns differ from the ones a run staged. Its own module because every
 * sync strategy asks it (replace today; SPEC §14 `on_schema_change` will act on the same answer).
 */
import type { TableColumn } from './target-catalog.js';

/**
 * Which staged columns are new, and why the synced table cannot take the staged rows (a column
 * it has that the source no longer sends — dropped or renamed remotely — or one whose type
 * changed). Column order does not matter: rows are inserted by name.
 */
export function compareColumns(current: readonly TableColumn[], staged: readonly TableColumn[]): { added: TableColumn[]; incompatible: string[] } {
  const stagedTypes = new Map(staged.map((c) => [c.name, c.type]));
  const currentNames = new Set(current.map((c) => c.name));
  const missing = current.filter((c) => !stagedTypes.has(c.name)).map((c) => c.name);
  const retyped = current.filter((c) => stagedTypes.has(c.name) && stagedTypes.get(c.name) !== c.type)
    .map((c) => `${c.name} ${c.type} → ${stagedTypes.get(c.name)}`);
  return {
    added: staged.filter((c) => !currentNames.has(c.name)),
    incompatible: [
      ...(missing.length ? [`no longer in the source: ${missing.join(', ')}`] : []),
      ...(retyped.length ? [`type changed: ${retyped.join(', ')}`] : []),
    ],
  };
}
