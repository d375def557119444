// SQL fragments shared by copy, catch-up and verification: what a source row looks like once it
// is in the target (identity ids shifted into the range reserved in the target).
import { quoteIdent, type TenantTable } from "./tables.js";

export function columnList(t: TenantTable): string {
  return t.columns.map(quoteIdent).join(", ");
}

/** Select list over source alias `s` producing the row as stored in the target. */
export function sourceProjection(t: TenantTable, idOffsets: Record<string, string>): string {
  return t.columns
    .map((c) => (c === t.identity ? `s.${quoteIdent(c)} + ${BigInt(idOffsets[t.name] ?? "0").toString()}::bigint as ${quoteIdent(c)}` : `s.${quoteIdent(c)}`))
    .join(", ");
}

export function insertClause(t: TenantTable): string {
  return t.identity ? "overriding system value" : "";
}

/** Join condition between a target row (alias `x` unless given) and a source-keyed row `k`. */
export function targetKeyMatch(t: TenantTable, idOffsets: Record<string, string>, alias = "x"): string {
  return t.primaryKey
    .map((c) =>
      c === t.identity ? `${alias}.${quoteIdent(c)} = k.${quoteIdent(c)} + ${BigInt(idOffsets[t.name] ?? "0").toString()}::bigint` : `${alias}.${quoteIdent(c)} = k.${quoteIdent(c)}`,
    )
    .join(" and ");
}

export function sourceKeyMatch(t: TenantTable): string {
  return t.primaryKey.map((c) => `s.${quoteIdent(c)} = k.${quoteIdent(c)}`).join(" and ");
}
