// The subdomain router: {slug}.<base domain> → the cell serving that tenant.
// See docs/router.md.
export { createRouter, DEFAULT_ENGINE, type Router, type RouterEngine, type RouterOptions } from "./router.js";
export { RouteTable, type RouteSpec, type Route } from "./route-table.js";
export { HostResolver, type HostParse } from "./host.js";
export { RouterErrors, type RouterErrorCode } from "./errors.js";
export { DEFAULT_LIMITS, type RouterLimits } from "./state.js";
export type { RouteSource } from "./sources/route-source.js";
export { LocalRouteSource, StaticRouteSource } from "./sources/local.js";
export { FileRouteSource } from "./sources/file.js";
export { KubernetesRouteSource, type KubernetesRouteSourceOptions } from "./sources/kubernetes.js";
export { routeSpecOf } from "./sources/tenant-routes.js";
export { readSnapshot } from "./snapshot.js";
