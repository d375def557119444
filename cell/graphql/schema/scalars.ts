// Scalars: DateTime (ISO 8601 instant), LocalDate (a calendar day, YYYY-MM-DD, in a location's
// time zone) and Vnd (an exact whole number of Vietnamese đồng, beyond GraphQL Int's 32 bits).
import { GraphQLError, Kind } from "graphql";
import { builder } from "../builder.js";

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** The days a business's figures can be about: nothing outside them is data, and far-off dates cost work. */
export const FIRST_LOCAL_DATE = "2000-01-01";
export const LAST_LOCAL_DATE = "2099-12-31";

function parseLocalDate(value: unknown): string {
  if (typeof value === "string" && LOCAL_DATE.test(value)) {
    const d = new Date(`${value}T00:00:00Z`);
    if (!Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value) {
      if (value >= FIRST_LOCAL_DATE && value <= LAST_LOCAL_DATE) return value;
      throw new GraphQLError(`LocalDate must be between ${FIRST_LOCAL_DATE} and ${LAST_LOCAL_DATE}, got ${value}`, { extensions: { code: "BAD_USER_INPUT" } });
    }
  }
  throw new GraphQLError(`LocalDate must be a calendar date written YYYY-MM-DD, got ${JSON.stringify(value)}`, { extensions: { code: "BAD_USER_INPUT" } });
}

function parseDateTime(value: unknown): Date {
  const d = typeof value === "string" ? new Date(value) : undefined;
  if (!d || Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value as string)) {
    throw new GraphQLError(`DateTime must be an ISO 8601 timestamp such as 2026-01-31T12:00:00Z, got ${JSON.stringify(value)}`, { extensions: { code: "BAD_USER_INPUT" } });
  }
  return d;
}

function parseVnd(value: unknown): number {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  throw new GraphQLError(`Vnd must be a whole number of đồng, got ${JSON.stringify(value)}`, { extensions: { code: "BAD_USER_INPUT" } });
}

builder.scalarType("LocalDate", {
  description: "A calendar day (YYYY-MM-DD) in a location's own time zone.",
  serialize: (v) => v,
  parseValue: parseLocalDate,
  parseLiteral: (ast) => parseLocalDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

builder.scalarType("DateTime", {
  description: "An instant, ISO 8601 with offset (serialized in UTC).",
  serialize: (v) => (v instanceof Date ? v : new Date(String(v))).toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

builder.scalarType("Vnd", {
  description: "An amount in Vietnamese đồng: a whole number (VND has no minor unit), exact up to 2^53.",
  serialize: (v) => Number(v),
  parseValue: parseVnd,
  parseLiteral: (ast) => parseVnd(ast.kind === Kind.INT ? Number(ast.value) : undefined),
});
