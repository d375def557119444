// The cell's connection to its Postgres schema: one pg pool shared by Prisma (through the pg
// adapter) and the few hot paths that use SQL directly. Every tenant's query runs in a
// transaction that first sets app.tenant_id, the key of every row-level security policy.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.js";
import { tenantScoped, type TenantPrisma } from "./tenant-scope.js";
import { surviveDisconnects } from "../../common/pg-disconnects.js";
import { SerialClient } from "../../common/pg-serial-client.js";
import { inTransaction } from "../../common/pg-transaction.js";

export interface DatabaseConfig {
  /** Connection string of the cell's API role (never the admin: RLS must apply). */
  connectionString: string;
  schema: string;
  poolSize?: number;
}

export interface Database {
  pool: pg.Pool;
  /** Unscoped client: sees no tenant rows (RLS); used only through forTenant/transaction. */
  prisma: PrismaClient;
  /** A Prisma client whose every operation runs with the tenant set. Cached per tenant. */
  forTenant(tenantId: string): TenantPrisma;
  /** An interactive Prisma transaction with the tenant set, for multi-step writes. */
  transaction<T>(tenantId: string, work: (tx: TransactionClient) => Promise<T>): Promise<T>;
  /**
   * A raw pg transaction with the tenant set, for the hot paths (order writes, dashboards).
   * `snapshot`: read-only, every statement sees the same snapshot (REPEATABLE READ), so figures
   * read in several statements cannot mix a sale committed between them.
   */
  sql<T>(tenantId: string, work: (client: pg.PoolClient) => Promise<T>, options?: { snapshot?: boolean }): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type TransactionClient = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

const SET_TENANT = "select set_config('app.tenant_id', $1, true)";
/**
 * Connections per API process. Measured on a 2-core Postgres (docs/benchmarks/cell.md): 8 instead of
 * 20 cut Postgres CPU per sale by about a fifth (fewer backends contending for the same aggregate
 * rows and cores) without lowering throughput; requests beyond it wait in the pool, which is cheap.
 */
export const DEFAULT_POOL_SIZE = 8;
const MAX_CACHED_TENANTS = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function assertUuid(value: string): string {
  if (!UUID.test(value)) throw new Error(`tenantId: expected a UUID, got ${JSON.stringify(value)}`);
  return value;
}

export function createDatabase(config: DatabaseConfig): Database {
  // A dropped connection (idle or in use) must not crash the process; the pool replaces it.
  // SerialClient: Prisma's pg adapter issues a transaction's sibling queries at once (pg-serial-client.ts).
  const pool = surviveDisconnects(new pg.Pool({ connectionString: config.connectionString, max: config.poolSize ?? DEFAULT_POOL_SIZE, idleTimeoutMillis: 30_000, Client: SerialClient }));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { schema: config.schema }) });
  const scoped = new Map<string, TenantPrisma>();

  return {
    pool,
    prisma,
    forTenant(tenantId) {
      let client = scoped.get(tenantId);
      if (!client) {
        if (scoped.size >= MAX_CACHED_TENANTS) scoped.delete(scoped.keys().next().value!);
        client = tenantScoped(prisma, tenantId);
        scoped.set(tenantId, client);
      }
      return client;
    },
    transaction(tenantId, work) {
      return prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(SET_TENANT, tenantId);
        return work(tx);
      });
    },
    sql(tenantId, work, options) {
      // One round trip for both; the id is checked to be a UUID, so inlining it is safe.
      const begin = options?.snapshot ? "begin isolation level repeatable read read only" : "begin";
      return inTransaction(pool, work, `${begin}; select set_config('app.tenant_id', '${assertUuid(tenantId)}', true)`);
    },
    async ping() {
      await pool.query("select 1");
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
