// Test support: the real cell API (cell/main.ts) as an OS process, configured from a fixture.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { deriveCellKey } from "../../../common/cell-keys.js";
import { freePort } from "../../../scripts/services/processes.js";
import type { CellFixture } from "./fixture.js";

export interface CellProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const MAIN = join(import.meta.dirname, "..", "..", "main.ts");

export interface SpawnCellOptions {
  timeoutMs?: number;
  /**
   * The cell is reached through a router holding `fx.signingKey` as its master: the cell then gets
   * the key derived from it for its own URL, as the operator would give it (ADR 0104). Without it
   * the cell verifies with `fx.signingKey` itself, as tests that sign headers directly expect.
   */
  behindRouter?: boolean;
}

export async function spawnCellApi(fx: CellFixture, paymentsFile: string, { timeoutMs = 30_000, behindRouter = false }: SpawnCellOptions = {}): Promise<CellProcess> {
  writeFileSync(paymentsFile, JSON.stringify(fx.payments));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: {
      ...process.env,
      NODE_OPTIONS: "",
      PORT: String(port),
      DATABASE_URL: fx.cell.roleUrl,
      CELL_SCHEMA: fx.cell.schema,
      REDIS_URL: process.env.REDIS_URL,
      ROUTER_SIGNING_KEY: behindRouter ? deriveCellKey(fx.signingKey, "router-signing", url) : fx.signingKey,
      JWKS_JSON: JSON.stringify(fx.issuer.jwks),
      PAYMENT_PROVIDERS_FILE: paymentsFile,
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`cell API did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    const early = (code: number | null) => fail(new Error(`cell API exited with ${code}:\n${output}`));
    child.on("exit", early);
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    child.stdout!.on("data", (d: Buffer) => {
      output += d.toString();
      if (!output.includes("Started cell API")) return;
      clearTimeout(timer);
      child.off("exit", early);
      resolve();
    });
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", () => done());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}

/** Reads a GraphQL subscription's server-sent events until `count` data events arrived. */
export async function subscribeSse(
  url: string,
  headers: Record<string, string>,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ events: unknown[]; next(timeoutMs?: number): Promise<unknown>; close(): void; status: number }> {
  const abort = new AbortController();
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", ...headers },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  const events: unknown[] = [];
  const waiters: ((e: unknown) => void)[] = [];
  if (res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = "";
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
            if (!data) continue;
            const event = JSON.parse(data) as unknown;
            events.push(event);
            waiters.shift()?.(event);
          }
        }
      } catch {
        // aborted by close()
      }
    })();
  }
  let read = 0;
  return {
    events,
    status: res.status,
    next(timeoutMs = 5_000) {
      if (read < events.length) return Promise.resolve(events[read++]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no subscription event within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((e) => {
          clearTimeout(timer);
          read++;
          resolve(e);
        });
      });
    },
    close: () => abort.abort(),
  };
}
