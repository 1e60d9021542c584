/**
 * Turns a remote schema's structure (rows/structure.ts) into the PostgreSQL DDL a whole-database
 * run applies to the tables it loaded (SPEC §15, issue 20 item 2), and names what it cannot
 * reproduce: never a silent omission.
 *
 * - Per table, after its rows are in: one ALTER TABLE with the NOT NULL columns and the primary
 *   key (one scan of the table for all of them), then one CREATE INDEX per unique or secondary
 *   index. Foreign keys come last, once every table is loaded: a foreign key may point at a table
 *   loaded later, at its own table, or round a cycle.
 * - Index names are per schema in PostgreSQL and per table in MySQL, so an index is named
 *   `<table>_<index>` (cleaned like every identifier, cut to 63 bytes, `_1`, `_2` … on a clash
 *   in the schema); the primary key is `<table>_pkey` as PostgreSQL would name it.
 * - Mapped: descending columns; a prefix index (MySQL `KEY (name(10))`) indexes the whole column
 *   (for a unique one that is implied: distinct prefixes are distinct values), warned; HASH
 *   becomes btree (InnoDB builds BTREE for it anyway, and PostgreSQL's hash indexes cannot be
 *   unique or multi-column); SPATIAL becomes GiST when the column arrived as PostGIS geometry.
 * - Warned and left out: FULLTEXT (PostgreSQL's equivalent is a GIN index on an expression of
 *   the user's choosing), indexes on expressions, partial indexes, other methods, anything over a
 *   column the import skipped; a foreign key to a table outside the run, or to columns without a
 *   unique index in the target (PostgreSQL requires one, MySQL only an index).
 * Every name in the SQL is quoted; only the action keywords are spelled from the model's closed
 * list (FOREIGN_KEY_ACTIONS).
 */
import { qi } from './ddl.js';
import { MAX_IDENTIFIER_BYTES, toLocalIdentifier, withSuffix } from './identifiers.js';
import { FOREIGN_KEY_ACTIONS, type RemoteIndex, type TableStructure } from '../rows/structure.js';

export interface StructureOptions {
  primaryKeys: boolean;
  indexes: boolean;
  notNull: boolean;
  foreignKeys: boolean;
}

/** A remote table as the run loaded it. */
export interface LoadedTable {
  schema: string;
  table: string;
  /** Remote column name → local column name and type; a column the import skipped is absent. */
  columns: ReadonlyMap<string, { name: string; type: string }>;
  /** The local table has a primary key already (CARTO's cartodb_id): the remote one becomes a unique index. */
  hasPrimaryKey?: boolean;
}

export interface StructureStatement {
  /** The remote table it belongs to (the referencing one for a foreign key). */
  table: string;
  /** What it creates, for a warning when PostgreSQL refuses it: `primary key (a, b)`, `unique index orders_code`. */
  what: string;
  sql: string;
}

export interface StructureWarning {
  table: string;
  message: string;
}

export interface StructurePlan {
  /** Remote table → its statements, in order (table constraints, then indexes). */
  tables: Map<string, StructureStatement[]>;
  /** After every table: the foreign keys. */
  foreignKeys: StructureStatement[];
  warnings: StructureWarning[];
}

const GEOMETRY_TYPE = /^(geometry|geography)\b/;

/**
 * `taken`: per target schema, the relation names it holds already (another role's index named
 * `orders_pkey` included): an index is never given one of them.
 */
export function planStructure(structures: readonly TableStructure[], loaded: ReadonlyMap<string, LoadedTable>, options: StructureOptions,
  taken: ReadonlyMap<string, readonly string[]> = new Map()): StructurePlan {
  const plan: StructurePlan = { tables: new Map(), foreignKeys: [], warnings: [] };
  const warn = (table: string, message: string) => plan.warnings.push({ table, message });
  const names = new NameAllocator();
  // an index may not take the name of a table of the run, nor of anything in the schema already
  for (const t of loaded.values()) names.reserve(t.schema, t.table);
  for (const [schema, relations] of taken) for (const name of relations) names.reserve(schema, name);
  /** Local table → the column lists (local names, sorted) of its unique constraints and indexes. */
  const uniqueSets = new Map<string, string[][]>();

  for (const s of structures) {
    const local = loaded.get(s.table);
    if (!local) continue;
    const target = `${qi(local.schema)}.${qi(local.table)}`;
    const statements: StructureStatement[] = [];
    const localColumns = (columns: readonly string[]) => columns.map((c) => local.columns.get(c)?.name);
    const missing = (columns: readonly string[]) => columns.filter((c) => !local.columns.has(c));

    const alters: string[] = [];
    const what: string[] = [];
    if (options.notNull) {
      const kept = s.notNull.filter((c) => local.columns.has(c));
      alters.push(...kept.map((c) => `ALTER COLUMN ${qi(local.columns.get(c)!.name)} SET NOT NULL`));
      if (kept.length > 0) what.push(`NOT NULL on ${kept.length} column(s)`);
    }
    const primary = s.indexes.find((i) => i.primary);
    if (primary && options.primaryKeys && !local.hasPrimaryKey) {
      const gone = missing(primary.columns.map((c) => c.name));
      if (gone.length > 0) {
        warn(s.table, `The primary key (${primary.columns.map((c) => c.name).join(', ')}) is not reproduced: the column(s) ${gone.join(', ')} were not imported.`);
      } else {
        if (primary.columns.some((c) => c.prefixLength !== undefined)) warn(s.table, `The primary key's prefix lengths are dropped: it covers the whole column(s) in PostgreSQL.`);
        const columns = localColumns(primary.columns.map((c) => c.name)) as string[];
        const name = names.take(local.schema, `${local.table}_pkey`);
        alters.push(`ADD CONSTRAINT ${qi(name)} PRIMARY KEY (${columns.map(qi).join(', ')})`);
        what.push(`primary key (${columns.join(', ')})`);
        addUnique(uniqueSets, target, columns);
      }
    }
    if (alters.length > 0) statements.push({ table: s.table, what: what.join(' and '), sql: `ALTER TABLE ${target} ${alters.join(', ')}` });

    for (const index of s.indexes) {
      const asUnique = index.primary && options.primaryKeys && local.hasPrimaryKey;
      if (index.primary && !asUnique) continue;
      if (!index.primary && !options.indexes) continue;
      const statement = indexStatement(s.table, index, local, target, names, warn);
      if (!statement) continue;
      statements.push(statement.statement);
      if (index.unique) addUnique(uniqueSets, target, statement.columns);
    }
    plan.tables.set(s.table, statements);
  }

  if (options.foreignKeys) {
    for (const s of structures) {
      const local = loaded.get(s.table);
      if (!local) continue;
      for (const fk of s.foreignKeys) {
        // the run's tables are one remote schema's: a same-named table of another schema is not one of them
        const referenced = fk.refSchema === s.schema ? loaded.get(fk.refTable) : undefined;
        const label = `The foreign key ${fk.name} (${fk.columns.join(', ')}) → ${fk.refTable} (${fk.refColumns.join(', ')})`;
        if (!referenced) {
          warn(s.table, `${label} is not reproduced: ${fk.refSchema}.${fk.refTable} is not part of this run.`);
          continue;
        }
        const gone = [...fk.columns.filter((c) => !local.columns.has(c)), ...fk.refColumns.filter((c) => !referenced.columns.has(c))];
        if (gone.length > 0) {
          warn(s.table, `${label} is not reproduced: the column(s) ${gone.join(', ')} were not imported.`);
          continue;
        }
        const refColumns = fk.refColumns.map((c) => referenced.columns.get(c)!.name);
        const refTarget = `${qi(referenced.schema)}.${qi(referenced.table)}`;
        if (!hasUnique(uniqueSets, refTarget, refColumns)) {
          warn(s.table, `${label} is not reproduced: PostgreSQL needs a primary key or unique index on the referenced column(s), and ${fk.refTable} has none in this run.`);
          continue;
        }
        const columns = fk.columns.map((c) => local.columns.get(c)!.name);
        // the model's action is one of FOREIGN_KEY_ACTIONS; checked again because it becomes SQL text
        const action = (a: string) => (FOREIGN_KEY_ACTIONS as readonly string[]).includes(a) ? a : 'NO ACTION';
        plan.foreignKeys.push({
          table: s.table,
          what: `foreign key ${fk.name} (${columns.join(', ')}) → ${referenced.table} (${refColumns.join(', ')})`,
          sql: `ALTER TABLE ${qi(local.schema)}.${qi(local.table)} ADD CONSTRAINT ${qi(toLocalIdentifier(fk.name))} FOREIGN KEY (${columns.map(qi).join(', ')}) `
            + `REFERENCES ${refTarget} (${refColumns.map(qi).join(', ')}) ON DELETE ${action(fk.onDelete)} ON UPDATE ${action(fk.onUpdate)}`,
        });
      }
    }
  }
  return plan;
}

function indexStatement(
  table: string, index: RemoteIndex, local: LoadedTable, target: string, names: NameAllocator, warn: (table: string, message: string) => void,
): { statement: StructureStatement; columns: string[] } | undefined {
  const label = `The ${index.unique ? 'unique ' : ''}index ${index.name}`;
  if (index.kind === 'fulltext') {
    warn(table, `${label} (FULLTEXT on ${index.columns.map((c) => c.name).join(', ')}) is not reproduced: in PostgreSQL, full-text search uses a GIN index on to_tsvector(…) with the text search configuration of your choice.`);
    return undefined;
  }
  if (index.expression || index.predicate !== undefined) {
    warn(table, `${label} is not reproduced: it is ${index.expression ? 'on expressions' : `partial (WHERE ${index.predicate})`}, which the connector does not translate.`);
    return undefined;
  }
  if (index.kind === 'other') {
    warn(table, `${label} is not reproduced: its method ${index.method ?? 'unknown'} has no PostgreSQL counterpart the connector maps.`);
    return undefined;
  }
  const gone = index.columns.filter((c) => !local.columns.has(c.name)).map((c) => c.name);
  if (gone.length > 0) {
    warn(table, `${label} is not reproduced: the column(s) ${gone.join(', ')} were not imported.`);
    return undefined;
  }
  const columns = index.columns.map((c) => local.columns.get(c.name)!);
  let using = '';
  if (index.kind === 'spatial') {
    if (!columns.every((c) => GEOMETRY_TYPE.test(c.type))) {
      warn(table, `${label} (SPATIAL) is not reproduced: its column did not arrive as PostGIS geometry.`);
      return undefined;
    }
    using = ' USING gist';
  }
  const prefixed = index.columns.filter((c) => c.prefixLength !== undefined).map((c) => `${c.name}(${c.prefixLength})`);
  if (prefixed.length > 0) warn(table, `${label} indexes a prefix of ${prefixed.join(', ')}: PostgreSQL indexes the whole column.`);
  const name = names.take(local.schema, `${local.table}_${index.primary ? 'pkey' : index.name}`);
  const list = index.columns.map((c, i) => `${qi(columns[i]!.name)}${c.descending && !using ? ' DESC' : ''}`).join(', ');
  return {
    statement: { table, what: `${index.unique ? 'unique ' : ''}index ${name}`, sql: `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${qi(name)} ON ${target}${using} (${list})` },
    columns: columns.map((c) => c.name),
  };
}

function addUnique(sets: Map<string, string[][]>, target: string, columns: readonly string[]): void {
  sets.set(target, [...(sets.get(target) ?? []), [...columns].sort()]);
}

function hasUnique(sets: Map<string, string[][]>, target: string, columns: readonly string[]): boolean {
  const wanted = [...columns].sort().join('\0');
  return (sets.get(target) ?? []).some((c) => c.join('\0') === wanted);
}

/** Relation names (indexes, primary keys) are unique per schema in PostgreSQL. */
class NameAllocator {
  private readonly taken = new Map<string, Set<string>>();

  reserve(schema: string, name: string): void {
    this.used(schema).add(name);
  }

  /** `wanted` cleaned and cut to 63 bytes, with the first free `_n` when the schema has it already. */
  take(schema: string, wanted: string): string {
    const used = this.used(schema);
    const base = toLocalIdentifier(wanted, MAX_IDENTIFIER_BYTES);
    let name = base;
    for (let n = 1; used.has(name); n++) name = withSuffix(base, n);
    used.add(name);
    return name;
  }

  private used(schema: string): Set<string> {
    const set = this.taken.get(schema) ?? new Set<string>();
    this.taken.set(schema, set);
    return set;
  }
}
