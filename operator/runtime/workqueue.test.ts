import { describe, expect, it } from "@jest/globals";
import { setTimeout as sleep } from "node:timers/promises";
import { WorkQueue } from "./workqueue.js";

describe("Given a WorkQueue", () => {
  it("hands out a key added several times only once", async () => {
    const q = new WorkQueue({ name: "t" });
    q.add("a");
    q.add("a");
    q.add("b");
    expect(q.length).toBe(2);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
    expect(q.length).toBe(0);
  });

  it("never gives a key being processed to a second worker, and re-queues it on done when it changed meanwhile", async () => {
    const q = new WorkQueue({ name: "t" });
    q.add("a");
    const key = await q.get();
    q.add("a");
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe("a");
  });

  it("wakes a waiting worker when a key arrives", async () => {
    const q = new WorkQueue({ name: "t" });
    const next = q.get();
    q.add("late");
    expect(await next).toBe("late");
  });

  it("backs off exponentially per key and forgets the history on success", () => {
    const q = new WorkQueue({ name: "t", baseDelayMs: 10, maxDelayMs: 50 });
    expect([q.addRateLimited("a"), q.addRateLimited("a"), q.addRateLimited("a"), q.addRateLimited("a")]).toEqual([10, 20, 40, 50]);
    expect(q.addRateLimited("b")).toBe(10);
    q.forget("a");
    expect(q.failuresOf("a")).toBe(0);
    q.shutDown();
  });

  it("delivers a delayed add after its delay, keeping the earliest of several", async () => {
    const q = new WorkQueue({ name: "t" });
    q.addAfter("a", 200);
    q.addAfter("a", 20);
    q.addAfter("a", 500);
    expect(q.length).toBe(0);
    await sleep(60);
    expect(q.length).toBe(1);
    await sleep(300);
    expect(q.length).toBe(1);
    q.shutDown();
  });

  it("releases waiting workers with undefined on shutdown", async () => {
    const q = new WorkQueue({ name: "t" });
    const next = q.get();
    q.shutDown();
    expect(await next).toBeUndefined();
    q.add("ignored");
    expect(q.length).toBe(0);
  });
});
