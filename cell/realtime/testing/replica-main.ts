// Runs one test replica as its own process: config as JSON in LSP_REPLICA_CONFIG; prints
// "ready <url>" on stdout once listening; exits on SIGTERM.
import { startReplica, type ReplicaConfig } from "./replica.js";

const raw = process.env.LSP_REPLICA_CONFIG;
if (!raw) {
  process.stderr.write("LSP_REPLICA_CONFIG is not set: pass the replica's configuration as JSON (see replica.ts)\n");
  process.exit(2);
}
const replica = await startReplica(JSON.parse(raw) as ReplicaConfig);
process.stdout.write(`ready ${replica.url}\n`);
process.on("SIGTERM", () => {
  void replica.close().then(() => process.exit(0));
});
