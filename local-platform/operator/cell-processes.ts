// The local runtime under a Cell: its cell API and ML pod as supervised child processes instead
// of Deployments. A process that dies is restarted on the same port (so routes stay valid), with
// a growing delay; a version change restarts both.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { deriveCellKey } from "../../common/cell-keys.js";
import type { Logger } from "../../common/index.js";
import { freePort } from "../../scripts/services/processes.js";

const ROOT = resolve(import.meta.dirname, "..", "..");

export interface CellProcessEnv {
  databaseUrl: string;
  schema: string;
  redisUrl?: string;
  /** The router's master key: the cell gets the key derived from it for its endpoint. */
  routerSigningKey: string;
  jwksUrl: string;
  /** The billing sync's master key; enables the cell's usage feed (/internal/*) with the key derived for its endpoint. */
  platformKey?: string;
}

export interface RunningCell {
  name: string;
  version: string;
  apiPort: number;
  mlPort: number;
  endpoint: string;
  apiReady: boolean;
  mlReady: boolean;
}

interface Supervised {
  name: string;
  command: string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
  child?: ChildProcess;
  stopping: boolean;
  restarts: number;
}

interface CellEntry {
  info: RunningCell;
  api: Supervised;
  ml: Supervised;
}

export class CellProcesses {
  private readonly cells = new Map<string, CellEntry>();

  constructor(
    private readonly logDir: string,
    private readonly log: Logger,
    private readonly onChange: (cell: string) => void = () => {},
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  get(cell: string): RunningCell | undefined {
    return this.cells.get(cell)?.info;
  }

  /** Starts the cell's processes unless they already run this version; resolves when both answer. */
  async ensure(cell: string, version: string, env: CellProcessEnv): Promise<RunningCell> {
    const existing = this.cells.get(cell);
    if (existing && existing.info.version === version) return existing.info;
    if (existing) await this.stop(cell);
    const [apiPort, mlPort] = [await freePort(), await freePort()];
    const info: RunningCell = { name: cell, version, apiPort, mlPort, endpoint: `http://127.0.0.1:${apiPort}`, apiReady: false, mlReady: false };
    // REDIS_URL is the platform's to give (env.redisUrl): inherited, it would put a cell the
    // platform runs without Redis (--no-redis, spec.redis.enabled: false) back on Redis.
    const { REDIS_URL: _inherited, ...parentEnv } = process.env;
    const base = { ...parentEnv, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" };
    const entry: CellEntry = {
      info,
      ml: { name: `${cell}-ml`, command: ["ml/main.ts", "--host", "127.0.0.1"], env: { ...base, PORT: String(mlPort) }, logFile: join(this.logDir, `${cell}-ml.log`), stopping: false, restarts: 0 },
      api: {
        name: `${cell}-api`,
        command: ["cell/main.ts"],
        env: {
          ...base,
          PORT: String(apiPort),
          DATABASE_URL: env.databaseUrl,
          CELL_SCHEMA: env.schema,
          // The cell's own keys, derived for its endpoint as the operator does in a cluster.
          ROUTER_SIGNING_KEY: deriveCellKey(env.routerSigningKey, "router-signing", info.endpoint),
          JWKS_URL: env.jwksUrl,
          ML_GRPC_URL: `127.0.0.1:${mlPort}`,
          ...(env.redisUrl ? { REDIS_URL: env.redisUrl } : {}),
          ...(env.platformKey ? { PLATFORM_KEY: deriveCellKey(env.platformKey, "platform", info.endpoint) } : {}),
        },
        logFile: join(this.logDir, `${cell}-api.log`),
        stopping: false,
        restarts: 0,
      },
    };
    this.cells.set(cell, entry);
    this.run(entry.ml, () => (info.mlReady = false));
    this.run(entry.api, () => (info.apiReady = false));
    await Promise.all([
      waitFor(() => httpOk(`${info.endpoint}/readyz`), 60_000, `cell ${cell} API on port ${apiPort} (log: ${entry.api.logFile})`).then(() => (info.apiReady = true)),
      waitFor(() => tcpOpen(mlPort), 60_000, `cell ${cell} ML pod on port ${mlPort} (log: ${entry.ml.logFile})`).then(() => (info.mlReady = true)),
    ]);
    this.log.info({ cell, endpoint: info.endpoint, mlPort }, "Started cell processes");
    return info;
  }

  async stop(cell: string): Promise<void> {
    const entry = this.cells.get(cell);
    if (!entry) return;
    this.cells.delete(cell);
    await Promise.all([terminate(entry.api), terminate(entry.ml)]);
    this.log.info({ cell }, "Stopped cell processes");
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.cells.keys()].map((cell) => this.stop(cell)));
  }

  private run(proc: Supervised, onExit: () => void): void {
    const fd = openSync(proc.logFile, "a");
    // node --import tsx: one process per component (the tsx CLI would add a second).
    proc.child = spawn(process.execPath, ["--import", "tsx", ...proc.command], { cwd: ROOT, env: proc.env, stdio: ["ignore", fd, fd] });
    closeSync(fd);
    proc.child.once("exit", (code, signal) => {
      onExit();
      if (proc.stopping) return;
      proc.restarts++;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(proc.restarts, 6));
      this.log.warn({ process: proc.name, code, signal, restartInMs: delay, log: proc.logFile }, "Cell process exited; restarting");
      setTimeout(() => {
        if (proc.stopping) return;
        this.run(proc, onExit);
        const cell = proc.name.replace(/-(api|ml)$/, "");
        const info = this.cells.get(cell)?.info;
        if (!info) return;
        const ready = proc.name.endsWith("-api") ? () => httpOk(`${info.endpoint}/readyz`) : () => tcpOpen(info.mlPort);
        void waitFor(ready, 60_000, proc.name).then(
          () => {
            if (proc.name.endsWith("-api")) info.apiReady = true;
            else info.mlReady = true;
            this.onChange(cell);
          },
          () => {},
        );
      }, delay).unref();
      this.onChange(proc.name.replace(/-(api|ml)$/, ""));
    });
  }
}

async function terminate(proc: Supervised): Promise<void> {
  proc.stopping = true;
  const child = proc.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(100);
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
}

function httpOk(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
    (r) => r.ok,
    () => false,
  );
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
