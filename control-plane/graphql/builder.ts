// The Pothos builder and its typing; types live in schema/*.ts. Fields are non-null unless marked.
import SchemaBuilder from "@pothos/core";
import type { GraphQLContext } from "./context.js";

interface Types {
  Context: GraphQLContext;
  Scalars: { DateTime: { Input: Date; Output: Date } };
}

// Other components' Pothos plugins (prisma, scope-auth) augment the global builder options for the
// whole program and make their settings look required; this builder loads no plugin, so they do not apply.
const noPlugins = {} as ConstructorParameters<typeof SchemaBuilder<Types>>[0];

export const builder = new SchemaBuilder<Types>(noPlugins);
