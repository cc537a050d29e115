import { db } from "@/lib/db";
import { createUser } from "./users";
import type { Role } from "./roles";

// Documented demo accounts for the simulated-fleet start (README). Created only
// when K2OPS_DEMO_USERS=1 and only if missing; never in a real deployment.
export const DEMO_PASSWORD = "k2ops-demo-pass";
export const DEMO_USERS: { email: string; name: string; role: Role }[] = [
  { email: "admin@k2ops.local", name: "Demo admin", role: "admin" },
  { email: "operator@k2ops.local", name: "Demo operator", role: "operator" },
  { email: "viewer@k2ops.local", name: "Demo viewer", role: "viewer" },
];

export async function ensureDemoUsers(): Promise<string[]> {
  const created: string[] = [];
  for (const u of DEMO_USERS) {
    if (await db().user.findUnique({ where: { email: u.email } })) continue;
    await createUser({ ...u, password: DEMO_PASSWORD });
    created.push(u.email);
  }
  return created;
}
