/**
 * A described source as both sides see it: the columns a provider's `describe` chose and mapped
 * to local types, and what the target can store (which some of those mappings depend on).
 * Imports nothing of providers/ or load/ (.ci/dependency-cruiser.cjs, rule rows-is-neutral).
 */

/** What the target database can store; read by db/capabilities.ts, handed to the provider's casts. */
export interface TargetCapabilities {
  /** PostGIS is installed in the target: geometry/geography columns can be kept. */
  postgis: boolean;
  /** server_version_num of the target, e.g. 150018. */
  serverVersionNum: number;
}

/** One importable column, in the order `streamRows` emits values. */
export interface ColumnPlan {
  /** Column name as the remote server reports it (the local name is derived in load/identifiers.ts). */
  remoteName: string;
  /** Remote type as the remote server describes it, e.g. `decimal(12,2) unsigned`. */
  remoteType: string;
  /** PostgreSQL type of the local column, e.g. `numeric(12,2)`; a valid type expression. */
  localType: string;
  /**
   * The provider's name for how this column's wire values become COPY text, chosen by the cast
   * rule that decided the column (rows/cast-rules.ts): it follows the remote type, which the
   * local type alone cannot tell (a user cast `tinyint → boolean` must not decode like BIT).
   * Opaque outside the provider; absent = the values pass as the provider reads them.
   */
  decoder?: string;
  /**
   * Short human name of the cast rule that decided the column, e.g. `decimal(p,s) → numeric(p,s)`
   * (rows/cast-rules.ts castRuleName): what `cdb_connector_explain` shows. Absent only in plans
   * built outside the cast tables.
   */
  rule?: string;
  /**
   * Set when a user cast rule (SPEC §14, rows/user-casts.ts) decided `localType` instead of the
   * built-in table. The column is still read and decoded as the built-in rule says, for
   * `builtInType` (what the built-in table would have made it); with `timeZone`, each value
   * gets ` <zone>` appended so that timestamptz reads the remote wall-clock time in that zone.
   */
  userCast?: { label: string; builtInType: string; timeZone?: string };
}

export interface SkippedColumn {
  remoteName: string;
  remoteType: string;
  /** Why the column is skipped, e.g. `no rule maps sql_variant` (rows/cast-rules.ts skipReason). */
  reason?: string;
}

/** What `describe` learned: the columns to import and the ones skipped (named in a warning). */
export interface SourcePlan {
  columns: ColumnPlan[];
  skipped: SkippedColumn[];
  /** Remote single-column integer primary key, if the source has one (CARTO `cartodb_id`, SPEC §12). */
  primaryKey?: string;
  /**
   * The remote table's primary key, else one of its unique keys over NOT NULL columns, as remote
   * column names (all of them plan columns); absent when the source declares none (views,
   * queries, Hive). The default merge key of an incremental sync (SPEC §13).
   */
  uniqueKey?: string[];
  /**
   * True when the source can stream PostgreSQL binary COPY data whose columns are exactly the
   * plan's local types (postgres → postgres): the load then takes `streamBinaryCopy`.
   */
  binaryCopy?: boolean;
  /**
   * True when every value the provider writes for a column without a user cast is in the
   * canonical text form of its local type (digits with an optional `-` and `.`, `YYYY-MM-DD`,
   * `YYYY-MM-DD HH:MM:SS[.ffffff]`, `HH:MM:SS[.ffffff]`, a double as printed by the remote): the
   * load may then encode the rows as binary COPY (load/binary-values.ts). MySQL/MariaDB.
   */
  canonicalText?: boolean;
  /**
   * What describe already knows the import changes, e.g. PostgreSQL enums imported as text
   * (`enum_as_text`): added to the job's warnings after `skipped_columns`.
   */
  warnings?: PlanWarning[];
}

/** A warning of the job's status (`{code, message}`, SPEC §3) that describe produces. */
export interface PlanWarning {
  code: string;
  message: string;
}
