// The cell: the API restaurant staff and owners use every day (GraphQL over the cell's own
// Postgres schema), plus the provisioning functions the operator and local platform call.
export { createCellServer, configFromEnv, CellConfigError, type CellServer, type CellServerConfig, type CellServerOptions } from "./server/index.js";
export * from "./provisioning/index.js";
