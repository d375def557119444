export { createCellServer, type CellServer, type CellServerOptions } from "./server.js";
export { configFromEnv, CellConfigError, type CellServerConfig } from "./config.js";
export { TRACER_NAME } from "./observability.js";
