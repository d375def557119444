// The operator as its image runs it (`node operator/main.js`, compiled by tsc as images/Dockerfile
// does), built into the benchmark's state folder: measuring through tsx would add the loader's own
// thread and transpile caches to the operator's memory.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..", "..");

/** Compiles operator/main.ts and what it imports into `outDir` (mirroring the repo layout); returns main.js. */
export function buildOperator(outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const tsconfig = join(outDir, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, "images", "tsconfig.build.json"),
      compilerOptions: { outDir, rootDir: ROOT, sourceMap: false, noEmitOnError: true },
      files: [join(ROOT, "operator", "main.ts")],
      include: [],
    }),
  );
  execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", tsconfig], { cwd: ROOT, stdio: "inherit" });
  // Read at run time relative to the compiled module (cell/provisioning/migrations.ts).
  cpSync(join(ROOT, "cell", "prisma", "migrations"), join(outDir, "cell", "prisma", "migrations"), { recursive: true });
  return join(outDir, "operator", "main.js");
}
