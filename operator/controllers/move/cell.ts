// The cell's move and naming contracts, in one place for this controller.
export * from "../../../cell/moves/index.js";
export { cellDatabaseNames } from "../../../cell/provisioning/index.js";
