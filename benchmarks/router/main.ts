// bench:router — the router against nginx (native reference), @fastify/http-proxy and
// http-proxy-3 (the best Node proxies), and a bare node:http server (the runtime's ceiling);
// undici-floor and node-tunnel-floor are reference rows (what the runtime costs before any work).
// Same machine, same upstream, same connection count, one process each, Host rotated over
// 10,000 tenants (wrk; fortio's evenly paced latency runs send one tenant's Host per run). Starts everything, measures, prints a table, writes JSON, stops everything.
//
//   npm run bench:router -- --help
import { Command, InvalidArgumentError, Option } from "commander";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { canConnect, freePort, startProcess, waitUntil, type ServiceProcess } from "../../scripts/services/processes.js";
import { proxyConfig, upstreamConfig } from "./nginx.js";
import { runFortio } from "./fortio.js";
import { allowedCpus, splitCpus, withContenderIsolated } from "./cpu-isolation.js";
import { ensureFortio, ensureTools } from "./tools.js";
import { cpuMicros, memoryPerWebSocket, nginxWorker } from "./websockets.js";
import { pauseForRate, runWrk, writeHostsScript, type WrkResult } from "./wrk.js";

const DOMAIN = "localstoreplatform.com";
const WS_TENANT = "ws-bench";
const root = resolve(import.meta.dirname, "..", "..");
const servers = join(import.meta.dirname, "servers");

type ContenderName = "router" | "router-node-engine" | "nginx" | "fastify-http-proxy" | "http-proxy-3" | "bare-node" | "undici-floor" | "node-tunnel-floor";
const PROXIES: ContenderName[] = ["router", "nginx", "fastify-http-proxy", "http-proxy-3"];

interface Contender {
  name: ContenderName;
  port: number;
  process: ServiceProcess;
  /** The process whose memory counts (nginx: its worker). */
  pid(): number;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive whole number");
  return n;
}

const program = new Command()
  .name("bench:router")
  .description(
    "Requests/s (wrk), added latency at half load (each proxy paced at half its own requests/s: in wrk's 1 ms bursts and evenly by fortio; the target is checked on both) and memory per WebSocket: router vs nginx, @fastify/http-proxy, http-proxy-3 and bare node:http; undici-floor and node-tunnel-floor (one Node hop doing nothing, paced at the router's rate) as reference rows.",
  )
  .option("--duration <seconds>", "length of each wrk or fortio run", positiveInt, 10)
  .option("--repeats <n>", "runs per contender (medians are reported)", positiveInt, 3)
  .option("--connections <n>", "connections for wrk and fortio (the same for every contender)", positiveInt, 64)
  .option("--tenants <n>", "tenants in every contender's route table", positiveInt, 10_000)
  .option("--websockets <n>", "WebSockets measured per proxy for the memory figure, opened on top of as many already open (0 skips)", (v) => (v === "0" ? 0 : positiveInt(v)), 1_000)
  .addOption(new Option("--engine <engine>", "the router's HTTP engine under test (the other one runs too, as a reference row)").choices(["raw", "node"]).default("raw"))
  .option("--own-vcpu", "diagnostic: also measure evenly paced latency with each contender alone on a vCPU (taskset), the load generator, upstream and other processes on the rest")
  .option("--out <file>", "where to write the JSON results", join(root, "benchmarks", "router", "results", "latest.json"));

interface AddedLatency {
  p50: number[];
  p99: number[];
  rate: number[];
  directRate: number[];
  targetRate: number;
}

function newAddedLatency(targetRate: number): AddedLatency {
  return { p50: [], p99: [], rate: [], directRate: [], targetRate };
}

function recordAdded(entry: AddedLatency, viaProxy: WrkResult, direct: WrkResult): void {
  entry.p50.push(viaProxy.p50Ms - direct.p50Ms);
  entry.p99.push(viaProxy.p99Ms - direct.p99Ms);
  entry.rate.push(viaProxy.rps);
  entry.directRate.push(direct.rps);
}

function describe(r: WrkResult): string {
  return `${Math.round(r.rps)} req/s, p50 ${r.p50Ms.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(3)} ms`;
}

function summarizeAdded(entries: Map<ContenderName, AddedLatency>, pacedLike: (n: ContenderName) => ContenderName) {
  return Object.fromEntries(
    [...entries].map(([n, e]) => [
      n,
      { p50: median(e.p50), p99: median(e.p99), p99Runs: e.p99.map((v) => Math.round(v * 1000) / 1000), rate: median(e.rate), directRate: median(e.directRate), targetRate: Math.round(e.targetRate), pacedAtHalfOf: pacedLike(n) },
    ]),
  );
}

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const opts = program.parse().opts<{ duration: number; repeats: number; connections: number; tenants: number; websockets: number; engine: "raw" | "node"; ownVcpu?: boolean; out: string }>();
  const log = (m: string) => process.stderr.write(`[bench:router] ${m}\n`);
  const tools = { ...ensureTools(log), fortio: ensureFortio(log) };
  const dir = mkdtempSync(join(tmpdir(), "bench-router-"));
  const started: ServiceProcess[] = [];
  const stopAll = async () => {
    await Promise.allSettled(started.map((p) => p.stop(3_000)));
  };
  process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));
  try {
    // The shared upstream: nginx answering "ok" itself (cheap, so the proxies get the CPU).
    const upstreamPort = await freePort();
    const upstreamDir = join(dir, "upstream");
    mkdirSync(upstreamDir);
    started.push(startProcess(upstreamDir, "upstream", tools.nginx, ["-c", upstreamConfig(upstreamDir, upstreamPort), "-p", upstreamDir]));
    const wsPort = await freePort();
    started.push(startProcess(dir, "ws-upstream", process.execPath, ["--import", "tsx", join(servers, "ws-upstream.ts"), "--port", String(wsPort)], { cwd: root }));

    const upstream = `http://127.0.0.1:${upstreamPort}`;
    const wsUpstream = `http://127.0.0.1:${wsPort}`;
    const slugs = Array.from({ length: opts.tenants }, (_, i) => `t${String(i + 1).padStart(5, "0")}`);
    const routes: Record<string, { endpoint: string }> = Object.fromEntries(slugs.map((s) => [s, { endpoint: upstream }]));
    routes[WS_TENANT] = { endpoint: wsUpstream };
    const routesFile = join(dir, "routes.json");
    writeFileSync(routesFile, JSON.stringify({ routes }));
    const hosts = slugs.map((s) => `${s}.${DOMAIN}`);
    const script = writeHostsScript(dir, hosts);

    const contenders: Contender[] = [];
    const nodeContender = async (name: ContenderName, args: string[], env: NodeJS.ProcessEnv = {}) => {
      const port = await freePort();
      const proc = startProcess(dir, name, process.execPath, ["--import", "tsx", ...args.map((a) => a.replace("{port}", String(port)))], {
        cwd: root,
        env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "warn", ...env },
      });
      started.push(proc);
      contenders.push({ name, port, process: proc, pid: () => proc.pid });
    };
    const routerArgs = (engine: string, stateFile: string) => [
      join(root, "router", "main.ts"),
      "--engine",
      engine,
      "--source",
      "file",
      "--routes-file",
      routesFile,
      "--port",
      "{port}",
      "--host",
      "127.0.0.1",
      "--admin-port",
      "0",
      "--domain",
      DOMAIN,
      "--state-file",
      join(dir, stateFile),
      "--forwarded-proto",
      "http",
    ];
    await nodeContender("router", routerArgs(opts.engine, "router-state.json"), { ROUTER_SIGNING_KEY: "benchmark-signing-key-0123456789" });
    // Reference only: the same router on its other engine, measured in the same rounds.
    if (opts.engine === "raw") await nodeContender("router-node-engine", routerArgs("node", "router-node-state.json"), { ROUTER_SIGNING_KEY: "benchmark-signing-key-0123456789" });
    {
      const port = await freePort();
      const nginxDir = join(dir, "nginx");
      mkdirSync(nginxDir);
      const hostMap = new Map(Object.entries(routes).map(([slug, r]) => [`${slug}.${DOMAIN}`, r.endpoint]));
      const conf = proxyConfig(nginxDir, port, hostMap, new Map([[upstream, upstream], [wsUpstream, wsUpstream]]));
      const proc = startProcess(nginxDir, "nginx", tools.nginx, ["-c", conf, "-p", nginxDir]);
      started.push(proc);
      contenders.push({ name: "nginx", port, process: proc, pid: () => nginxWorker(proc.pid) });
    }
    await nodeContender("fastify-http-proxy", [join(servers, "fastify-proxy.ts"), "--port", "{port}", "--routes", routesFile, "--domain", DOMAIN]);
    await nodeContender("http-proxy-3", [join(servers, "http-proxy-3.ts"), "--port", "{port}", "--routes", routesFile, "--domain", DOMAIN]);
    await nodeContender("bare-node", [join(servers, "bare-node.ts"), "--port", "{port}"]);
    // Reference only (not a peer): node:http + undici dispatch with no logic at all.
    await nodeContender("undici-floor", [join(servers, "undici-floor.ts"), "--port", "{port}", "--upstream", upstream]);
    // Reference only (not a proxy): bytes copied between two sockets, nothing parsed — the
    // runtime's own latency for one hop, measured at the router's half-load pace.
    await nodeContender("node-tunnel-floor", [join(servers, "tunnel-floor.ts"), "--port", "{port}", "--upstream", upstream]);

    await waitUntil(started[0], "upstream listening", () => canConnect(upstreamPort), 20_000);
    await waitUntil(started[1], "ws upstream listening", () => canConnect(wsPort), 20_000);
    for (const c of contenders) await waitUntil(c.process, `${c.name} listening`, () => canConnect(c.port), 30_000);
    log(`all up; ${opts.tenants} tenants, ${opts.connections} connections, ${opts.repeats} x ${opts.duration}s per contender`);

    const base = { script, connections: opts.connections };
    // Sanity: every contender routes a tenant and refuses an unknown one before we time it.
    for (const c of contenders) {
      const r = await runWrk(tools.wrk, { ...base, url: `http://127.0.0.1:${c.port}/`, durationS: 1 });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${c.name} is not serving cleanly: ${JSON.stringify(r)} (log: ${c.process.logFile})`);
    }

    // 1. Requests/s at full load. Contenders take turns each round so slow drifts in the
    //    machine's background load spread over all of them.
    //    CPU time per request (from /proc) is recorded too: on a shared machine it says more
    //    about a contender's own cost than requests/s, which depend on what else is running.
    const throughput = new Map<ContenderName, WrkResult[]>(contenders.map((c) => [c.name, []]));
    const cpuPerRequest = new Map<ContenderName, number[]>(contenders.map((c) => [c.name, []]));
    const loads: number[] = [];
    for (let round = 0; round < opts.repeats; round++) {
      const order = round % 2 ? [...contenders].reverse() : contenders;
      for (const c of order) {
        const pid = c.pid();
        const cpuBefore = cpuMicros(pid);
        const r = await runWrk(tools.wrk, { ...base, url: `http://127.0.0.1:${c.port}/`, durationS: opts.duration });
        const cpu = (cpuMicros(pid) - cpuBefore) / Math.max(1, r.requests);
        throughput.get(c.name)!.push(r);
        cpuPerRequest.get(c.name)!.push(cpu);
        const load = loadavg()[0]!;
        loads.push(load);
        log(`round ${round + 1} ${c.name}: ${Math.round(r.rps)} req/s, ${cpu.toFixed(1)} CPU-us/req (p99 ${r.p99Ms.toFixed(2)} ms, errors ${r.errors}, non-2xx ${r.non2xx}; load average ${load.toFixed(1)})`);
      }
    }
    const rps = new Map([...throughput].map(([name, runs]) => [name, median(runs.map((r) => r.rps))]));
    const cpuUs = new Map([...cpuPerRequest].map(([name, runs]) => [name, median(runs)]));

    // 2. Added latency at half load: each proxy paced at half its own median requests/s, against
    //    the upstream hit directly at the same rate in the same round. The tunnel floor is paced
    //    like the router: what one Node hop costs at the router's pace.
    //    Two load shapes, both reported and both checked against the target:
    //    - wrk bursts: wrk's millisecond timer releases each millisecond's requests together
    //      (the figure every earlier run of this benchmark reported, same JSON key);
    //    - even (fortio): requests spread evenly over time, as independent clients send them
    //      (see fortio.ts for why wrk cannot pace that way).
    //    With --own-vcpu, a third, diagnostic: evenly paced with the contender alone on a vCPU
    //    (cpu-isolation.ts; runs T and U found it lowers no one's tail on this machine).
    const even = new Map<ContenderName, AddedLatency>();
    const isolated = new Map<ContenderName, AddedLatency>();
    const bursts = new Map<ContenderName, AddedLatency>();
    const cpuSplit = opts.ownVcpu ? splitCpus(allowedCpus()) : undefined;
    if (opts.ownVcpu && cpuSplit === undefined) log("warning: one vCPU only: --own-vcpu has nothing to isolate on, skipped");
    const pacedLike = (name: ContenderName): ContenderName => (name === "node-tunnel-floor" ? "router" : name);
    for (const c of contenders.filter((c) => PROXIES.includes(c.name) || c.name === "node-tunnel-floor")) {
      const halfRate = rps.get(pacedLike(c.name))! / 2;
      const proxyUrl = `http://127.0.0.1:${c.port}/`;
      /** One measured round: rates off by more than 3 % are flagged, the difference recorded. */
      const recordRound = (shape: string, entry: AddedLatency, viaProxy: WrkResult, direct: WrkResult) => {
        for (const [what, r] of [[c.name, viaProxy], ["the upstream", direct]] as const) {
          if (Math.abs(r.rps - halfRate) > halfRate * 0.03) log(`warning: ${what} reached ${Math.round(r.rps)} req/s (${shape}), more than 3 % off the ${Math.round(halfRate)} asked for`);
        }
        recordAdded(entry, viaProxy, direct);
        log(`half load, ${shape} ${c.name} (target ${Math.round(halfRate)} req/s): ${describe(viaProxy)}; direct ${describe(direct)}`);
      };
      /** Evenly paced rounds (fortio on `cpus` when given), each against the upstream directly. */
      const evenRounds = async (shape: string, cpus?: string): Promise<AddedLatency> => {
        const entry = newAddedLatency(halfRate);
        const fortioRun = (url: string, host: string, durationS: number) => runFortio(tools.fortio, { url, host, rate: halfRate, connections: opts.connections, durationS, dir, cpus });
        // Warm-up at this pace, not measured: the first evenly paced round of every Node peer read
        // ~16 ms p99 in runs P and Q (new connections, code not yet optimised for this path).
        await fortioRun(proxyUrl, hosts[0]!, 2);
        for (let round = 0; round < opts.repeats; round++) {
          // fortio sends one Host per run: a different tenant each round.
          const host = hosts[(round * 3_331) % hosts.length]!;
          const viaProxy = await fortioRun(proxyUrl, host, opts.duration);
          const direct = await fortioRun(`${upstream}/`, host, opts.duration);
          for (const [what, r] of [[c.name, viaProxy], ["the upstream", direct]] as const) {
            if (r.errors + r.non2xx > 0) throw new Error(`${what} failed requests at half load: ${JSON.stringify(r)}`);
          }
          recordRound(shape, entry, viaProxy, direct);
        }
        return entry;
      };
      even.set(c.name, await evenRounds("even"));
      // Diagnostic (--own-vcpu): the same with the contender alone on a vCPU.
      if (cpuSplit !== undefined) {
        const split = cpuSplit;
        const everyone = [process.pid, ...started.map((p) => p.pid), nginxWorker(started[0]!.pid), ...contenders.filter((o) => o.name === "nginx").map((o) => o.pid())];
        isolated.set(c.name, await withContenderIsolated(split, c.pid(), everyone, () => evenRounds(`even, own vCPU ${split.contender}`, split.rest)));
      }

      // Paced separately: the direct path's exchange is shorter, so it needs a longer pause for the same rate.
      const proxyPause = await pauseForRate(tools.wrk, { ...base, url: proxyUrl }, halfRate, log);
      const directPause = await pauseForRate(tools.wrk, { ...base, url: `${upstream}/` }, halfRate, log);
      const burstEntry = newAddedLatency(halfRate);
      for (let round = 0; round < opts.repeats; round++) {
        const viaProxy = await runWrk(tools.wrk, { ...base, url: proxyUrl, durationS: opts.duration, delayMs: proxyPause });
        const direct = await runWrk(tools.wrk, { ...base, url: `${upstream}/`, durationS: opts.duration, delayMs: directPause });
        recordRound("wrk bursts", burstEntry, viaProxy, direct);
      }
      bursts.set(c.name, burstEntry);
    }

    // 3. Memory per open WebSocket.
    const wsMemory = new Map<ContenderName, number>();
    if (opts.websockets > 0) {
      for (const c of contenders.filter((c) => PROXIES.includes(c.name))) {
        const m = await memoryPerWebSocket(c.port, `${WS_TENANT}.${DOMAIN}`, c.pid(), opts.websockets);
        wsMemory.set(c.name, m.kibPerSocket);
        log(`websockets ${c.name}: ${m.opened} open, ${Number.isNaN(m.kibPerSocket) ? "RSS fell during the round (garbage collection): no figure" : `${m.kibPerSocket.toFixed(1)} KiB each`}`);
      }
    }

    const nodePeers = (["fastify-http-proxy", "http-proxy-3"] as const).map((n) => ({ name: n, rps: rps.get(n)! }));
    const bestPeer = nodePeers.reduce((a, b) => (b.rps > a.rps ? b : a));
    const router = rps.get("router")!;
    const summary = {
      date: new Date().toISOString(),
      machine: { cpus: (await import("node:os")).cpus().length, loadavg: (await import("node:os")).loadavg(), node: process.version },
      settings: { durationS: opts.duration, repeats: opts.repeats, connections: opts.connections, tenants: opts.tenants, websockets: opts.websockets, engine: opts.engine },
      loadAverageDuringThroughputRuns: { min: Math.min(...loads), max: Math.max(...loads) },
      cpuRuns: Object.fromEntries([...cpuPerRequest].map(([n, runs]) => [n, runs.map((v) => Math.round(v * 10) / 10)])),
      requestsPerSecond: Object.fromEntries(rps),
      cpuMicrosecondsPerRequest: Object.fromEntries(cpuUs),
      runs: Object.fromEntries([...throughput].map(([n, runs]) => [n, runs.map((r) => Math.round(r.rps))])),
      ratios: {
        routerVsNginx: router / rps.get("nginx")!,
        routerVsBestNodePeer: router / bestPeer.rps,
        bestNodePeer: bestPeer.name,
        routerVsBareNode: router / rps.get("bare-node")!,
        bareNodeVsNginx: rps.get("bare-node")! / rps.get("nginx")!,
        // Requests per CPU-second relative to the router's: how the ratios would look if every
        // contender had a core to itself.
        cpuEfficiencyRouterVsNginx: cpuUs.get("nginx")! / cpuUs.get("router")!,
        cpuEfficiencyRouterVsBestNodePeer: Math.min(cpuUs.get("fastify-http-proxy")!, cpuUs.get("http-proxy-3")!) / cpuUs.get("router")!,
        cpuEfficiencyRouterVsBareNode: cpuUs.get("bare-node")! / cpuUs.get("router")!,
        routerVsUndiciFloor: router / rps.get("undici-floor")!,
        cpuEfficiencyRouterVsUndiciFloor: cpuUs.get("undici-floor")! / cpuUs.get("router")!,
      },
      addedLatencyAtHalfLoadMs: summarizeAdded(bursts, pacedLike),
      addedLatencyAtHalfLoadEvenMs: summarizeAdded(even, pacedLike),
      ...(cpuSplit ? { addedLatencyAtHalfLoadEvenOwnVcpuMs: summarizeAdded(isolated, pacedLike), cpuSplit } : {}),
      memoryPerWebSocketKiB: Object.fromEntries(wsMemory),
    };
    mkdirSync(resolve(opts.out, ".."), { recursive: true });
    writeFileSync(opts.out, JSON.stringify(summary, null, 2) + "\n");

    const figure = (entry: { p50: number; p99: number } | undefined, key: "p50" | "p99") => (entry ? entry[key].toFixed(3) : "-").padStart(10);
    const ownVcpu = summary.addedLatencyAtHalfLoadEvenOwnVcpuMs;
    const shapes = [
      { title: "wrk bursts", said: "in wrk's 1 ms bursts", of: summary.addedLatencyAtHalfLoadMs },
      { title: "even", said: "evenly paced", of: summary.addedLatencyAtHalfLoadEvenMs },
      ...(ownVcpu ? [{ title: "even, own vCPU", said: "evenly paced, alone on a vCPU", of: ownVcpu }] : []),
    ];
    const rows = contenders.map((c) =>
      [
        c.name.padEnd(20),
        String(Math.round(rps.get(c.name)!)).padStart(8),
        (rps.get(c.name)! / rps.get("nginx")!).toFixed(2).padStart(9),
        cpuUs.get(c.name)!.toFixed(1).padStart(10),
        ...shapes.flatMap((shape) => [figure(shape.of[c.name], "p50"), figure(shape.of[c.name], "p99")]),
        !wsMemory.has(c.name) ? "-".padStart(10) : Number.isNaN(wsMemory.get(c.name)) ? "n/a".padStart(10) : wsMemory.get(c.name)!.toFixed(1).padStart(10),
      ].join(" "),
    );
    const check = (ok: boolean) => (ok ? "met" : "NOT met");
    const p99 = (of: typeof summary.addedLatencyAtHalfLoadMs | undefined, name: ContenderName) => of?.[name]?.p99 ?? NaN;
    const everyShape = (name: ContenderName) => shapes.map((shape) => `${p99(shape.of, name).toFixed(3)} ms ${shape.said}`).join(", ");
    const burstP99 = p99(summary.addedLatencyAtHalfLoadMs, "router");
    const evenP99 = p99(summary.addedLatencyAtHalfLoadEvenMs, "router");
    process.stdout.write(
      [
        "",
        `${"".padEnd(50)} ${shapes.map((shape) => `${shape.title} `.padEnd(21, "-")).join(" ")}`,
        `${"contender".padEnd(20)} ${"req/s".padStart(8)} ${"x nginx".padStart(9)} ${"CPU-us/req".padStart(10)} ${shapes.map(() => `${"+p50 ms".padStart(10)} ${"+p99 ms".padStart(10)}`).join(" ")} ${"KiB/ws".padStart(10)}`,
        ...rows,
        "",
        `router / best Node peer (${bestPeer.name}): ${summary.ratios.routerVsBestNodePeer.toFixed(2)}x  (target >= 2x: ${check(summary.ratios.routerVsBestNodePeer >= 2)})`,
        `router / bare node:http:                ${summary.ratios.routerVsBareNode.toFixed(2)}x  (target >= 0.7x: ${check(summary.ratios.routerVsBareNode >= 0.7)})`,
        `router / nginx:                         ${summary.ratios.routerVsNginx.toFixed(2)}x  (target >= ~0.4x: ${check(summary.ratios.routerVsNginx >= 0.4)})`,
        `per CPU-second: router / nginx ${summary.ratios.cpuEfficiencyRouterVsNginx.toFixed(2)}x, router / best Node peer ${summary.ratios.cpuEfficiencyRouterVsBestNodePeer.toFixed(2)}x, router / bare node:http ${summary.ratios.cpuEfficiencyRouterVsBareNode.toFixed(2)}x`,
        `router / undici-floor (node:http + undici, no logic): ${summary.ratios.routerVsUndiciFloor.toFixed(2)}x req/s, ${summary.ratios.cpuEfficiencyRouterVsUndiciFloor.toFixed(2)}x per CPU-second`,
        `router added p99 at half load: ${everyShape("router")} (target < 1 ms in bursts and evenly paced: ${check(burstP99 < 1 && evenP99 < 1)})`,
        `  nginx, at its own half load: ${everyShape("nginx")}`,
        `  node-tunnel-floor at the router's pace: ${everyShape("node-tunnel-floor")} (one Node hop with no work at all: the runtime's share of the router's figure)`,
        `router engine: ${opts.engine}${opts.engine === "raw" ? " (router-node-engine: the node:http + undici engine, reference)" : ""}`,
        `load average (1 min) during the throughput runs: ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}; at the end: ${summary.machine.loadavg.map((l) => l.toFixed(1)).join(" ")} on ${summary.machine.cpus} cores — shared machine, numbers are noisy`,
        `results written to ${opts.out}`,
        "",
      ].join("\n"),
    );
  } finally {
    await stopAll();
    await sleep(100);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`bench:router: ${error.message}\n`);
  process.exit(1);
});
