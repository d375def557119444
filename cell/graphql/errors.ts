// Expected errors: a stable code in extensions.code and, for bad input, the offending field.
// Anything else is masked by the server ("Unexpected error.") and logged.
import { GraphQLError } from "graphql";
import type { z } from "zod";

export function badInput(field: string, message: string): GraphQLError {
  return new GraphQLError(`${field}: ${message}`, { extensions: { code: "BAD_USER_INPUT", field } });
}

export function notFound(field: string, what: string): GraphQLError {
  return new GraphQLError(`${what} not found`, { extensions: { code: "NOT_FOUND", field } });
}

export function forbidden(message = "not allowed for your role or locations"): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "FORBIDDEN" } });
}

/** Validates GraphQL input with zod; the first issue becomes a BAD_USER_INPUT naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = [prefix, ...issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))].join("").replace(/^\./, "");
  throw badInput(field, issue.message);
}

/** Prisma's unique-constraint violation (P2002), for turning duplicates into field errors. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "P2002";
}

/** Prisma's foreign-key violation (P2003), e.g. deleting a category that still has items. */
export function isForeignKeyViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "P2003";
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Ids are UUIDs; anything else is a caller mistake, reported on its field. */
export function uuidArg(field: string, value: string | number): string {
  const id = String(value);
  if (!isUuid(id)) throw badInput(field, `must be an id (UUID), got ${JSON.stringify(id)}`);
  return id.toLowerCase();
}
