import { describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { toolPath } from "../services/toolchain.js";

const run = promisify(execFile);
const fixtures = join(import.meta.dirname, "fixtures");

describe("Given the helm built from source", () => {
  it("renders a chart with the pinned Kubernetes capabilities", async () => {
    const { stdout } = await run(toolPath("helm"), ["template", "smoke", join(fixtures, "trivial-chart"), "--set", "greeting=chào"]);
    const [configMap] = parseAllDocuments(stdout).map((d) => d.toJS());
    expect(configMap.metadata.name).toBe("smoke-greeting");
    expect(configMap.data.greeting).toBe("chào");
    expect(configMap.data.kubeVersion).toMatch(/^v1\.3\d\./);
  });
});

describe("Given the k6 built from source", () => {
  async function k6Against(maxP95Ms: number, slowMs: number): Promise<{ code: number; output: string }> {
    const server = createServer((_req, res) => setTimeout(() => res.end("ok"), slowMs));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const { stdout, stderr } = await run(toolPath("k6"), ["run", "--quiet", "--no-usage-report", "-e", `TARGET=${target}`, "-e", `MAX_P95_MS=${maxP95Ms}`, join(fixtures, "k6-threshold.js")]);
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, output: e.stdout + e.stderr };
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }

  it("passes a run whose threshold holds", async () => {
    const result = await k6Against(1000, 0);
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/http_req_duration/);
  }, 30_000);

  it("fails a run whose threshold is crossed", async () => {
    const result = await k6Against(20, 60);
    expect(result.code).toBe(99); // k6's exit code for crossed thresholds
  }, 30_000);
});
