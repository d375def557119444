// Runs the helm binary built by scripts/toolchain (helm 3.21) against charts/lsp, for the template
// tests (helm template) and the install test (helm install/upgrade/uninstall against the apiserver).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { toolPath } from "../../scripts/services/toolchain.js";
import { CHART_DIR } from "../sync.js";

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs helm, with the values object (when given) written to a file so types survive: --set would coerce. */
export function helm(args: string[], values?: object, env: NodeJS.ProcessEnv = {}): HelmResult {
  const dir = mkdtempSync(join(tmpdir(), "lsp-chart-"));
  try {
    const valuesFile = join(dir, "values.json");
    if (values) writeFileSync(valuesFile, JSON.stringify(values));
    const result = spawnSync(toolPath("helm"), values ? [...args, "-f", valuesFile] : args, {
      encoding: "utf8",
      env: { ...process.env, HELM_CACHE_HOME: join(dir, "cache"), HELM_CONFIG_HOME: join(dir, "config"), HELM_DATA_HOME: join(dir, "data"), ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
}

/** `helm template` of charts/lsp; throws with helm's message when rendering fails. */
export function renderChart(values: object = {}, { release = "lsp", namespace = "lsp-system" }: RenderOptions = {}): Manifest[] {
  const result = helm(["template", release, CHART_DIR, "--namespace", namespace], values);
  if (result.status !== 0) throw new Error(result.stderr.trim());
  return parseManifests(result.stdout);
}

/** helm's error message for values it must refuse, or undefined when it rendered. */
export function renderError(values: object): string | undefined {
  const result = helm(["template", "lsp", CHART_DIR, "--namespace", "lsp-system"], values);
  return result.status === 0 ? undefined : result.stderr.trim();
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null && typeof m === "object" && "kind" in m);
}

export function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered chart (have: ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(", ")})`);
  return found;
}
