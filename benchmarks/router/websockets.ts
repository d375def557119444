// Memory per open WebSocket: open N upgrades through a contender to the WebSocket upstream,
// read the contender's resident memory before and after, and divide.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** CPU time (user + system) a process has used so far, in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start at ") ".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / CLOCK_TICKS;
}

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** nginx's master does not serve traffic; its one worker does. */
export function nginxWorker(masterPid: number): number {
  const children = execFileSync("pgrep", ["-P", String(masterPid)], { encoding: "utf8" }).trim().split("\n").filter(Boolean).map(Number);
  if (children.length !== 1) throw new Error(`expected one nginx worker under ${masterPid}, found ${children.length}`);
  return children[0]!;
}

function openUpgrade(port: number, host: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let seen = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no 101 from ${host} within 10 s: ${seen.slice(0, 80)}`));
    }, 10_000);
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on("data", (chunk: Buffer) => {
      if (seen.startsWith("HTTP/1.1 101")) return;
      seen += chunk.toString("latin1");
      if (seen.includes("\r\n\r\n")) {
        clearTimeout(timer);
        if (seen.startsWith("HTTP/1.1 101")) resolve(socket);
        else {
          socket.destroy();
          reject(new Error(`upgrade refused: ${seen.split("\r\n")[0]}`));
        }
      }
    });
    socket.write(
      `GET /ws HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
  });
}

/**
 * Resident memory a proxy gains per open WebSocket: RSS before and after opening `count`
 * upgrades through it. A first round opens and closes as many, so lazily built machinery and the
 * garbage left by the throughput runs (a Node process may collect it mid-round) do not land in
 * the measured round. NaN when RSS still fell during the round: no honest figure from that one.
 */
export async function memoryPerWebSocket(port: number, host: string, pid: number, count: number): Promise<{ kibPerSocket: number; opened: number }> {
  await openAndMeasure(port, host, pid, count);
  return openAndMeasure(port, host, pid, count);
}

async function openAndMeasure(port: number, host: string, pid: number, count: number): Promise<{ kibPerSocket: number; opened: number }> {
  await sleep(500);
  const before = rssKiB(pid);
  const sockets: net.Socket[] = [];
  try {
    for (let i = 0; i < count; i += 50) {
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => openUpgrade(port, host)))));
    }
    await sleep(1_000);
    const after = rssKiB(pid);
    return { kibPerSocket: after < before ? NaN : (after - before) / sockets.length, opened: sockets.length };
  } finally {
    for (const s of sockets) s.destroy();
    await sleep(500);
  }
}
