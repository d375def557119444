// nginx and wrk come from Debian. Installed on demand when the benchmark runs as root; otherwise
// it stops with the command to run. fortio is built from source like the rest of the toolchain.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { toolPath } from "../../scripts/services/toolchain.js";

function which(binary: string): string | undefined {
  for (const candidate of [binary, `/usr/sbin/${binary}`, `/usr/bin/${binary}`]) {
    try {
      const found = execFileSync("sh", ["-c", `command -v ${candidate}`], { encoding: "utf8" }).trim();
      if (found) return found;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export function ensureTools(log: (m: string) => void): { nginx: string; wrk: string } {
  let nginx = which("nginx");
  let wrk = which("wrk");
  if (nginx && wrk) return { nginx, wrk };
  const missing = [!nginx && "nginx-light", !wrk && "wrk"].filter(Boolean) as string[];
  if (process.getuid?.() !== 0) throw new Error(`bench:router needs ${missing.join(" and ")}: run  sudo apt-get install -y ${missing.join(" ")}`);
  log(`installing ${missing.join(", ")} with apt-get`);
  try {
    execFileSync("apt-get", ["install", "-y", ...missing], { stdio: "ignore" });
  } catch {
    execFileSync("apt-get", ["update"], { stdio: "ignore" });
    execFileSync("apt-get", ["install", "-y", ...missing], { stdio: "ignore" });
  }
  nginx = which("nginx");
  wrk = which("wrk");
  if (!nginx || !wrk) throw new Error(`apt-get installed ${missing.join(", ")} but nginx/wrk are still not on PATH`);
  return { nginx, wrk };
}

/** fortio from the toolchain cache, built through the Go module proxy on first use (~15 s). */
export function ensureFortio(log: (m: string) => void): string {
  try {
    return toolPath("fortio");
  } catch {
    log("building fortio from source (once; cached with the rest of the toolchain)");
    const script = join(import.meta.dirname, "..", "..", "scripts", "toolchain", "build-kubernetes.sh");
    execFileSync(script, ["fortio"], { stdio: ["ignore", "inherit", "inherit"] });
    return toolPath("fortio");
  }
}
