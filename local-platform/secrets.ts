// Secrets the local platform keeps between runs (the cluster keeps them in Secrets): the router's
// signing key and the OTP pepper. Created once, readable only by the user.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface LocalSecrets {
  routerSigningKey: string;
  otpPepper: string;
}

export function loadOrCreateSecrets(file: string): LocalSecrets {
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as LocalSecrets;
  const secrets: LocalSecrets = { routerSigningKey: randomBytes(32).toString("base64url"), otpPepper: randomBytes(32).toString("base64url") };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
