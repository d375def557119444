// Builds both web apps with Vite into web/<app>/dist (served by the cell and the control plane).
//   npm run web:build            both apps
//   npm run web:build -- tenant-app
import { fileURLToPath } from "node:url";
import { build } from "vite";

const APPS = ["tenant-app", "owner-console"] as const;
type App = (typeof APPS)[number];

async function buildApp(app: App): Promise<void> {
  const root = fileURLToPath(new URL(`./${app}/`, import.meta.url));
  await build({
    root,
    base: "/",
    logLevel: "warn",
    // Vite 8 compiles TSX with Oxc; the automatic runtime needs no React import in each file.
    oxc: { jsx: { runtime: "automatic" } },
    build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: true },
  });
  console.log(`built web/${app}/dist`);
}

const asked = process.argv.slice(2).filter((a) => a !== "--");
if (asked.includes("--help")) {
  console.log(`usage: npm run web:build [-- ${APPS.join(" | ")}]\nBuilds the web apps into web/<app>/dist; with no argument, both.`);
  process.exit(0);
}
const unknown = asked.filter((a) => !APPS.includes(a as App));
if (unknown.length) {
  console.error(`unknown app ${unknown.join(", ")}: choose from ${APPS.join(", ")}`);
  process.exit(2);
}
for (const app of asked.length ? (asked as App[]) : APPS) await buildApp(app);
