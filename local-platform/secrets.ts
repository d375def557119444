// Secrets the local platform keeps between runs (the cluster keeps them in Secrets): the router's
// signing key, the OTP pepper and the platform key for cells' usage feeds. Created once, readable only by the user.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface LocalSecrets {
  routerSigningKey: string;
  otpPepper: string;
  /** Bearer key the control plane uses to read cells' usage feeds (/internal/*). */
  platformKey: string;
}

const fresh = () => randomBytes(32).toString("base64url");

/** Reads the secrets, adding any a newer version of the platform needs (older data folders lack them). */
export function loadOrCreateSecrets(file: string): LocalSecrets {
  const stored = (existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {}) as Partial<LocalSecrets>;
  const secrets: LocalSecrets = { routerSigningKey: stored.routerSigningKey ?? fresh(), otpPepper: stored.otpPepper ?? fresh(), platformKey: stored.platformKey ?? fresh() };
  if (JSON.stringify(stored) !== JSON.stringify(secrets)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}
