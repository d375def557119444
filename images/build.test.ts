// Docker cannot run here, so this replays images/Dockerfile's build stage with the same files and
// commands (its COPY list, `tsc -p images/tsconfig.build.json`, the .ts removal) and then starts
// each target's ENTRYPOINT from the result: a broken import path, a missing runtime file or an
// entry point that needs the TypeScript sources fails here before it fails in a registry.
// One difference: the Prisma client (cell/generated, from `prisma generate` in the Dockerfile) is
// copied from the working tree, where scripts/bootstrap.sh generated it.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { stages } from "./lint.js";

const ROOT = resolve(import.meta.dirname, "..");
const all = stages(readFileSync(join(ROOT, "images", "Dockerfile"), "utf8"));
const build = all.find((s) => s.name === "build")!;
const targets = all.filter((s) => s.instructions.some((i) => i.keyword === "ENTRYPOINT"));
const entrypoint = (name: string) => JSON.parse(targets.find((t) => t.name === name)!.instructions.find((i) => i.keyword === "ENTRYPOINT")!.args) as string[];
let app: string;

function removeSources(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removeSources(path);
    else if (/\.ts$|\.test\.js(\.map)?$/.test(entry.name)) rmSync(path);
  }
}

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), "lsp-image-"));
  const copiedFolders: string[] = [];
  for (const copy of build.instructions.filter((i) => i.keyword === "COPY")) {
    const parts = copy.args.split(/\s+/);
    const destination = parts.pop()!;
    // Docker's rules for these forms: a folder's contents land in the destination, a file inside it.
    for (const source of parts) {
      const isFolder = statSync(join(ROOT, source)).isDirectory();
      const target = isFolder ? join(app, destination) : join(app, destination, basename(source));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(join(ROOT, source), target, { recursive: true });
      if (isFolder) copiedFolders.push(destination);
    }
  }
  symlinkSync(join(ROOT, "node_modules"), join(app, "node_modules"));
  execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "images/tsconfig.build.json"], { cwd: app, stdio: "pipe" });
  for (const folder of copiedFolders) removeSources(join(app, folder));
}, 300_000);

afterAll(() => rmSync(app, { recursive: true, force: true }));

describe("Given the build stage replayed from images/Dockerfile", () => {
  it("leaves no TypeScript in the folders the runtime copies", () => {
    const leftovers = spawnSync("find", ["common", "operator", "router", "control-plane", "cell", "ml", "-name", "*.ts"], { cwd: app, encoding: "utf8" }).stdout.trim();
    expect(leftovers).toBe("");
  });

  it.each(["operator", "router", "control-plane", "cell", "cell-ml"])("starts the %s entry point from compiled JavaScript (--help)", (target) => {
    const [node, ...args] = entrypoint(target);
    expect(node).toBe("node");
    const result = spawnSync(process.execPath, [...args, "--help"], { cwd: app, encoding: "utf8", env: { ...process.env, NODE_ENV: "production" } });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toMatch(/^Usage: /);
  });

  it("serves gRPC from the cell-ml target, loading ml.proto from beside the compiled code", async () => {
    const [, ...args] = entrypoint("cell-ml");
    const child = spawn(process.execPath, args, { cwd: app, env: { ...process.env, PORT: "0", LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (!output.includes("Started ML gRPC server") && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(output).toContain("Started ML gRPC server");
    } finally {
      child.kill("SIGTERM");
    }
  }, 40_000);
});
