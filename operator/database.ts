// The platform Postgres, seen by the operator: a small pool and the cell engineer's provisioning
// functions (cell/provisioning). No SQL of the cell's tables lives here. No Kubernetes client either,
// so the local platform can reuse it.
import pg from "pg";
import { surviveDisconnects } from "../common/pg-disconnects.js";
import {
  cellDatabaseNames,
  deprovisionTenant,
  dropCellDatabase,
  ensureCellDatabase,
  provisionTenant,
  type CellDatabase,
  type TenantProvisioning,
} from "../cell/provisioning/index.js";

export class PlatformDatabase {
  private readonly pool: pg.Pool;

  constructor(readonly url: string, maxConnections = 4) {
    // A client's error (server restart), idle or in use, must not crash the operator; the next checkout reconnects.
    this.pool = surviveDisconnects(new pg.Pool({ connectionString: url, max: maxConnections, idleTimeoutMillis: 30_000 }));
  }

  private async with<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }

  ensureCell(cellName: string, rolePassword: string): Promise<CellDatabase> {
    return this.with((c) => ensureCellDatabase(c, cellName, rolePassword));
  }

  dropCell(cellName: string): Promise<void> {
    return this.with((c) => dropCellDatabase(c, cellName));
  }

  provisionTenant(cellName: string, tenant: TenantProvisioning): Promise<{ tenantId: string }> {
    return this.with((c) => provisionTenant(c, cellName, tenant));
  }

  deprovisionTenant(cellName: string, slug: string, mode: "delete" | "archive"): Promise<void> {
    return this.with((c) => deprovisionTenant(c, cellName, slug, mode));
  }

  /** Connection string the cell API uses: the platform server, the cell's own role. */
  cellConnectionString(cellName: string, password: string): string {
    const url = new URL(this.url);
    url.username = cellDatabaseNames(cellName).role;
    url.password = password;
    return url.toString();
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
