// Writes the printed GraphQL schema to cell/graphql/schema.graphql (committed; the snapshot test
// fails when the code and the file disagree). Usage: npx tsx cell/graphql/print-schema.ts
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { printSchema } from "graphql";
import { schema } from "./schema/index.js";

export const SCHEMA_FILE = fileURLToPath(new URL("./schema.graphql", import.meta.url));

export function printedSchema(): string {
  return `${printSchema(schema)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_FILE, printedSchema());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
