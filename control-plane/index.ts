// The control plane's public entry: the server factory for main.ts and the local platform, the
// Tenant registry contract, and the offline token verifier cells import.
export { createControlPlane, type ControlPlane, type ControlPlaneConfig } from "./server.js";
export { verifyAccessToken, bearerToken, AccessTokenError, type VerifiedAccessToken, type VerifyOptions } from "./identity/verify-access-token.js";
export { KeyRing, DirectoryKeyStore, MemoryKeyStore, type KeyStore } from "./identity/keys.js";
export { OutboxSmsProvider, type SmsProvider, type SmsMessage } from "./identity/sms.js";
export { SpeedSmsProvider, type SpeedSmsOptions } from "./identity/speedsms.js";
export { normalizeVietnamesePhone } from "./identity/phone.js";
export { type TenantRegistry, TenantExistsError, tenantManifest, isTenantReady, waitForTenantReady } from "./onboarding/tenant-registry.js";
export { MemoryTenantRegistry } from "./onboarding/memory-registry.js";
export { KubernetesTenantRegistry } from "./onboarding/kubernetes-registry.js";
export { checkSlug, RESERVED_SLUGS } from "./onboarding/slug.js";
export { migrate } from "./db/migrate.js";
