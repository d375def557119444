export { identifyCaller, canSeeFigures, canSeeLocation, locationFilter, type Caller, type CallerDeps } from "./caller.js";
export { keySet, verifyAccessToken, InvalidAccessTokenError, type KeySource, type VerifiedAccessToken } from "./access-token.js";
export { tenantDirectory, type TenantDirectory, type TenantRecord } from "./tenant-directory.js";
