// Scalars: DateTime (ISO 8601 instant with an explicit offset), LocalDate (a calendar day,
// YYYY-MM-DD, in a location's time zone) and Vnd (an exact whole number of Vietnamese đồng,
// beyond GraphQL Int's 32 bits).
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

/**
 * RFC 3339: date, time and an explicit offset (Z or ±hh:mm); seconds and their fraction optional.
 * Without an offset a till's local time would be read as the server's (UTC), hours off.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

function parseDateTime(value: unknown): Date {
  const m = typeof value === "string" ? DATE_TIME.exec(value) : null;
  if (!m) {
    throw new GraphQLError(`DateTime must be an ISO 8601 timestamp with an offset, such as 2026-01-31T12:00:00Z or 2026-01-31T19:00:00+07:00, got ${JSON.stringify(value)}`, {
      extensions: { code: "BAD_USER_INPUT" },
    });
  }
  const [, year, month, day, hour, minute, second = "00", fraction = "", sign, offsetHours = "00", offsetMinutes = "00"] = m;
  const written = `${year}-${month}-${day}T${hour}:${minute}:${second}`;
  // Date would roll an impossible date over (2026-02-30 into March): the fields must read back as written.
  const wall = Date.parse(`${written}Z`);
  if (Number.isNaN(wall) || new Date(wall).toISOString().slice(0, 19) !== written || Number(offsetHours) > 23 || Number(offsetMinutes) > 59) {
    throw new GraphQLError(`DateTime must be a real calendar date and time, got ${JSON.stringify(value)}`, { extensions: { code: "BAD_USER_INPUT" } });
  }
  const offsetMs = (sign === "-" ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  return new Date(wall + Number(fraction.padEnd(3, "0").slice(0, 3)) - offsetMs);
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
  description: "An instant: ISO 8601 / RFC 3339 with an explicit offset (Z or ±hh:mm), e.g. 2026-01-31T19:00:00+07:00; a time without an offset or an impossible date is refused. Serialized in UTC.",
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
