// Starting and stopping the real services tests and the local platform depend on.
// Every child is spawned in its own process group, logged to a file, and recorded in a pid file,
// so a failed start shows its log tail and a later run can reap anything a crashed run left behind.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import net from "node:net";

export interface ServiceProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Stops the process group: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export class ServiceStartError extends Error {
  constructor(service: string, reason: string, logFile?: string) {
    super(`${service} failed to start: ${reason}${logFile ? `\n--- last lines of ${logFile} ---\n${logTail(logFile)}` : ""}`);
    this.name = "ServiceStartError";
  }
}

export function logTail(file: string, lines = 30): string {
  if (!existsSync(file)) return "(no log written)";
  return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
}

/** Spawns `command` detached in its own process group, with stdout/stderr going to `<stateDir>/<name>.log`. */
export function startProcess(
  stateDir: string,
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ServiceProcess {
  mkdirSync(stateDir, { recursive: true });
  const logFile = join(stateDir, `${name}.log`);
  // The child writes its log file directly, so it keeps running (e.g. after `cluster:up` exits).
  const logFd = openSync(logFile, "w");
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", logFd, logFd],
  });
  closeSync(logFd);
  if (child.pid === undefined) throw new ServiceStartError(name, `could not spawn ${command}`);
  const pid = child.pid;
  writeFileSync(join(stateDir, `${name}.pid`), String(pid));
  // The service must not keep the parent's event loop alive; tests stop it explicitly.
  child.unref();
  return {
    name,
    pid,
    logFile,
    child,
    async stop(graceMs = 5_000) {
      await killGroup(pid, graceMs);
      rmSync(join(stateDir, `${name}.pid`), { force: true });
    },
  };
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM the whole process group, wait, then SIGKILL whatever is left. */
export async function killGroup(pid: number, graceMs = 5_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  if (!alive(pid)) return;
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  if (alive(pid)) signal("SIGKILL");
  while (alive(pid)) await sleep(20);
}

/** Kills processes recorded in `stateDir/*.pid` by an earlier run that did not clean up. */
export async function reapStale(stateDir: string): Promise<string[]> {
  if (!existsSync(stateDir)) return [];
  const reaped: string[] = [];
  for (const file of readdirSync(stateDir).filter((f) => f.endsWith(".pid"))) {
    const pid = Number(readFileSync(join(stateDir, file), "utf8"));
    if (Number.isInteger(pid) && pid > 1 && alive(pid)) {
      await killGroup(pid, 2_000);
      reaped.push(`${file.replace(/\.pid$/, "")} (pid ${pid})`);
    }
    rmSync(join(stateDir, file), { force: true });
  }
  return reaped;
}

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it resolves true; fails with the service's log tail if the process dies or time runs out. */
export async function waitUntil(
  service: ServiceProcess | undefined,
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (service && service.child.exitCode !== null) {
      throw new ServiceStartError(service.name, `exited with code ${service.child.exitCode} before ${what}`, service.logFile);
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  const reason = `${what} did not happen within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ""}`;
  throw new ServiceStartError(service?.name ?? what, reason, service?.logFile);
}

/** True when a TCP connection to host:port succeeds. */
export function canConnect(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
