import { describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";

describe("Given the test Redis", () => {
  it("delivers a published message to a subscriber", async () => {
    const subscriber = new Redis(process.env.REDIS_URL!);
    const publisher = new Redis(process.env.REDIS_URL!);
    try {
      const received = new Promise<string>((resolve) => subscriber.on("message", (_channel, message) => resolve(message)));
      await subscriber.subscribe("smoke");
      await publisher.publish("smoke", "xin chào");
      await expect(received).resolves.toBe("xin chào");
      expect(await publisher.info("server")).toMatch(/redis_version:\d+/);
    } finally {
      subscriber.disconnect();
      publisher.disconnect();
    }
  });
});
