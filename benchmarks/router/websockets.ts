// Memory per open WebSocket: open upgrades through a contender to the WebSocket upstream,
// read the contender's resident memory before and after a batch of them, and divide.
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
 * Resident memory a proxy gains per open WebSocket. A first batch of `count` upgrades is opened
 * and kept open, so lazily built machinery and the garbage left by the throughput runs are not
 * counted; RSS is read, a second batch of `count` is opened, RSS is read again, and the
 * difference is divided by `count`. (Closing the first batch instead would let the second reuse
 * its freed memory and read low.) NaN when RSS fell meanwhile: a garbage collection moved it by
 * more than the sockets did, and there is no honest figure from that round.
 */
export async function memoryPerWebSocket(port: number, host: string, pid: number, count: number): Promise<{ kibPerSocket: number; opened: number }> {
  const sockets: net.Socket[] = [];
  try {
    await openBatch(port, host, count, sockets);
    await sleep(1_000);
    const before = rssKiB(pid);
    const warm = sockets.length;
    await openBatch(port, host, count, sockets);
    await sleep(1_000);
    const after = rssKiB(pid);
    const measured = sockets.length - warm;
    return { kibPerSocket: after < before ? NaN : (after - before) / measured, opened: measured };
  } finally {
    for (const s of sockets) s.destroy();
    await sleep(500);
  }
}

/** Opens `count` upgrades, 50 at a time; every socket opened lands in `into`, even when some fail. */
async function openBatch(port: number, host: string, count: number, into: net.Socket[]): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    const settled = await Promise.allSettled(Array.from({ length: Math.min(50, count - i) }, () => openUpgrade(port, host)));
    for (const s of settled) if (s.status === "fulfilled") into.push(s.value);
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
  }
}
