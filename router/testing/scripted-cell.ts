// A cell that answers with exact bytes, for response-framing tests the real cell cannot
// produce on demand (trailers, early close, invalid heads). It is a plain TCP server: it reads
// request heads (no bodies), records them, and writes whatever the test's script says.
import net from "node:net";
import type { AddressInfo } from "node:net";

export interface ScriptedAnswer {
  /** Bytes to write, in order; a number pauses that many milliseconds. */
  parts: (string | Buffer | number)[];
  /** Close the connection after the last part. */
  close?: boolean;
}

export interface ScriptedCell {
  endpoint: string;
  /** Request heads received, in order. */
  heads: string[];
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

export async function startScriptedCell(script: (head: string) => ScriptedAnswer): Promise<ScriptedCell> {
  const sockets = new Set<net.Socket>();
  const cell: ScriptedCell = { endpoint: "", heads: [], connections: 0, close: async () => {} };
  const server = net.createServer((socket) => {
    cell.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffered = "";
    let busy = Promise.resolve();
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      let end: number;
      while ((end = buffered.indexOf("\r\n\r\n")) >= 0) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        cell.heads.push(head);
        const answer = script(head);
        busy = busy.then(() => play(socket, answer));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cell.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cell.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return cell;
}

async function play(socket: net.Socket, answer: ScriptedAnswer): Promise<void> {
  for (const part of answer.parts) {
    if (socket.destroyed) return;
    if (typeof part === "number") await new Promise((resolve) => setTimeout(resolve, part));
    else socket.write(part);
  }
  if (answer.close) socket.end();
}
