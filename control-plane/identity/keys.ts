// The signing keys behind access tokens, and their rotation without downtime:
//   1. `rotate()` adds a key that is published in the JWKS at once but signs only from `activateAt`
//      (a lead long enough for every replica to reload and every cell to be able to see it);
//   2. from `activateAt` new tokens carry the new kid; older keys get `retireAt` = activation +
//      access-token lifetime, so tokens they signed stay verifiable until they expire;
//   3. past `retireAt` a key leaves the JWKS and is pruned at the next rotation.
// Keys live in a KeyStore: a directory (a mounted Secret, shared by replicas) or memory for tests.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";

export const SIGNING_ALG = "EdDSA";

export interface StoredSigningKey {
  kid: string;
  alg: typeof SIGNING_ALG;
  privateJwk: JWK;
  publicJwk: JWK;
  createdAt: string;
  activateAt: string;
  retireAt?: string;
}

export interface KeyStore {
  list(): Promise<StoredSigningKey[]>;
  save(key: StoredSigningKey): Promise<void>;
  remove(kid: string): Promise<void>;
}

export class MemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, StoredSigningKey>();
  async list() {
    return [...this.keys.values()].map((k) => structuredClone(k));
  }
  async save(key: StoredSigningKey) {
    this.keys.set(key.kid, structuredClone(key));
  }
  async remove(kid: string) {
    this.keys.delete(kid);
  }
}

/** One `<kid>.json` per key, readable only by the owner. */
export class DirectoryKeyStore implements KeyStore {
  constructor(readonly dir: string) {}
  async list() {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => {
        try {
          return JSON.parse(readFileSync(join(this.dir, f), "utf8")) as StoredSigningKey;
        } catch (error) {
          throw new Error(`signing key file ${join(this.dir, f)} is not valid JSON: ${(error as Error).message}`, { cause: error });
        }
      });
  }
  async save(key: StoredSigningKey) {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, `${key.kid}.json`);
    writeFileSync(file, JSON.stringify(key, null, 2), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  async remove(kid: string) {
    rmSync(join(this.dir, `${kid}.json`), { force: true });
  }
}

export interface RotationOptions {
  /** How long a new key is published before it signs. */
  publishLeadSeconds?: number;
  /** Lifetime of what the old key signed; it stays published this long after the switch. */
  accessTokenTtlSeconds?: number;
  now?: Date;
}

interface LoadedKey {
  stored: StoredSigningKey;
  privateKey: CryptoKey;
}

export class KeyRing {
  private keys: LoadedKey[] = [];
  /** Bumped on every reload, so holders of derived state (a parsed JWKS) know to rebuild it. */
  generation = 0;

  constructor(readonly store: KeyStore) {}

  /** Loads the store; with none in it, creates a first key that signs at once. */
  async init(): Promise<this> {
    if ((await this.store.list()).length === 0) await this.store.save(await newKey(new Date(), new Date()));
    await this.reload();
    return this;
  }

  async reload(): Promise<void> {
    const stored = await this.store.list();
    this.keys = await Promise.all(stored.map(async (s) => ({ stored: s, privateKey: (await importJWK(s.privateJwk, SIGNING_ALG)) as CryptoKey })));
    // By activation; on a tie (a rotation with no publish lead in the same millisecond as the
    // key before it) the key a rotation retired sorts first, so the new one is the one that signs.
    this.keys.sort((a, b) => a.stored.activateAt.localeCompare(b.stored.activateAt) || Number(!a.stored.retireAt) - Number(!b.stored.retireAt));
    this.generation++;
  }

  /** The most recently activated key; signing never waits for a key that is only published. */
  signingKey(now = new Date()): { kid: string; key: CryptoKey } {
    const iso = now.toISOString();
    const active = this.keys.filter((k) => k.stored.activateAt <= iso && (!k.stored.retireAt || k.stored.retireAt > iso)).at(-1);
    if (!active) throw new Error("no signing key is active: run `control-plane keys rotate` or check SIGNING_KEYS_DIR");
    return { kid: active.stored.kid, key: active.privateKey };
  }

  jwks(now = new Date()): { keys: JWK[] } {
    const iso = now.toISOString();
    return { keys: this.keys.filter((k) => !k.stored.retireAt || k.stored.retireAt > iso).map((k) => k.stored.publicJwk) };
  }

  async rotate(options: RotationOptions = {}): Promise<StoredSigningKey> {
    const now = options.now ?? new Date();
    const activateAt = new Date(now.getTime() + (options.publishLeadSeconds ?? 60) * 1000);
    const retireAt = new Date(activateAt.getTime() + ((options.accessTokenTtlSeconds ?? 900) + 60) * 1000).toISOString();
    const key = await newKey(now, activateAt);
    await this.store.save(key);
    for (const old of await this.store.list()) {
      if (old.kid === key.kid) continue;
      // A key still waiting to activate has signed nothing: dropped, so it cannot take over
      // signing after this rotation (an emergency rotation right after a routine one).
      if (old.activateAt > now.toISOString()) await this.store.remove(old.kid);
      else if (old.retireAt && old.retireAt <= now.toISOString()) await this.store.remove(old.kid);
      else if (!old.retireAt || old.retireAt > retireAt) await this.store.save({ ...old, retireAt });
    }
    await this.reload();
    return key;
  }
}

async function newKey(now: Date, activateAt: Date): Promise<StoredSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { crv: "Ed25519", extractable: true });
  // Date-prefixed so a kid tells an operator when the key was made.
  const kid = `${now.toISOString().slice(0, 10)}-${randomBytes(4).toString("hex")}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: "sig" };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG };
  return { kid, alg: SIGNING_ALG, privateJwk, publicJwk, createdAt: now.toISOString(), activateAt: activateAt.toISOString() };
}
