// Test support: a cell API running in-process on a freshly provisioned schema of the test
// Postgres (and the test Redis when asked), with helpers to call it as a given member.
import type { Tracer } from "@opentelemetry/api";
import type { Membership } from "../../common/index.js";
import { provisionTenant, type TenantProvisioning } from "../provisioning/index.js";
import { createCellServer, type CellServer } from "../server/index.js";
import { createTestCellDatabase, type TestCellDatabase } from "./database.js";
import { createTokenIssuer, ROUTER_SIGNING_KEY, routerHeaders, type TokenIssuer } from "./identity.js";

export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

export interface Member {
  tenant: string;
  role: Membership["role"];
  locations?: "*" | string[];
  sub?: string;
}

export interface TestCell {
  db: TestCellDatabase;
  server: CellServer;
  issuer: TokenIssuer;
  provision(tenant: Partial<TenantProvisioning> & { slug: string }): Promise<{ tenantId: string; locations: { id: string; name: string; timezone: string }[] }>;
  /** Runs a GraphQL operation as `member` through the router's signed header. */
  gql<T = Record<string, unknown>>(member: Member, query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>>;
  /** Like gql, but fails the test on any GraphQL error and returns data. */
  ok<T = Record<string, unknown>>(member: Member, query: string, variables?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export interface TestCellOptions {
  redis?: boolean;
  tracer?: Tracer;
  platformKey?: string;
  /** The router's previous key during a key rotation (the cell's ROUTER_SIGNING_KEY_PREVIOUS). */
  routerSigningKeyPrevious?: string;
}

export async function startTestCell(prefix: string, options: TestCellOptions = {}): Promise<TestCell> {
  const db = await createTestCellDatabase(prefix);
  const issuer = await createTokenIssuer();
  const redisUrl = options.redis ? process.env.REDIS_URL : undefined;
  if (options.redis && !redisUrl) throw new Error("REDIS_URL is not set: run with LSP_TEST_SERVICES including redis");
  const server = createCellServer(
    { databaseUrl: db.roleUrl, schema: db.schema, redisUrl, routerSigningKey: ROUTER_SIGNING_KEY, routerSigningKeyPrevious: options.routerSigningKeyPrevious, keys: { jwks: issuer.jwks }, poolSize: 10, logLevel: "silent", platformKey: options.platformKey },
    { tracer: options.tracer },
  );
  if (server.redis) await waitForRedis(server);

  async function gql<T>(member: Member, query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>> {
    const token = await issuer.token({ sub: member.sub, memberships: [{ tenant: member.tenant, role: member.role, locations: member.locations ?? "*" }] });
    const response = await server.fetch("http://cell/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...routerHeaders(member.tenant) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as GraphQLResult<T>;
    return { ...body, status: response.status };
  }

  return {
    db,
    server,
    issuer,
    async provision(tenant) {
      const { tenantId } = await provisionTenant(db.admin, db.cellName, {
        displayName: tenant.slug,
        plan: "growth",
        owner: { phone: "+84901111111", name: "Owner" },
        locations: [{ name: "Main" }],
        ...tenant,
      });
      const { rows } = await db.admin.query(`select id, name, timezone from ${db.schema}.locations where tenant_id = $1 order by name`, [tenantId]);
      return { tenantId, locations: rows };
    },
    gql,
    async ok<T>(member: Member, query: string, variables?: Record<string, unknown>) {
      const result = await gql<T>(member, query, variables);
      if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data;
    },
    async close() {
      await server.close();
      await db.drop();
    },
  };
}

async function waitForRedis(server: CellServer): Promise<void> {
  const redis = server.redis!;
  if (redis.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis not ready: ${redis.status}`)), 5_000);
    redis.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
