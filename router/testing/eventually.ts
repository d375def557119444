// Polls a condition until it holds, for tests that wait on sockets closing elsewhere.
import { setTimeout as sleep } from "node:timers/promises";

export async function eventually(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}
