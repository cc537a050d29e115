import { z } from "zod";

// viewer reads; operator runs node operations; admin also manages users,
// clears changed host keys and sets custom domains.
export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function hasRole(actual: Role | string | null | undefined, required: Role): boolean {
  if (!actual || !(actual in RANK)) return false;
  return RANK[actual as Role] >= RANK[required];
}

export type SessionUser = { id: string; email: string; name: string; role: Role };
