// Runs the cell script with the k6 binary built by the toolchain and collects what it wrote.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { toolPath } from "../../scripts/services/toolchain.js";
import type { LoadTarget } from "./tenant-setup.js";

export const CELL_SCRIPT = resolve(import.meta.dirname, "..", "k6", "cell.js");
export const PROFILE_NAMES = ["smoke", "load", "stress", "spike", "soak"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface MomoAccount {
  partnerCode: string;
  accessKey: string;
  secretKey: string;
}

export interface K6RunOptions {
  profile: ProfileName;
  target: LoadTarget;
  momo?: MomoAccount;
  resultFile: string;
  /** Multiplies every scenario's virtual users. */
  loadScale?: number;
  /** Loosens latency objectives (printed in the summary); 1 = the objectives as stated. */
  thresholdScale?: number;
  /** Adds a threshold no run can meet: proves a broken objective fails the run. */
  impossibleThreshold?: boolean;
  subscribeSeconds?: number;
  /** Smoke profile only: its length as a k6 duration ("5s"); default 15s. */
  smokeDuration?: string;
  /** The Cell serving the target, recorded in the result (a label: k6 is not told). */
  cell?: string;
  /** k6's own output goes here (default: inherit, so people see progress). */
  stdio?: "inherit" | "pipe";
}

export interface K6Result {
  /** 0 = every threshold held; 99 = a threshold crossed; other = k6 could not run. */
  exitCode: number;
  output: string;
  /** The k6 end-of-test summary (metrics with values and threshold verdicts). */
  summary?: K6Summary;
}

/** How busy the machine was: latency figures mean little without it (k6 shares its cores). */
export interface MachineLoad {
  cores: number;
  /** os.loadavg() (1, 5, 15 minutes) just before k6 started and just after it ended. */
  loadAverageBefore: number[];
  loadAverageAfter: number[];
}

export interface K6Summary {
  profile: string;
  target: string;
  cell?: string;
  machine?: MachineLoad;
  metrics: Record<string, { type: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
}

export function k6Environment(options: K6RunOptions): Record<string, string> {
  const env: Record<string, string> = {
    PROFILE: options.profile,
    TARGET_URL: options.target.tenantUrl,
    ACCESS_TOKEN: options.target.accessToken,
    LOCATION_ID: options.target.locationId,
    MENU_ITEM_ID: options.target.menuItemId,
    RESULT_FILE: options.resultFile,
    LOAD_SCALE: String(options.loadScale ?? 1),
    THRESHOLD_SCALE: String(options.thresholdScale ?? 1),
  };
  if (options.subscribeSeconds) env.SUBSCRIBE_SECONDS = String(options.subscribeSeconds);
  if (options.smokeDuration) env.SMOKE_DURATION = options.smokeDuration;
  if (options.impossibleThreshold) env.IMPOSSIBLE_THRESHOLD = "1";
  if (options.momo) Object.assign(env, { MOMO_PARTNER_CODE: options.momo.partnerCode, MOMO_ACCESS_KEY: options.momo.accessKey, MOMO_SECRET_KEY: options.momo.secretKey });
  return env;
}

export function runK6(options: K6RunOptions): Promise<K6Result> {
  mkdirSync(dirname(options.resultFile), { recursive: true });
  // Only what the script needs reaches k6 (never the runner's own secrets); --no-usage-report: no internet here.
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...k6Environment(options) };
  const args = ["run", "--no-usage-report", "--quiet", CELL_SCRIPT];
  const loadAverageBefore = loadavg();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(toolPath("k6"), args, { env, stdio: options.stdio === "inherit" ? "inherit" : ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      const summary = existsSync(options.resultFile) ? (JSON.parse(readFileSync(options.resultFile, "utf8")) as K6Summary) : undefined;
      if (summary) {
        summary.machine = { cores: cpus().length, loadAverageBefore, loadAverageAfter: loadavg() };
        if (options.cell) summary.cell = options.cell;
        writeFileSync(options.resultFile, JSON.stringify(summary, null, 2));
      }
      resolvePromise({ exitCode: code ?? (signal ? 128 : 1), output, summary });
    });
  });
}

/** "load average 1.52 1.20 0.98 (2 cores)": the line every recorded figure needs beside it. */
export function describeLoad(load: number[], cores: number): string {
  return `load average ${load.map((l) => l.toFixed(2)).join(" ")} (${cores} cores)`;
}

/**
 * Latency slack for a run on a machine busier than one runnable task per core: load/cores, at least
 * 1. For CI's smoke gate on shared runners, where tail latency measures the neighbours; never for
 * recorded results, which state the objectives as they are.
 */
export function busyMachineSlack(load = loadavg()[0]!, cores = cpus().length): number {
  return Math.max(1, Math.round((load / cores) * 10) / 10);
}
