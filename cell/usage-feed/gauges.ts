// Point-in-time usage of a tenant: how many locations and staff seats it has right now. Billing
// charges per location and per seat, so the control plane samples these once a day.
import type { Database } from "../db/index.js";

export interface UsageGauges {
  activeLocations: number;
  staffSeats: number;
  /** When the reading was taken (the database's clock). */
  at: string;
}

export async function readUsageGauges(db: Database, tenantId: string): Promise<UsageGauges> {
  const row = await db.sql(tenantId, async (client) => {
    const { rows } = await client.query<{ locations: number; seats: number; at: Date }>(
      `select (select count(*) from locations)::int as locations,
              (select count(*) from staff_members)::int as seats,
              statement_timestamp() as at`,
    );
    return rows[0]!;
  });
  return { activeLocations: row.locations, staffSeats: row.seats, at: row.at.toISOString() };
}
