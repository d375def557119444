// The CLI as operators run it: a real process, configured by environment, stopped by SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../scripts/services/processes.js";
import { createTestDatabase, randomPhone, type TestDatabase } from "./testing/databases.js";

const ROOT = resolve(import.meta.dirname, "..");
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ["--import", "tsx", "control-plane/main.ts", ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: "info", ...env }, encoding: "utf8", timeout: 60_000 });

let db: TestDatabase;
let keysDir: string;
beforeAll(async () => {
  db = await createTestDatabase("cpcli");
  keysDir = mkdtempSync(join(tmpdir(), "cp-cli-keys-"));
});
afterAll(async () => {
  await db.drop();
  rmSync(keysDir, { recursive: true, force: true });
});

describe("Given the control-plane command", () => {
  it("explains itself with --help", () => {
    const help = cli(["serve", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/OTP_PEPPER/);
    expect(help.stdout).toMatch(/SIGNING_KEYS_DIR/);
  });

  it("refuses to start without a required setting and names it", () => {
    const run = cli(["serve"], { DATABASE_URL: db.url, REDIS_URL: process.env.REDIS_URL!, OTP_PEPPER: "" });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/OTP_PEPPER is required/);
  });

  it("serves sign-in from environment settings and stops cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "control-plane/main.ts"], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "info", PORT: "0", HOST: "127.0.0.1", DATABASE_URL: db.url, REDIS_URL: process.env.REDIS_URL!, OTP_PEPPER: "cli-test-pepper-0123456789", SIGNING_KEYS_DIR: keysDir, SMS_OUTBOX_HTTP: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
          if (match) resolveUrl(match[1]!);
        });
        child.once("exit", () => reject(new Error(`control plane exited early:\n${out}`)));
      });
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const phone = randomPhone();
      const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect((await post("/auth/otp/request", { phone })).status).toBe(202);
      const { messages } = (await (await fetch(`${url}/dev/sms-outbox?phone=${encodeURIComponent(phone)}`)).json()) as { messages: { text: string }[] };
      const code = /(\d{6})/.exec(messages[0]!.text)![1];
      expect((await post("/auth/otp/verify", { phone, code })).status).toBe(200);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  }, 90_000);

  it("serves /metrics only on METRICS_PORT when it is set, and 404 on the public port, even to a request no proxy touched", async () => {
    const metricsPort = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "control-plane/main.ts"], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "info", PORT: "0", METRICS_PORT: String(metricsPort), HOST: "127.0.0.1", DATABASE_URL: db.url, REDIS_URL: process.env.REDIS_URL!, OTP_PEPPER: "cli-test-pepper-0123456789", SIGNING_KEYS_DIR: keysDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      let out = "";
      const url = await new Promise<string>((resolveUrl, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          // Both listening: the metrics port opens first, then the public one.
          const match = /Serving metrics on their own port[\s\S]*"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*Started control plane/.exec(out);
          if (match) resolveUrl(match[1]!);
        });
        child.once("exit", () => reject(new Error(`control plane exited early:\n${out}`)));
      });
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain("control_plane_http_request_duration_seconds");
      expect((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status).toBe(404);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  }, 90_000);

  it("refuses a METRICS_PORT that is not a port, or is the public one, naming it", () => {
    for (const bad of ["metrics", "70000", "8080"]) {
      const run = cli(["serve"], { PORT: "8080", METRICS_PORT: bad, DATABASE_URL: db.url, REDIS_URL: process.env.REDIS_URL!, OTP_PEPPER: "cli-test-pepper-0123456789" });
      expect([bad, run.status]).toEqual([bad, 2]);
      expect(run.stderr).toContain(`METRICS_PORT '${bad}' must be a port number (1-65535) other than PORT`);
    }
  });

  it("rotates keys in the directory the servers share and lists them", () => {
    const rotated = cli(["keys", "rotate", "--lead", "30"], { SIGNING_KEYS_DIR: keysDir });
    expect(rotated.status).toBe(0);
    const kid = /added key (\S+):/.exec(rotated.stdout)?.[1];
    expect(kid).toBeDefined();
    const listed = cli(["keys", "list"], { SIGNING_KEYS_DIR: keysDir });
    const lines = listed.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.startsWith(kid!))).toMatch(/retires -/);
    expect(lines.find((l) => !l.startsWith(kid!))).toMatch(/retires \d{4}-/);
  }, 60_000);
});
