// Lints Dockerfiles without Docker: dockerfile-utils' validator (the checks VS Code's Docker
// extension runs: syntax, flags, instruction arguments) plus this project's image rules, which
// no registry-installable linter covers here (hadolint is not on npm, PyPI or Debian).
import { validate, ValidationSeverity } from "dockerfile-utils";

export interface Finding {
  line: number;
  rule: string;
  message: string;
}

export interface Stage {
  name: string | undefined;
  /** Base image or earlier stage, ARG defaults substituted. */
  from: string;
  line: number;
  /** Comment lines directly above the FROM. */
  comment: string;
  instructions: { keyword: string; args: string; line: number }[];
}

interface Instruction {
  keyword: string;
  args: string;
  line: number;
  comment: string;
}

/** Instructions with continuation lines joined, each with the comment block right above it. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split("\n");
  let comment: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === "") {
      comment = [];
      continue;
    }
    if (raw.startsWith("#")) {
      comment.push(raw.replace(/^#\s?/, ""));
      continue;
    }
    const start = i;
    let joined = raw;
    while (joined.endsWith("\\") && i + 1 < lines.length) joined = `${joined.slice(0, -1).trim()} ${lines[++i]!.trim()}`;
    const [keyword = "", ...rest] = joined.split(/\s+/);
    out.push({ keyword: keyword.toUpperCase(), args: rest.join(" "), line: start + 1, comment: comment.join("\n") });
    comment = [];
  }
  return out;
}

export function stages(text: string): Stage[] {
  const args = new Map<string, string>();
  const result: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.keyword === "ARG" && result.length === 0) {
      const [name, value] = ins.args.split("=", 2);
      if (name && value !== undefined) args.set(name, value);
    } else if (ins.keyword === "FROM") {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith("--"));
      const from = (parts[0] ?? "").replace(/\$\{?(\w+)\}?/g, (_, n: string) => args.get(n) ?? `\${${n}}`);
      result.push({ name: parts[1]?.toUpperCase() === "AS" ? parts[2] : undefined, from, line: ins.line, comment: ins.comment, instructions: [] });
    } else {
      result.at(-1)?.instructions.push({ keyword: ins.keyword, args: ins.args, line: ins.line });
    }
  }
  return result;
}

/** The USER a stage runs as, following FROM <earlier stage> chains. */
function effectiveUser(stage: Stage, all: Stage[]): string | undefined {
  const own = stage.instructions.filter((i) => i.keyword === "USER").at(-1)?.args;
  if (own) return own;
  const parent = all.find((s) => s.name === stage.from);
  return parent ? effectiveUser(parent, all) : undefined;
}

const isRoot = (user: string) => /^(root|0)(:|$)/.test(user.trim());

export function lintDockerfile(text: string): Finding[] {
  const findings: Finding[] = validate(text)
    .filter((d) => d.severity === ValidationSeverity.ERROR || d.severity === ValidationSeverity.WARNING)
    .map((d) => ({ line: d.range.start.line + 1, rule: "dockerfile-utils", message: typeof d.message === "string" ? d.message : d.message.value }));
  const all = stages(text);
  const names = new Set(all.map((s) => s.name).filter(Boolean));
  if (all.length < 2) findings.push({ line: 1, rule: "multi-stage", message: "build and runtime must be separate stages (at least two FROM)" });
  for (const stage of all) {
    if (!names.has(stage.from)) {
      const tag = /^[^@]+@sha256:[0-9a-f]{64}$/.test(stage.from) ? "digest" : /:([^/:]+)$/.exec(stage.from)?.[1];
      if (!tag || tag === "latest" || stage.from.includes("${")) findings.push({ line: stage.line, rule: "pinned-base", message: `base image '${stage.from}' must name a version tag or digest, not latest` });
    }
    const entrypoint = stage.instructions.find((i) => i.keyword === "ENTRYPOINT");
    if (!entrypoint) continue;
    // A stage with an ENTRYPOINT is an image people run: check what it runs as and how.
    const user = effectiveUser(stage, all);
    if (!user || isRoot(user)) findings.push({ line: stage.line, rule: "non-root", message: `target '${stage.name ?? stage.from}' runs as root: set USER to a numeric non-root uid` });
    else if (!/^\d+(:\d+)?$/.test(user)) findings.push({ line: stage.line, rule: "non-root", message: `target '${stage.name}' USER '${user}' must be numeric so runAsNonRoot can verify it` });
    if (!entrypoint.args.trim().startsWith("[")) findings.push({ line: entrypoint.line, rule: "exec-form", message: "ENTRYPOINT must use the JSON (exec) form so the process gets SIGTERM" });
    if (!/probe/i.test(stage.comment) && !stage.instructions.some((i) => i.keyword === "HEALTHCHECK")) {
      findings.push({ line: stage.line, rule: "health-documented", message: `target '${stage.name}' must document its probes in the comment above FROM (Kubernetes ignores HEALTHCHECK)` });
    }
    const toolchain = stage.instructions.find((i) => i.keyword === "RUN" && /\b(npm (ci|install)|tsc|apt-get install)\b/.test(i.args));
    if (toolchain) findings.push({ line: toolchain.line, rule: "small-runtime", message: "install and compile in a build stage, not in a runtime target" });
  }
  return findings;
}
