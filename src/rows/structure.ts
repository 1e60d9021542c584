/**
 * A remote schema's structure, as whole-database runs reproduce it (SPEC §15, issue 20 item 2):
 * per table its primary key, unique and secondary indexes, NOT NULL columns and foreign keys,
 * read from the provider's catalog (providers/<name>/structure.ts) and turned into PostgreSQL DDL
 * by load/structure-ddl.ts. Names are the remote's; the DDL planner maps them to local ones.
 */

/** A referential action, spelled as both MySQL and PostgreSQL spell it. */
export type ForeignKeyAction = 'NO ACTION' | 'RESTRICT' | 'CASCADE' | 'SET NULL' | 'SET DEFAULT';

export const FOREIGN_KEY_ACTIONS: readonly ForeignKeyAction[] = ['NO ACTION', 'RESTRICT', 'CASCADE', 'SET NULL', 'SET DEFAULT'];

export interface IndexColumn {
  name: string;
  descending: boolean;
  /** MySQL's prefix index (`KEY (name(10))`): only the first n characters or bytes are indexed. */
  prefixLength?: number;
}

/**
 * `btree` covers every ordinary index (MySQL BTREE, PostgreSQL btree); `hash`, `fulltext` and
 * `spatial` are the remote's own kinds; `other` is anything else (named in `method`).
 */
export type IndexKind = 'btree' | 'hash' | 'fulltext' | 'spatial' | 'other';

export interface RemoteIndex {
  name: string;
  columns: IndexColumn[];
  unique: boolean;
  primary: boolean;
  kind: IndexKind;
  /** The remote's name for the method when kind is other (e.g. `brin`, `gin`). */
  method?: string;
  /** A partial index's condition in the remote's SQL: not reproduced, warned. */
  predicate?: string;
  /** An index on expressions rather than columns: not reproduced, warned. */
  expression?: boolean;
}

export interface RemoteForeignKey {
  name: string;
  columns: string[];
  /** The referenced table, in the same remote schema (a reference elsewhere is warned). */
  refSchema: string;
  refTable: string;
  refColumns: string[];
  onDelete: ForeignKeyAction;
  onUpdate: ForeignKeyAction;
}

export interface TableStructure {
  /** The remote schema the table is in: a foreign key to another schema's table is not one of the run's. */
  schema: string;
  table: string;
  /** Columns declared NOT NULL, in the remote's column order. */
  notNull: string[];
  /** The primary key first (when there is one), then the other indexes by name. */
  indexes: RemoteIndex[];
  foreignKeys: RemoteForeignKey[];
}
