import { describe, expect, it, vi } from "vitest";

// Next.js bundles a module once per entry; the SSH and job engines live on globalThis and throw
// the error classes of whichever copy made them. instanceof must still tell them apart.
async function twoCopies<T>(load: () => Promise<T>): Promise<[T, T]> {
  const a = await load();
  vi.resetModules();
  const b = await load();
  return [a, b];
}

describe("k2ops' errors are recognised across copies of their module (sameAcrossBundles)", () => {
  it("an SSH error of one copy is that error for the other copy, and no other", async () => {
    const [a, b] = await twoCopies(() => import("@/lib/ssh/engine-types"));
    expect(a.SshUnreachableError).not.toBe(b.SshUnreachableError);
    const unreachable = new a.SshUnreachableError("10.0.0.1", "ECONNREFUSED");
    expect(unreachable instanceof b.SshUnreachableError).toBe(true);
    expect(unreachable instanceof b.SshAuthError).toBe(false);
    expect(unreachable instanceof b.SshTimeoutError).toBe(false);
    expect(unreachable instanceof Error).toBe(true);
    expect(new Error("x") instanceof b.SshUnreachableError).toBe(false);
    expect({ name: "SshUnreachableError", message: "forged" } instanceof b.SshUnreachableError).toBe(false);
  });

  it("a subclass is its parent for every copy; the parent is not the subclass", async () => {
    const [a, b] = await twoCopies(async () => ({ ...(await import("@/lib/errors")), ...(await import("@/lib/auth/users")) }));
    expect(a.ActionFailure).not.toBe(b.ActionFailure);
    const rule = new a.UserRuleError("No such user.");
    expect(rule instanceof b.ActionFailure).toBe(true);
    expect(rule instanceof b.UserRuleError).toBe(true);
    expect(new a.ActionFailure("busy", "x") instanceof b.UserRuleError).toBe(false);
    const busy = new (await import("@/lib/guardrails/lock")).NodeBusyError("n", "op", "me", new Date(0));
    expect(busy instanceof b.ActionFailure).toBe(false);
  });
});
