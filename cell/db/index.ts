export { createDatabase, DEFAULT_POOL_SIZE, type Database, type DatabaseConfig, type TransactionClient } from "./database.js";
export type { TenantPrisma } from "./tenant-scope.js";
export { Prisma, type PrismaClient } from "../generated/prisma/client.js";
