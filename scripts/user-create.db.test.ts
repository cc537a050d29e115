import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { checkCredentials, ensureFirstAdmin } from "@/lib/auth/users";

// `npm run user:create` and the first admin from the environment, against a
// real database (embedded, and PostgreSQL 15 in the test command's second pass).

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());

const ROOT = path.resolve(import.meta.dirname, "..");

/** Runs the script as an operator would; the password goes in on stdin. */
async function userCreate(args: string[], stdin: string, env: Record<string, string> = {}) {
  // the embedded test database serves one session at a time: let the script have it
  await t.prisma.$disconnect();
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/user-create.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.url, K2OPS_NEW_USER_PASSWORD: "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.stdin.end(stdin);
    p.on("close", (code) => resolve({ code, out }));
  });
}

describe("npm run user:create", () => {
  it("creates an account with the password read from stdin, never from the command line", async () => {
    const r = await userCreate(["--email", "Ops.Lead@Example.test", "--role", "admin", "--name", "Ops Lead"], "a-long-stdin-password\n");
    expect(r.out).toContain("created ops.lead@example.test (admin)");
    expect(r.code).toBe(0);
    expect(r.out).not.toContain("a-long-stdin-password");
    const res = await checkCredentials("ops.lead@example.test", "a-long-stdin-password");
    expect(res).toMatchObject({ ok: true, user: { role: "admin", name: "Ops Lead" } });
  }, 60_000);

  it("refuses bad input with field messages and exit code 2, creating nothing", async () => {
    const before = await t.prisma.user.count();
    const r = await userCreate(["--email", "not-an-email", "--role", "root"], "short\n");
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/email: Enter a valid email address/);
    expect(r.out).toMatch(/role: /);
    expect(r.out).toMatch(/password: Password must be at least 10 characters/);
    expect(await t.prisma.user.count()).toBe(before);
  }, 60_000);

  it("refuses a duplicate email with exit code 1", async () => {
    const r = await userCreate(["--email", "ops.lead@example.test", "--role", "viewer"], "another-long-password\n");
    expect(r.code).toBe(1);
    expect(r.out).toContain("a user with that email already exists");
    expect(await checkCredentials("ops.lead@example.test", "a-long-stdin-password")).toMatchObject({ ok: true, user: { role: "admin" } });
  }, 60_000);
});

describe("first admin from the environment", () => {
  it("is created only when configured and no admin exists, and never overwrites an account", async () => {
    await t.prisma.user.deleteMany();
    expect(await ensureFirstAdmin({})).toBe("not-configured");
    expect(await ensureFirstAdmin({ K2OPS_ADMIN_EMAIL: "first@example.test", K2OPS_ADMIN_PASSWORD: "first-admin-password" })).toBe("created");
    expect(await checkCredentials("first@example.test", "first-admin-password")).toMatchObject({ ok: true, user: { role: "admin" } });
    // a second start with other values changes nothing
    expect(await ensureFirstAdmin({ K2OPS_ADMIN_EMAIL: "first@example.test", K2OPS_ADMIN_PASSWORD: "other-password-123" })).toBe("exists");
    expect(await ensureFirstAdmin({ K2OPS_ADMIN_EMAIL: "second@example.test", K2OPS_ADMIN_PASSWORD: "other-password-123" })).toBe("exists");
    expect(await checkCredentials("first@example.test", "first-admin-password")).toMatchObject({ ok: true });
    expect(await t.prisma.user.count()).toBe(1);
  });

  it("a too-short password in the environment is an error, not a weak admin", async () => {
    await t.prisma.user.deleteMany();
    await expect(ensureFirstAdmin({ K2OPS_ADMIN_EMAIL: "first@example.test", K2OPS_ADMIN_PASSWORD: "short" })).rejects.toThrow();
    expect(await t.prisma.user.count()).toBe(0);
  });
});
