export * from "./conditions.js";
export * from "./tenant.js";
export * from "./cell.js";
