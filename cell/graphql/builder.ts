// The Pothos schema builder and its plugins. Defines no types (those live in schema/).
import SchemaBuilder from "@pothos/core";
import ComplexityPlugin from "@pothos/plugin-complexity";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { GraphQLError } from "graphql";
import type PrismaTypes from "../generated/pothos-types.js";
import { getDatamodel } from "../generated/pothos-types.js";
import { canSeeFigures, canSeeLocation } from "../auth/index.js";
import type { CellContext } from "./context.js";
import "./connection-arguments.js";

export const LIMITS = { depth: 8, breadth: 80, complexity: 800 } as const;

export const builder = new SchemaBuilder<{
  Context: CellContext;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  AuthScopes: {
    /** owner or manager: menus, dashboards, staff, recommendations */
    manage: boolean;
    owner: boolean;
    /** The caller may see this location id. */
    location: string;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    LocalDate: { Input: string; Output: string };
    Vnd: { Input: number; Output: number | bigint };
  };
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin, ComplexityPlugin, "connectionArguments"],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({
      manage: canSeeFigures(ctx.caller),
      owner: ctx.caller.role === "owner",
      location: (id: string) => canSeeLocation(ctx.caller, id),
    }),
    unauthorizedError: (_parent, _ctx, info) =>
      new GraphQLError(`not allowed for your role or locations: ${info.parentType.name}.${info.fieldName}`, { extensions: { code: "FORBIDDEN" } }),
  },
  prisma: {
    client: (ctx) => ctx.db as never,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: process.env.NODE_ENV === "production" ? null : "warn",
  },
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
  },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: { ...LIMITS },
    complexityError: (kind, result) => {
      const key = kind.toLowerCase() as "depth" | "breadth" | "complexity";
      const max = { depth: result.maxDepth, breadth: result.maxBreadth, complexity: result.maxComplexity }[key];
      return new GraphQLError(`query ${key} ${result[key]} exceeds the limit of ${max}`, { extensions: { code: "QUERY_TOO_COMPLEX", limit: key } });
    },
  },
});
