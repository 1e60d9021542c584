/**
 * A fingerprint of what the migrations install in one database: everything in the control schema
 * and the API schema that a user or a sidecar can observe. Two databases with equal fingerprints
 * have the same SQL API, so "upgraded from migration k" can be compared with "fresh install".
 *
 * Covered: schemas (owner, ACL, comment), extensions, functions and procedures
 * (pg_get_functiondef, owner, ACL, comment), tables / views / sequences (kind, owner, ACL, RLS
 * flags, options, view definitions, comments), columns (position among live columns, type,
 * NOT NULL, default, identity, generated, collation, ACL, comment), constraints, indexes,
 * triggers, policies, types of the schemas, default privileges, and the rows of every table of
 * the control schema except node-pg-migrate's own `migrations` (on a freshly migrated database
 * those are the shipped rows: settings, error_codes, …). Cluster-wide objects (roles) are not
 * per database and are left out.
 */
import pg from 'pg';

export type Fingerprint = Record<string, unknown[]>;

const CONTROL_SCHEMA = 'cdb_connectors';

/** An ACL column as sorted text: the order of aclitems records the order of GRANTs, not a privilege. */
const acl = (column: string) => `(select pg_catalog.array_agg(a::text order by a::text) from pg_catalog.unnest(${column}) a)::text`;

/** Catalog queries, each returning rows already in a stable order; $1 = text[] of schema names. */
const QUERIES: Record<string, string> = {
  schemas: `
    select n.nspname, pg_get_userbyid(n.nspowner) as owner, ${acl('n.nspacl')} as acl, obj_description(n.oid, 'pg_namespace') as comment
      from pg_namespace n where n.nspname = any($1) order by 1`,
  extensions: `
    select e.extname, n.nspname as schema, e.extversion from pg_extension e join pg_namespace n on n.oid = e.extnamespace order by 1`,
  functions: `
    select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) as args, p.prokind::text,
           pg_get_functiondef(p.oid) as definition, pg_get_userbyid(p.proowner) as owner, ${acl('p.proacl')} as acl,
           obj_description(p.oid, 'pg_proc') as comment
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = any($1) and p.prokind in ('f', 'p')
     order by 1, 2, 3`,
  aggregates: `
    select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) as args
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = any($1) and p.prokind in ('a', 'w') order by 1, 2, 3`,
  relations: `
    select n.nspname, c.relname, c.relkind::text, pg_get_userbyid(c.relowner) as owner, ${acl('c.relacl')} as acl,
           c.relrowsecurity, c.relforcerowsecurity, c.reloptions::text as options, c.relpersistence::text,
           case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) end as view_definition,
           obj_description(c.oid, 'pg_class') as comment
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any($1) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
     order by 1, 2`,
  columns: `
    select n.nspname, c.relname,
           row_number() over (partition by c.oid order by a.attnum) as position,
           a.attname, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull,
           pg_get_expr(d.adbin, d.adrelid) as default, a.attidentity::text, a.attgenerated::text,
           co.collname, ${acl('a.attacl')} as acl, col_description(c.oid, a.attnum) as comment
      from pg_attribute a
      join pg_class c on c.oid = a.attrelid
      join pg_namespace n on n.oid = c.relnamespace
      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      left join pg_collation co on co.oid = a.attcollation and a.attcollation <> 100
     where n.nspname = any($1) and c.relkind in ('r', 'p', 'v', 'm', 'f') and a.attnum > 0 and not a.attisdropped
     order by 1, 2, 3`,
  constraints: `
    select n.nspname, coalesce(c.relname, t.typname) as on_object, k.conname, k.contype::text,
           pg_get_constraintdef(k.oid) as definition, k.condeferrable, k.condeferred, k.convalidated
      from pg_constraint k
      join pg_namespace n on n.oid = k.connamespace
      left join pg_class c on c.oid = k.conrelid
      left join pg_type t on t.oid = k.contypid
     where n.nspname = any($1)
     order by 1, 2, 3`,
  indexes: `
    select schemaname, tablename, indexname, indexdef from pg_indexes where schemaname = any($1) order by 1, 2, 3`,
  triggers: `
    select n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid) as definition, t.tgenabled::text
      from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any($1) and not t.tgisinternal
     order by 1, 2, 3`,
  policies: `
    select schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check
      from pg_policies where schemaname = any($1) order by 1, 2, 3`,
  types: `
    select n.nspname, t.typname, t.typtype::text, format_type(t.oid, null) as formatted,
           (select array_agg(e.enumlabel order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid)::text as labels,
           pg_get_userbyid(t.typowner) as owner, ${acl('t.typacl')} as acl
      from pg_type t join pg_namespace n on n.oid = t.typnamespace
     where n.nspname = any($1) and t.typtype in ('e', 'd', 'c', 'r', 'm')
       and not exists (select from pg_class c where c.oid = t.typrelid and c.relkind <> 'c')
     order by 1, 2`,
  sequences: `
    select schemaname, sequencename, data_type::text, start_value, increment_by, max_value, min_value, cycle
      from pg_sequences where schemaname = any($1) order by 1, 2`,
  defaultPrivileges: `
    select pg_get_userbyid(d.defaclrole) as role, n.nspname, d.defaclobjtype::text, ${acl('d.defaclacl')} as acl
      from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace order by 1, 2, 3`,
  eventTriggers: `select evtname, evtevent, evtenabled::text from pg_event_trigger order by 1`,
};

/** The fingerprint of the database at `url`; `apiSchema` is the unquoted schema of the cdb_connector_* functions. */
export async function catalogFingerprint(url: string, apiSchema = 'public'): Promise<Fingerprint> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const schemas = [CONTROL_SCHEMA, apiSchema];
    const result: Fingerprint = {};
    for (const [name, text] of Object.entries(QUERIES)) {
      // Some queries take no parameter: only pass $1 where it is used.
      result[name] = (await client.query(text, text.includes('$1') ? [schemas] : [])).rows;
    }
    const tables = await client.query<{ relname: string }>(
      `select c.relname from pg_class c where c.relnamespace = $1::regnamespace and c.relkind in ('r', 'p') and c.relname <> 'migrations' order by 1`,
      [CONTROL_SCHEMA]);
    for (const { relname } of tables.rows) {
      const rows = await client.query<{ row: string }>(
        `select to_jsonb(t)::text as row from ${CONTROL_SCHEMA}.${client.escapeIdentifier(relname)} t order by 1`);
      result[`rows:${relname}`] = rows.rows.map((r) => r.row);
    }
    return result;
  } finally {
    await client.end();
  }
}

/** The parts of two fingerprints that differ, as readable lines (empty when equal). */
export function fingerprintDiff(expected: Fingerprint, actual: Fingerprint): string[] {
  const lines: string[] = [];
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  for (const key of keys) {
    const before = lines.length;
    const want = new Set((expected[key] ?? []).map((r) => JSON.stringify(r)));
    const got = new Set((actual[key] ?? []).map((r) => JSON.stringify(r)));
    for (const r of want) if (!got.has(r)) lines.push(`${key}: missing ${r}`);
    for (const r of got) if (!want.has(r)) lines.push(`${key}: unexpected ${r}`);
    if (lines.length === before && JSON.stringify(expected[key]) !== JSON.stringify(actual[key])) lines.push(`${key}: same rows in another order`);
  }
  return lines;
}
