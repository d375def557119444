// A MoMo merchant account for the load-test tenant, in the cell's PAYMENT_PROVIDERS_FILE format
// (cell/payments/config.ts). Local cells are child processes of the platform and inherit its
// environment, so setting the variable before the platform starts the cell is enough.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { MomoAccount } from "./k6.js";

export function loadTestMomoAccount(): MomoAccount {
  return { partnerCode: "MOMOK6LOAD01", accessKey: randomBytes(8).toString("hex"), secretKey: randomBytes(24).toString("hex") };
}

/** Writes the file and points PAYMENT_PROVIDERS_FILE at it for cells started from now on. */
export function configureLocalPayments(file: string, slug: string, momo: MomoAccount): void {
  writeFileSync(file, JSON.stringify({ tenants: { [slug]: { momo: [momo] } } }, null, 2), { mode: 0o600 });
  process.env.PAYMENT_PROVIDERS_FILE = file;
}
