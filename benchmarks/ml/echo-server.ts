// The floor of a gRPC call on this machine: a bare grpc-js server whose one unary method answers
// every call with the same pre-encoded bytes (sized like the ML pod's cached answer), no decoding,
// no validation, no work. `npm run bench:ml` starts it as its own process, as it does the pod,
// and drives it with the same load generator: pod calls/s over echo calls/s is the pod's share
// of the floor. Usage: npx tsx benchmarks/ml/echo-server.ts <port> <response-bytes>
import { Server, ServerCredentials, type ServiceDefinition } from "@grpc/grpc-js";

export const ECHO_PATH = "/lsp.bench.Echo/Call";

const identity = (b: Buffer) => b;

export const ECHO_SERVICE: ServiceDefinition = {
  Call: { path: ECHO_PATH, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
};

async function main(): Promise<void> {
  const [port, bytes] = process.argv.slice(2).map(Number);
  if (!Number.isInteger(port) || !Number.isInteger(bytes) || bytes! < 0) throw new Error("usage: echo-server.ts <port> <response-bytes>");
  const response = Buffer.alloc(bytes!, 0x2a);
  const server = new Server();
  server.addService(ECHO_SERVICE, { Call: (_call: unknown, callback: (err: null, value: Buffer) => void) => callback(null, response) });
  await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  process.once("SIGTERM", () => server.forceShutdown());
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
