// Test support: replicas as separate OS processes, as they run in a cell's Deployment.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { ReplicaConfig } from "./replica.js";

export interface ReplicaProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const MAIN = join(import.meta.dirname, "replica-main.ts");

export function spawnReplica(config: ReplicaConfig, timeoutMs = 30_000): Promise<ReplicaProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { ...process.env, LSP_REPLICA_CONFIG: JSON.stringify(config), NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`replica did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const early = (code: number | null) => fail(new Error(`replica exited with ${code}:\n${output}`));
    child.on("exit", early);
    child.stdout!.on("data", (d: Buffer) => {
      output += d.toString();
      const match = /ready (\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.off("exit", early);
      resolve({
        url: match[1]!,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
            setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
          }),
      });
    });
  });
}
