// Headless Chromium for the web apps' browser tests: Debian's chromium package driven by
// playwright-core (no browser download). Chromium resolves *.localhost to loopback by itself.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: run web/testing/ensure-chromium.sh (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
}

/** Screenshots go to docs/screenshots when LSP_WEB_SCREENSHOTS=1 (npm run web:screenshots). */
export const screenshotsDir = (): string | undefined =>
  process.env.LSP_WEB_SCREENSHOTS === "1"
    ? new URL("../../docs/screenshots/", import.meta.url).pathname
    : undefined;

/**
 * Builds one app unless its dist is newer than every source file. The build runs in a child
 * process: Vite's bundler checks plugin objects by realm, which fails inside Jest's VM modules.
 * A lock folder keeps two test files (run in parallel by Jest) from building into one dist at once.
 */
export async function buildForTest(app: "tenant-app" | "owner-console"): Promise<void> {
  const root = new URL("../../", import.meta.url).pathname;
  const lock = join(root, "web", app, ".build-lock");
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${lock}; remove it if no build is running`);
      await sleep(200);
    }
  }
  try {
    if (builtAfterSources(join(root, "web"), app)) return;
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        [`${root}node_modules/tsx/dist/cli.mjs`, `${root}web/build.ts`, app],
        { cwd: root, timeout: 120_000 },
        (error, _stdout, stderr) =>
          error ? reject(new Error(`web build of ${app} failed: ${stderr || error.message}`)) : resolve(),
      ),
    );
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function builtAfterSources(web: string, app: string): boolean {
  const index = join(web, app, "dist", "index.html");
  if (!existsSync(index)) return false;
  const builtAt = statSync(index).mtimeMs;
  const sources = [
    join(web, app, "index.html"),
    ...filesUnder(join(web, app, "src")),
    ...filesUnder(join(web, "shared")),
  ];
  return sources.every((file) => statSync(file).mtimeMs < builtAt);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}
