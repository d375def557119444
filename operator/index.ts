// The operator's public entry: start it in-process (tests, the local platform) or via main.ts.
export { startOperator, type OperatorHandle, type OperatorHooks } from "./manager.js";
export { parseConfig, configFromEnv, cellTemplate, InvalidConfigError, type OperatorConfig, type OperatorConfigInput } from "./config.js";
export { placeTenant, type PlacementDecision, type PlacementView, type PlacementCell, type PlacementTenant } from "./placement/placement.js";
export { PlacementBook, type ObservedState } from "./placement/book.js";
export { PlatformDatabase } from "./database.js";
export { crds, renderCrds } from "./api/v1alpha1/crds.js";
export { operatorRbacRules } from "./rbac.js";
export * from "./api/v1alpha1/index.js";
export { cellWorkloads, type ManifestContext } from "./controllers/cell/manifests.js";
