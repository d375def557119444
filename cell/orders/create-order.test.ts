import { describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import { requestHash, type OrderRequest } from "./index.js";

const PHO = "0b7f9c1e-4a4e-4d53-9f3e-2f1f4c8e9a10";
const TRA = "5c2d8e4f-1a3b-4c6d-8e9f-0a1b2c3d4e5f";
const sale = (lines: OrderRequest["lines"]): OrderRequest => ({
  locationId: "8a9b0c1d-2e3f-4a5b-8c7d-9e0f1a2b3c4d",
  idempotencyKey: "till-1:0001",
  channel: "dine_in",
  paymentMethod: "cash",
  orderedAt: new Date("2026-03-01T05:00:00Z"),
  lines,
});

describe("Given the request hash that tells a retry from a different sale", () => {
  it("hashes one sale alike however its item ids are spelled or its lines grouped, as create_order records it", () => {
    const hash = requestHash(sale([{ menuItemId: PHO, quantity: 2 }, { menuItemId: TRA, quantity: 1 }]));
    expect(requestHash(sale([{ menuItemId: TRA.toUpperCase(), quantity: 1 }, { menuItemId: PHO.toUpperCase(), quantity: 2 }]))).toBe(hash);
    expect(requestHash(sale([{ menuItemId: PHO, quantity: 1 }, { menuItemId: TRA, quantity: 1 }, { menuItemId: PHO.toUpperCase(), quantity: 1 }]))).toBe(hash);
    expect(requestHash(sale([{ menuItemId: PHO, quantity: 3 }, { menuItemId: TRA, quantity: 1 }]))).not.toBe(hash);
  });

  it("hashes a request already in that form exactly as before, so keys recorded earlier still replay", () => {
    const request = sale([{ menuItemId: TRA, quantity: 1 }, { menuItemId: PHO, quantity: 2 }]);
    // The hash as it was computed before lines were normalised (sorted, nothing else).
    const earlier = JSON.stringify([request.locationId, request.channel, request.paymentMethod, request.orderedAt!.toISOString(), null, [[PHO, 2], [TRA, 1]]]);
    expect(requestHash(request)).toBe(createHash("sha256").update(earlier).digest("hex"));
  });
});
