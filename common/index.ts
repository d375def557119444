// Small pieces every LSP component shares: the router↔cell tenant header, access-token claims,
// logging. Nothing here talks to a service.
export * from "./tenant-header.js";
export * from "./auth-claims.js";
export * from "./logger.js";
export * from "./pg-disconnects.js";
export * from "./pg-transaction.js";
