// Vite builds of the web apps into web/<app>/dist, used by npm run web:build and the browser tests.
import { fileURLToPath } from "node:url";
import { build } from "vite";

export const WEB_APPS = ["tenant-app", "owner-console"] as const;
export type WebApp = (typeof WEB_APPS)[number];

export async function buildWebApp(app: WebApp): Promise<string> {
  const root = fileURLToPath(new URL(`./${app}/`, import.meta.url));
  await build({
    root,
    base: "/",
    logLevel: "warn",
    // Vite 8 compiles TSX with Oxc; the automatic runtime needs no React import in each file.
    oxc: { jsx: { runtime: "automatic" } },
    build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: true },
  });
  return `${root}dist`;
}
