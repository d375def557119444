// The shared read buffer is the raw engine's fast path: this fails if a Node upgrade quietly
// takes it away (adoption refused), and checks both halves of its contract on real sockets.
import { describe, expect, it } from "@jest/globals";
import net from "node:net";
import { adoptReadBuffer, inReadBuffer, onreadOption, releaseReadBuffer, sharedReadBuffer } from "./read-buffer.js";

async function acceptedPair(): Promise<{ server: net.Server; accepted: net.Socket; client: net.Socket }> {
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  const client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
  return { server, accepted: await accepted, client };
}

describe("Given sockets reading into a shared buffer", () => {
  it("adopts an accepted socket on this Node, hands each read's bytes from the buffer, then gives back a plain stream", async () => {
    const { server, accepted, client } = await acceptedPair();
    const buffer = sharedReadBuffer();
    const seen: string[] = [];
    let fromBuffer = true;
    expect(adoptReadBuffer(accepted, buffer, (chunk) => {
      fromBuffer &&= inReadBuffer(chunk, buffer);
      seen.push(chunk.toString());
    })).toBe(true);
    accepted.resume();
    client.write("first");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.join("")).toBe("first");
    expect(fromBuffer).toBe(true);

    // Released: 'data' events with buffers of their own (not views of the shared one).
    releaseReadBuffer(accepted);
    const data = new Promise<Buffer>((resolve) => accepted.once("data", resolve));
    client.write("second");
    const chunk = await data;
    expect(chunk.toString()).toBe("second");
    expect(inReadBuffer(chunk, buffer)).toBe(false);
    expect(seen).toHaveLength(1);

    client.destroy();
    accepted.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it("reads a dialled socket into the buffer through net.connect's onread, and pause() stops reading", async () => {
    const server = net.createServer((s) => {
      s.write("hello");
      setTimeout(() => s.end("world"), 100);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const buffer = sharedReadBuffer();
    const seen: string[] = [];
    const socket = net.connect({ port: (server.address() as net.AddressInfo).port, host: "127.0.0.1", onread: onreadOption(buffer, (c) => void seen.push(c.toString())) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual(["hello"]);
    socket.pause();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(seen).toEqual(["hello"]);
    socket.resume();
    await new Promise((resolve) => socket.once("close", resolve));
    expect(seen.join("")).toBe("helloworld");
    await new Promise((resolve) => server.close(resolve));
  });
});
