import { afterEach, describe, expect, it } from "vitest";
import { sshEngine } from "@/lib/node-ops/engine";
import { sshPoolStats } from "./ssh";

// The metrics read the process's SSH engine without creating it; this pins the
// contract with lib/node-ops/engine.ts (the engine on globalThis.k2opsSsh).

const g = globalThis as unknown as { k2opsSsh?: unknown };
const savedKey = process.env.K2OPS_SSH_KEY;
afterEach(async () => {
  g.k2opsSsh = undefined;
  if (savedKey === undefined) delete process.env.K2OPS_SSH_KEY;
  else process.env.K2OPS_SSH_KEY = savedKey;
});

describe("the SSH pool's figures", () => {
  it("no engine in this process: all zeros, and reading them does not create one", () => {
    g.k2opsSsh = undefined;
    expect(sshPoolStats()).toEqual({ connections: 0, idleConnections: 0, busyChannels: 0, connectionsOpened: 0 });
    expect(g.k2opsSsh).toBeUndefined();
  });

  it("reads the very engine sshEngine() created (its pool and its opened count)", () => {
    process.env.K2OPS_SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key-for-the-metrics-test\n-----END OPENSSH PRIVATE KEY-----\n";
    const engine = sshEngine();
    engine.connectionsOpened = 7;
    expect(sshPoolStats()).toEqual({ connections: 0, idleConnections: 0, busyChannels: 0, connectionsOpened: 7 });
  });

  it("counts idle connections (no channel in use) apart from busy ones, and the channels in use", () => {
    process.env.K2OPS_SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key-for-the-metrics-test\n-----END OPENSSH PRIVATE KEY-----\n";
    const engine = sshEngine();
    // the pool is private: three connections, one idle, two with 1 and 3 channels in use
    const pool = (engine as unknown as { pool: Map<string, { active: number }> }).pool;
    pool.set("a", { active: 0 });
    pool.set("b", { active: 1 });
    pool.set("c", { active: 3 });
    expect(sshPoolStats()).toEqual({ connections: 3, idleConnections: 1, busyChannels: 4, connectionsOpened: 0 });
    pool.clear();
  });
});
