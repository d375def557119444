// The cell API's configuration, from the environment (cell/main.ts) or given in-process.
import { z } from "zod";
import type { KeySource } from "../auth/index.js";
import { DEFAULT_POOL_SIZE } from "../db/index.js";
import { loadPaymentConfigFile, type PaymentConfig } from "../payments/index.js";

export interface CellServerConfig {
  /** Connection string of the cell's API role. */
  databaseUrl: string;
  schema: string;
  /** Optional: without Redis, dashboards read the aggregates on every request (no cache). */
  redisUrl?: string;
  /** This cell's key for the router's signed tenant header (the operator derives it per cell). */
  routerSigningKey: string;
  /** During a key rotation, the key before routerSigningKey: headers signed with either are accepted. */
  routerSigningKeyPrevious?: string;
  keys: KeySource;
  mlGrpcUrl?: string;
  poolSize?: number;
  logLevel?: string;
  /** Payment providers' merchant accounts and secrets per tenant (cell/payments); none = webhooks refuse every callback. */
  payments?: PaymentConfig;
  /** This cell's key for the control plane's usage feed at /internal/* (cell/usage-feed), derived per cell by the operator. Absent = no feed. */
  platformKey?: string;
  /** During a key rotation, the key before platformKey: the feed accepts either. Only with platformKey. */
  platformKeyPrevious?: string;
}

const Env = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection string (the cell API role)"),
    CELL_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be the cell's Postgres schema, e.g. cell_shared_1"),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// URL").optional(),
    ROUTER_SIGNING_KEY: z.string().min(16, "must be the router's HMAC key (at least 16 characters)"),
    ROUTER_SIGNING_KEY_PREVIOUS: z.string().min(16, "must be the router's previous HMAC key, during a key rotation (at least 16 characters)").optional(),
    JWKS_URL: z.url().optional(),
    JWKS_JSON: z.string().optional(),
    ML_GRPC_URL: z.string().optional(),
    DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(DEFAULT_POOL_SIZE),
    LOG_LEVEL: z.string().optional(),
    PAYMENT_PROVIDERS_FILE: z.string().min(1).optional(),
    PLATFORM_KEY: z.string().min(16, "must be the platform key shared with the control plane (at least 16 characters)").optional(),
    PLATFORM_KEY_PREVIOUS: z.string().min(16, "must be the previous platform key, during a key rotation (at least 16 characters)").optional(),
  })
  .superRefine((e, ctx) => {
    if (e.PLATFORM_KEY_PREVIOUS !== undefined && e.PLATFORM_KEY === undefined) {
      ctx.addIssue({ code: "custom", path: ["PLATFORM_KEY_PREVIOUS"], message: "is set without PLATFORM_KEY: a previous platform key is only accepted alongside the current one (set PLATFORM_KEY too, or neither to serve no usage feed)" });
    }
  });

export class CellConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid cell configuration:\n  ${issues.join("\n  ")}`);
    this.name = "CellConfigError";
  }
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): { port: number; config: CellServerConfig } {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new CellConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  const e = parsed.data;
  let keys: KeySource;
  if (e.JWKS_JSON) {
    try {
      keys = { jwks: JSON.parse(e.JWKS_JSON) };
    } catch (error) {
      throw new CellConfigError([`JWKS_JSON: not valid JSON (${(error as Error).message})`]);
    }
  } else if (e.JWKS_URL) {
    keys = { jwksUrl: e.JWKS_URL };
  } else {
    throw new CellConfigError(["JWKS_URL: required (the control plane's JWKS endpoint), or JWKS_JSON with inline keys for tests"]);
  }
  return {
    port: e.PORT,
    config: {
      databaseUrl: e.DATABASE_URL,
      schema: e.CELL_SCHEMA,
      redisUrl: e.REDIS_URL,
      routerSigningKey: e.ROUTER_SIGNING_KEY,
      routerSigningKeyPrevious: e.ROUTER_SIGNING_KEY_PREVIOUS,
      keys,
      mlGrpcUrl: e.ML_GRPC_URL,
      poolSize: e.DB_POOL_SIZE,
      logLevel: e.LOG_LEVEL,
      payments: e.PAYMENT_PROVIDERS_FILE ? paymentsFrom(e.PAYMENT_PROVIDERS_FILE) : undefined,
      platformKey: e.PLATFORM_KEY,
      platformKeyPrevious: e.PLATFORM_KEY_PREVIOUS,
    },
  };
}

function paymentsFrom(path: string): PaymentConfig {
  try {
    return loadPaymentConfigFile(path);
  } catch (error) {
    throw new CellConfigError([`PAYMENT_PROVIDERS_FILE: ${(error as Error).message}`]);
  }
}
