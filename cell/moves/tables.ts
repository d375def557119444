// The tenant's tables, read from the catalog rather than listed by hand so a table added by a
// later migration is moved too — or refused loudly when it has no tenant column.
import type pg from "pg";

export interface TenantTable {
  name: string;
  /** Column holding the tenant's id: `id` for the tenants table itself, `tenant_id` everywhere else. */
  tenantColumn: string;
  columns: string[];
  primaryKey: string[];
  /** The `generated always as identity` column, if any: its values are per schema and are shifted on copy. */
  identity: string | undefined;
  identitySequence: string | undefined;
}

/** Bookkeeping of the cell itself, not tenant data. */
const NOT_TENANT_DATA = new Set(["_prisma_migrations"]);

export class MoveSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MoveSchemaError";
  }
}

export async function tenantTables(admin: pg.ClientBase, schema: string): Promise<TenantTable[]> {
  const { rows } = await admin.query<{ table_name: string; columns: string[]; pk: string[] | null; identity: string | null; seq: string | null }>(
    `select c.relname as table_name,
            array(select a.attname::text from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum) as columns,
            (select array_agg(a.attname::text order by k.ord) from pg_index i
               cross join unnest(i.indkey) with ordinality k(attnum, ord)
               join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
              where i.indrelid = c.oid and i.indisprimary) as pk,
            (select a.attname::text from pg_attribute a where a.attrelid = c.oid and a.attidentity <> '' limit 1) as identity,
            (select pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) from pg_attribute a
              where a.attrelid = c.oid and a.attidentity <> '' limit 1) as seq
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind = 'r'
      order by c.relname`,
    [schema],
  );
  if (rows.length === 0) throw new MoveSchemaError(`schema ${schema} has no tables: is the cell's database provisioned?`);
  return rows
    .filter((r) => !NOT_TENANT_DATA.has(r.table_name))
    .map((r) => {
      const tenantColumn = r.table_name === "tenants" ? "id" : "tenant_id";
      if (!r.columns.includes(tenantColumn)) {
        throw new MoveSchemaError(`table ${schema}.${r.table_name} has no ${tenantColumn} column, so its rows cannot be assigned to a tenant for a move`);
      }
      if (!r.pk || r.pk.length === 0) throw new MoveSchemaError(`table ${schema}.${r.table_name} has no primary key: changes to it cannot be replayed`);
      return { name: r.table_name, tenantColumn, columns: r.columns, primaryKey: r.pk, identity: r.identity ?? undefined, identitySequence: r.seq ?? undefined };
    });
}

/** Both cells must run the same migrations, or a copied row would not fit. */
export function assertSameShape(source: TenantTable[], target: TenantTable[], sourceSchema: string, targetSchema: string): void {
  const describe = (ts: TenantTable[]) => JSON.stringify(ts.map((t) => [t.name, t.columns, t.primaryKey]));
  if (describe(source) !== describe(target)) {
    throw new MoveSchemaError(`schemas ${sourceSchema} and ${targetSchema} have different tables or columns: apply the same migrations to both cells before moving`);
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
