// Not a peer: the floor of the router's own architecture. node:http in front of one undici
// Pool via dispatch(), with no routing, no header work, no error handling — what any proxy built
// from these two parts costs before it does anything useful.
import http from "node:http";
import { Pool, type Dispatcher } from "undici";
import { announce, arg } from "./ready.js";

const pool = new Pool(arg("upstream"), { connections: 256, pipelining: 1, keepAliveTimeout: 4_000 });

class Forward implements Dispatcher.DispatchHandler {
  constructor(readonly res: http.ServerResponse) {}
  // Its presence is what tells undici this is a new-style (v7+) handler.
  onRequestStart(): void {}
  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    this.res.writeHead(status, headers as Record<string, string | string[]>);
  }
  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.res.write(chunk);
  }
  onResponseEnd(): void {
    this.res.end();
  }
  onResponseError(): void {
    this.res.destroy();
  }
}

const server = http.createServer((req, res) => {
  pool.dispatch({ path: req.url!, method: "GET", headers: req.rawHeaders, body: null }, new Forward(res));
});
server.keepAliveTimeout = 120_000;
server.listen(Number(arg("port")), "127.0.0.1", () => announce(server));
