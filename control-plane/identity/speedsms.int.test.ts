// Against a faithful fake of the SpeedSMS endpoint (same path, auth and JSON shapes), since
// tests never send real SMS.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SpeedSmsProvider } from "./speedsms.js";

interface Received {
  path: string;
  authorization: string | undefined;
  body: { to: string[]; content: string; sms_type: number; sender: string };
}

let server: Server;
let baseUrl: string;
const received: Received[] = [];
let mode: "ok" | "error" | "invalid" | "http500" | "hang" = "ok";

async function readBody(req: IncomingMessage): Promise<string> {
  let s = "";
  for await (const chunk of req) s += chunk;
  return s;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = JSON.parse(await readBody(req));
    received.push({ path: req.url!, authorization: req.headers.authorization, body });
    if (req.headers.authorization !== `Basic ${Buffer.from("tok-123:x").toString("base64")}`) return res.writeHead(401).end("unauthorized");
    if (mode === "hang") return;
    if (mode === "http500") return res.writeHead(500).end("oops");
    res.writeHead(200, { "content-type": "application/json" });
    if (mode === "error") return res.end(JSON.stringify({ status: "error", code: "007", message: "Tai khoan khong du tien", invalidPhone: [] }));
    const invalidPhone = mode === "invalid" ? body.to : [];
    res.end(JSON.stringify({ status: "success", code: "00", data: { tranId: 123456, totalSMS: 1, totalPrice: 250, invalidPhone } }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/index.php`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const provider = (overrides = {}) => new SpeedSmsProvider({ accessToken: "tok-123", baseUrl, smsType: 4, ...overrides });

describe("Given SpeedSMS as the SMS provider", () => {
  it("posts the message with Basic auth, the number without +, and the configured type", async () => {
    mode = "ok";
    await provider().send("+84912345678", "LocalStore: ma xac thuc cua ban la 123456");
    expect(received.at(-1)).toEqual({
      path: "/index.php/sms/send",
      authorization: `Basic ${Buffer.from("tok-123:x").toString("base64")}`,
      body: { to: ["84912345678"], content: "LocalStore: ma xac thuc cua ban la 123456", sms_type: 4, sender: "" },
    });
  });

  it.each([
    ["error", /code 007: Tai khoan khong du tien/],
    ["invalid", /invalid phone/],
    ["http500", /HTTP 500/],
  ] as const)("fails with the gateway's reason when it answers %s", async (m, message) => {
    mode = m;
    await expect(provider().send("+84912345678", "x")).rejects.toThrow(message);
  });

  it("fails on a wrong token and on a gateway that does not answer in time", async () => {
    mode = "ok";
    await expect(new SpeedSmsProvider({ accessToken: "wrong", baseUrl }).send("+84912345678", "x")).rejects.toThrow(/HTTP 401/);
    mode = "hang";
    await expect(provider({ timeoutMs: 300 }).send("+84912345678", "x")).rejects.toThrow(/timeout|aborted/i);
  });
});
