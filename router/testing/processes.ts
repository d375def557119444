// Starting real cell-like upstream processes (and routers as processes) for tests.
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { once } from "node:events";
import { DEFAULT_ENGINE, type RouterEngine } from "../router.js";

export const TEST_SIGNING_KEY = "test-router-signing-key-0123456789";

/**
 * The engine the router's integration tests run: LSP_ROUTER_ENGINE=raw|node (default: the
 * router's default, raw), so the whole suite runs against either (`LSP_ROUTER_ENGINE=node npm test -- router`).
 */
export const TEST_ENGINE: RouterEngine = process.env.LSP_ROUTER_ENGINE === "node" ? "node" : process.env.LSP_ROUTER_ENGINE === "raw" ? "raw" : DEFAULT_ENGINE;

export interface CellProcess {
  name: string;
  port: number;
  endpoint: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const here = import.meta.dirname;

/** Spawns `script` with Node + tsx and waits for its "READY <port>" line. */
export async function spawnReady(script: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", resolve(here, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${script} did not start in 30 s:\n${output}`)), 30_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /READY (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        done(Number(match[1]));
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`${script} exited with ${code}:\n${output}`));
    });
  });
  return { child, port };
}

export async function startCell(name: string, port = 0): Promise<CellProcess> {
  const { child, port: bound } = await spawnReady("cell-upstream.ts", { CELL_NAME: name, ROUTER_MASTER_KEY: TEST_SIGNING_KEY, PORT: String(port) });
  return {
    name,
    port: bound,
    endpoint: `http://127.0.0.1:${bound}`,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
