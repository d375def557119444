// Users and what they may access, read from the control plane's Postgres schema.
import type { Pool, PoolClient } from "pg";
import type { Membership, Role } from "../../common/auth-claims.js";

export interface User {
  id: string;
  phone: string;
  name: string | null;
  createdAt: Date;
}

type Db = Pool | PoolClient;

interface UserRow {
  id: string;
  phone: string;
  name: string | null;
  created_at: Date;
}
const toUser = (r: UserRow): User => ({ id: r.id, phone: r.phone, name: r.name, createdAt: r.created_at });

/** The user behind a verified phone; first sign-in creates it. */
export async function upsertUserByPhone(db: Db, phone: string): Promise<User> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO control_plane.users (phone, last_login_at) VALUES ($1, now())
     ON CONFLICT (phone) DO UPDATE SET last_login_at = now()
     RETURNING id, phone, name, created_at`,
    [phone],
  );
  return toUser(rows[0]!);
}

export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>("SELECT id, phone, name, created_at FROM control_plane.users WHERE id = $1", [id]);
  return rows[0] ? toUser(rows[0]) : undefined;
}

export async function findUserByPhone(db: Db, phone: string): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>("SELECT id, phone, name, created_at FROM control_plane.users WHERE phone = $1", [phone]);
  return rows[0] ? toUser(rows[0]) : undefined;
}

export async function setUserName(db: Db, id: string, name: string): Promise<User> {
  const { rows } = await db.query<UserRow>("UPDATE control_plane.users SET name = $2 WHERE id = $1 RETURNING id, phone, name, created_at", [id, name]);
  if (!rows[0]) throw new Error(`user ${id} does not exist`);
  return toUser(rows[0]);
}

/** Exactly the shape access tokens carry (common/auth-claims.ts). */
export async function membershipsOf(db: Db, userId: string): Promise<Membership[]> {
  const { rows } = await db.query<{ tenant_slug: string; role: Role; locations: "*" | string[] }>(
    "SELECT tenant_slug, role, locations FROM control_plane.memberships WHERE user_id = $1 ORDER BY created_at, tenant_slug",
    [userId],
  );
  return rows.map((r) => ({ tenant: r.tenant_slug, role: r.role, locations: r.locations }));
}

/** When `phone`'s known devices were last forgotten ("sign out everywhere"), in ms since the epoch. */
export async function devicesForgottenAt(db: Db, phone: string): Promise<number | undefined> {
  const { rows } = await db.query<{ at: Date | null }>("SELECT devices_forgotten_at AS at FROM control_plane.users WHERE phone = $1", [phone]);
  return rows[0]?.at?.getTime();
}

/** Every device token of the user minted until `now` stops naming a known device. */
export async function forgetDevices(db: Db, userId: string, now: Date): Promise<void> {
  await db.query("UPDATE control_plane.users SET devices_forgotten_at = $2 WHERE id = $1", [userId, now]);
}
