// A tiny HTTP client for tests that can set Host (fetch cannot: Host is a forbidden header).
import http from "node:http";
import net from "node:net";

export interface TestResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = Record<string, unknown>>(): T;
  ms: number;
}

export interface TestRequest {
  host: string;
  path?: string;
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  agent?: http.Agent | false;
}

export function send(routerUrl: string, request: TestRequest): Promise<TestResponse> {
  const started = performance.now();
  const target = new URL(routerUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: request.method ?? "GET",
        path: request.path ?? "/echo",
        headers: { ...request.headers, host: request.host },
        agent: request.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode!, headers: res.headers, body, json: <T>() => JSON.parse(body) as T, ms: performance.now() - started });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(request.body);
  });
}

/** Sends raw bytes and collects everything the router answers until it closes (or `waitMs` passes). */
export function rawExchange(routerUrl: string, bytes: string | Buffer, waitMs = 3_000): Promise<{ text: string; closed: boolean; ms: number }> {
  const target = new URL(routerUrl);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(target.port), target.hostname);
    const chunks: Buffer[] = [];
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString("latin1"), closed, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("close", () => finish(true));
    socket.on("error", (e) => (chunks.length ? undefined : reject(e)));
    socket.write(bytes);
  });
}
