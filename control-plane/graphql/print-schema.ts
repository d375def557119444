// `npx tsx control-plane/graphql/print-schema.ts` rewrites schema.graphql after a schema change;
// schema.test.ts fails until the committed file matches what the code builds.
import { writeFileSync } from "node:fs";
import { printSchema } from "graphql";
import { schema } from "./schema/index.js";

export const SCHEMA_FILE = new URL("./schema.graphql", import.meta.url);

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(SCHEMA_FILE, `${printSchema(schema)}\n`);
  console.log(`wrote ${SCHEMA_FILE.pathname}`);
}
