// Prisma CLI configuration: the cell's schema lives in cell/prisma/. `npx prisma generate` from
// the repository root (scripts/bootstrap.sh) writes the client to cell/generated/. Migrations are
// plain SQL applied per cell schema by cell/provisioning (see docs/adr/0300-*.md); a datasource
// URL is only needed by commands this project does not run here (migrate/db push).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "cell/prisma/schema.prisma",
  migrations: { path: "cell/prisma/migrations" },
  ...(process.env.DATABASE_URL ? { datasource: { url: process.env.DATABASE_URL } } : {}),
});
