// Headless Chromium for the web apps' browser tests: Debian's chromium package driven by
// playwright-core (no browser download). Chromium resolves *.localhost to loopback by itself.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: run web/testing/ensure-chromium.sh (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
}

/** Screenshots go to docs/screenshots when LSP_WEB_SCREENSHOTS=1 (npm run web:screenshots). */
export const screenshotsDir = (): string | undefined => (process.env.LSP_WEB_SCREENSHOTS === "1" ? new URL("../../docs/screenshots/", import.meta.url).pathname : undefined);

/**
 * Builds one app in a child process: Vite's bundler checks plugin objects by realm, which fails
 * inside Jest's VM modules, so tests build the same way `npm run web:build` does.
 */
export async function buildForTest(app: "tenant-app" | "owner-console"): Promise<void> {
  const { execFile } = await import("node:child_process");
  const root = new URL("../../", import.meta.url).pathname;
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, `${root}web/build.ts`, app], { cwd: root, timeout: 120_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`web build of ${app} failed: ${stderr || error.message}`)) : resolve(),
    ),
  );
}
