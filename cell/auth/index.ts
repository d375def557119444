export { identifyCaller, canSeeFigures, canSeeLocation, canSeeOrderAt, STAFF_ORDER_WINDOW_MS, locationFilter, type Caller, type CallerDeps } from "./caller.js";
export { keySet, verifyAccessToken, InvalidAccessTokenError, type KeySource, type VerifiedAccessToken } from "./access-token.js";
export { tenantDirectory, type TenantDirectory, type TenantRecord } from "./tenant-directory.js";
