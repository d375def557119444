import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { lintDockerfile, stages } from "./lint.js";

const ROOT = resolve(import.meta.dirname, "..");
const dockerfile = readFileSync(join(ROOT, "images", "Dockerfile"), "utf8");
const rules = (text: string) => lintDockerfile(text).map((f) => f.rule);

describe("Given images/Dockerfile", () => {
  it("passes dockerfile-utils' validator and the project's image rules", () => {
    expect(lintDockerfile(dockerfile)).toEqual([]);
  });

  it("has a target for every image the chart and the operator pull, each with its entry point", () => {
    const targets = stages(dockerfile).filter((s) => s.instructions.some((i) => i.keyword === "ENTRYPOINT"));
    const entry = (name: string) => JSON.parse(targets.find((t) => t.name === name)!.instructions.find((i) => i.keyword === "ENTRYPOINT")!.args) as string[];
    expect(targets.map((t) => t.name).sort()).toEqual(["cell", "cell-ml", "control-plane", "operator", "router"]);
    expect(entry("operator").at(-1)).toBe("operator/main.js");
    expect(entry("router").at(-1)).toBe("router/main.js");
    expect(entry("control-plane").at(-1)).toBe("control-plane/main.js");
    expect(entry("cell").at(-1)).toBe("cell/main.js");
    expect(entry("cell-ml").at(-1)).toBe("ml/main.js");
    // The chart names images <registry>/<component>; the operator's defaults name the cell images.
    const values = parse(readFileSync(join(ROOT, "charts/lsp/values.yaml"), "utf8")) as Record<string, unknown>;
    for (const component of ["operator", "router", "controlPlane"]) expect(values).toHaveProperty(component);
    const config = readFileSync(join(ROOT, "operator/config.ts"), "utf8");
    expect(config).toContain('"ghcr.io/localstoreplatform/cell"');
    expect(config).toContain('"ghcr.io/localstoreplatform/cell-ml"');
  });

  it("runs every target as uid 10001, the user the chart's and the operator's securityContexts name", () => {
    const values = parse(readFileSync(join(ROOT, "charts/lsp/values.yaml"), "utf8")) as Record<string, { podSecurityContext?: { runAsUser?: number } }>;
    for (const component of ["operator", "router", "controlPlane", "billingSync", "billingJobs"]) expect(values[component]?.podSecurityContext?.runAsUser).toBe(10001);
    expect(readFileSync(join(ROOT, "operator/controllers/cell/manifests.ts"), "utf8")).toContain("const APP_USER = 10001;");
    expect(stages(dockerfile).find((s) => s.name === "runtime")!.instructions.find((i) => i.keyword === "USER")!.args).toBe("10001:10001");
  });
});

describe("Given Dockerfiles that break the rules", () => {
  it("reports a single stage on latest running as root in shell form", () => {
    const bad = "FROM node:latest\nWORKDIR /app\nCOPY . .\nRUN npm ci\nENTRYPOINT node main.js\n";
    expect(rules(bad).sort()).toEqual(["exec-form", "health-documented", "multi-stage", "non-root", "pinned-base", "small-runtime"]);
  });

  it("follows USER through earlier stages and refuses root or a user name", () => {
    const base = "FROM node:24.11.1-bookworm-slim AS runtime\nUSER %s\n\n# Probes: /healthz\nFROM runtime AS app\nENTRYPOINT [\"node\", \"main.js\"]\n";
    expect(rules(base.replace("%s", "10001"))).toEqual([]);
    expect(rules(base.replace("%s", "root"))).toEqual(["non-root"]);
    expect(rules(base.replace("%s", "0:0"))).toEqual(["non-root"]);
    expect(rules(base.replace("%s", "node"))).toEqual(["non-root"]);
  });

  it("passes on what dockerfile-utils finds wrong in an instruction (arguments, protocols)", () => {
    const broken = "FROM node:24.11.1-bookworm-slim AS build\nCOPY onlyone\nFROM build AS x\nEXPOSE 8080/sctpx\n";
    const findings = lintDockerfile(broken).filter((f) => f.rule === "dockerfile-utils");
    expect(findings.map((f) => f.line)).toEqual(expect.arrayContaining([2, 4]));
  });
});
