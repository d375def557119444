import { builder } from "../builder.js";

export const Channel = builder.enumType("Channel", {
  values: { DINE_IN: { value: "dine_in" }, TAKEAWAY: { value: "takeaway" }, DELIVERY: { value: "delivery" } } as const,
});

export const PaymentMethod = builder.enumType("PaymentMethod", {
  values: {
    CASH: { value: "cash" },
    CARD: { value: "card" },
    MOMO: { value: "momo" },
    ZALOPAY: { value: "zalopay" },
    VNPAY: { value: "vnpay" },
    BANK_TRANSFER: { value: "bank_transfer" },
  } as const,
});

export const Role = builder.enumType("Role", {
  values: { OWNER: { value: "owner" }, MANAGER: { value: "manager" }, STAFF: { value: "staff" } } as const,
});

export const RecommendationStatus = builder.enumType("RecommendationStatus", {
  values: { PENDING: { value: "pending" }, APPROVED: { value: "approved" }, DISMISSED: { value: "dismissed" } } as const,
});

export const RecommendationDecision = builder.enumType("RecommendationDecision", {
  values: { APPROVED: { value: "approved" }, DISMISSED: { value: "dismissed" } } as const,
});

export const PaymentStatus = builder.enumType("PaymentStatus", {
  values: { PENDING: { value: "pending" }, SUCCEEDED: { value: "succeeded" }, FAILED: { value: "failed" }, REFUNDED: { value: "refunded" } } as const,
});
