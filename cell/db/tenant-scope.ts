// Prisma client extension that runs every model operation in a batch transaction whose first
// statement sets the tenant, so row-level security sees the right tenant on the same connection.
// (Prisma's documented pattern for RLS; the setting is transaction-local, so a pooled connection
// never carries one request's tenant into another's.)
import type { PrismaClient } from "../generated/prisma/client.js";

export function tenantScoped(prisma: PrismaClient, tenantId: string) {
  return prisma.$extends({
    name: "tenant-scope",
    query: {
      $allModels: {
        async $allOperations({ args, query }) {
          const [, result] = await prisma.$transaction([
            prisma.$executeRaw`select set_config('app.tenant_id', ${tenantId}, true)`,
            query(args),
          ]);
          return result;
        },
      },
    },
  });
}

export type TenantPrisma = ReturnType<typeof tenantScoped>;
