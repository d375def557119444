// A real control plane on a loopback port, backed by the test Postgres (its own database) and
// Redis (its own key prefix), with helpers that drive it the way a client would: over HTTP.
/* eslint-disable @typescript-eslint/no-explicit-any -- responses are JSON whose shape each test asserts; typing them would restate the assertions */
import { createControlPlane, type ControlPlane, type ControlPlaneConfig } from "../server.js";
import { MemoryTenantRegistry } from "../onboarding/memory-registry.js";
import { createTestDatabase, uniquePrefix, type TestDatabase } from "./databases.js";

export interface Harness {
  cp: ControlPlane;
  db: TestDatabase;
  registry: MemoryTenantRegistry;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  graphql(query: string, variables?: Record<string, unknown>, accessToken?: string): Promise<{ data?: any; errors?: { message: string; extensions?: any }[] }>;
  /** Requests a code, reads it from the dev outbox and signs in; returns the token pair. */
  signIn(phone: string, ip?: string): Promise<{ accessToken: string; refreshToken: string; deviceToken: string; user: { id: string; phone: string } }>;
  lastSms(phone: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startHarness(overrides: Partial<ControlPlaneConfig> = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const registry = (overrides.tenantRegistry as MemoryTenantRegistry | undefined) ?? new MemoryTenantRegistry();
  const cp = await createControlPlane({
    databaseUrl: db.url,
    redisUrl: process.env.REDIS_URL!,
    otpPepper: "harness-pepper-0123456789",
    redisKeyPrefix: uniquePrefix(),
    tenantRegistry: registry,
    trustProxy: true,
    smsOutboxHttp: true,
    ...overrides,
  });
  await cp.listen(0);
  let ipCounter = 0;

  const post: Harness["post"] = async (path, body, headers = {}) => {
    const res = await fetch(`${cp.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const lastSms: Harness["lastSms"] = async (phone) => {
    const res = await fetch(`${cp.url}/dev/sms-outbox?phone=${encodeURIComponent(phone)}&limit=1`);
    const { messages } = (await res.json()) as { messages: { text: string }[] };
    if (!messages[0]) throw new Error(`no SMS to ${phone}`);
    return messages[0].text;
  };
  return {
    cp,
    db,
    registry,
    post,
    lastSms,
    async graphql(query, variables = {}, accessToken) {
      const res = await fetch(`${cp.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as { data?: any; errors?: { message: string; extensions?: any }[] };
    },
    async signIn(phone, ip = `10.9.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`) {
      const requested = await post("/auth/otp/request", { phone }, { "x-forwarded-for": ip });
      if (requested.status !== 202) throw new Error(`OTP request failed: ${JSON.stringify(requested.body)}`);
      const code = /(\d{6})/.exec(await lastSms(requested.body.phone))![1];
      const verified = await post("/auth/otp/verify", { phone, code }, { "x-forwarded-for": ip });
      if (verified.status !== 200) throw new Error(`OTP verify failed: ${JSON.stringify(verified.body)}`);
      return verified.body;
    },
    async stop() {
      await cp.close();
      await db.drop();
    },
  };
}
