import net from "node:net";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCenterSim } from "@/simulator/center";
import { SimFleet } from "@/simulator/node/fleet";
import { cmd, container, tailLines } from "@/lib/guardrails/command";
import { registerSecret } from "@/lib/redact";
import { SshEngine, SshTimeoutError, SshUnreachableError, type HostKeyEvent } from "./engine";
import { HostKeyChangedError, MemoryHostKeyStore } from "./host-keys";

// Against real sshd simulated nodes (127.0.31.x so suites never collide).
const A = "127.0.31.11";
const B = "127.0.31.12";
let center: Awaited<ReturnType<typeof startCenterSim>>;
let fleet: SimFleet;
let key: { privateKeyPath: string; publicKey: string };
let hostKeys: MemoryHostKeyStore;
let engine: SshEngine;
const events: HostKeyEvent[] = [];
const dir = "/tmp/k2ops-test-ssh";

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
  key = SimFleet.clientKey(`${dir}/keys`);
  fleet = new SimFleet(`${dir}/nodes`, key.publicKey);
  for (const ip of [A, B]) await fleet.addNode({ ip, name: `n-${ip}`, country: "JP", region: "jp-tokyo", scenario: "healthy", secret: "e".repeat(64), centerUrl: center.url });
  hostKeys = new MemoryHostKeyStore();
  engine = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys, connectTimeoutMs: 3000, onHostKeyEvent: (e) => events.push(e) });
});
afterAll(async () => {
  await engine?.closeAll();
  await fleet?.stop();
  await center?.close();
});

describe("SSH engine against simulated nodes", () => {
  it("pins the host key on first use, then reuses one pooled connection for many commands", async () => {
    const before = engine.connectionsOpened;
    const results = await Promise.all(Array.from({ length: 20 }, () => engine.exec({ host: A }, cmd`docker ps --format '{{.Names}}'`)));
    expect(results.every((r) => r.code === 0 && r.stdout === "k2s\nk2-sidecar\n")).toBe(true);
    expect(engine.connectionsOpened - before).toBe(1);
    expect((await hostKeys.get(A))?.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(events).toContainEqual(expect.objectContaining({ type: "pinned", host: A, fingerprint: (await hostKeys.get(A))?.fingerprint }));
  });

  it("runs at most 8 channels per connection; a 9th waits and still completes", async () => {
    const t0 = performance.now();
    const res = await Promise.all(Array.from({ length: 9 }, () => engine.exec({ host: A }, cmd`sleep 1; echo done`)));
    expect(res.every((r) => r.stdout.trim() === "done")).toBe(true);
    // 8 in parallel (~1 s) then 1 more (~1 s)
    expect(performance.now() - t0).toBeGreaterThan(1900);
  });

  it("sends scripts and secrets on stdin only: the node's command record never contains them", async () => {
    const secret = "s3cr3t-" + "f".repeat(40);
    registerSecret(secret);
    const res = await engine.runScript({ host: B }, `printf '%s' '${secret}' | wc -c`);
    expect(res.stdout.trim()).toBe(String(secret.length));
    const commands = fleet.commands(B).map((c) => c.command);
    expect(commands).toContain("bash -s");
    expect(commands.join("\n")).not.toContain(secret);
  });

  it("quotes every argument: injection payloads reach no shell", async () => {
    expect(() => container("k2s; reboot")).toThrow();
    expect(() => tailLines(Number("1; id"))).toThrow();
    const res = await engine.exec({ host: B }, cmd`docker logs --tail ${tailLines(5)} ${container("k2-sidecar")}`);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain("usage-reporter");
  });

  it("a hanging command times out within its limit and the connection stays usable", async () => {
    fleet.setFault(B, { hangPattern: "^sleep 30" });
    const t0 = performance.now();
    const res = await engine.exec({ host: B }, cmd`sleep 30`, { timeoutMs: 1500 });
    expect(res.timedOut).toBe(true);
    expect(performance.now() - t0).toBeLessThan(4000);
    const t1 = performance.now();
    const err = await engine.exec({ host: B }, cmd`sleep 30`, { timeoutMs: 1000, throwOnTimeout: true }).catch((e) => e);
    expect(err).toBeInstanceOf(SshTimeoutError);
    expect(performance.now() - t1).toBeLessThan(3500);
    fleet.setFault(B, {});
    expect((await engine.exec({ host: B }, cmd`echo alive`)).stdout).toBe("alive\n");
  });

  it("an unreachable node fails fast with a clear error; a silent listener times out", async () => {
    await fleet.setReachable(A, false);
    engine.forget({ host: A });
    await expect(engine.exec({ host: A }, cmd`true`)).rejects.toBeInstanceOf(SshUnreachableError);
    await fleet.setReachable(A, true);
    const silent = net.createServer(() => undefined).listen(2299, "127.0.31.99");
    try {
      const t0 = performance.now();
      await expect(engine.exec({ host: "127.0.31.99", port: 2299 }, cmd`true`)).rejects.toThrow(/timed out/);
      expect(performance.now() - t0).toBeLessThan(7000);
    } finally {
      silent.close();
    }
  });

  it("a changed host key refuses, and nothing runs on the node", async () => {
    await engine.exec({ host: A }, cmd`true`);
    await fleet.changeHostKey(A);
    engine.forget({ host: A });
    const before = fleet.commands(A).length;
    await expect(engine.exec({ host: A }, cmd`echo should-not-run`)).rejects.toBeInstanceOf(HostKeyChangedError);
    expect(fleet.commands(A).length).toBe(before);
    expect(hostKeys.mismatches.map((m) => m.host)).toContain(A);
    expect(events).toContainEqual(expect.objectContaining({ type: "mismatch", host: A }));
    // blocked until cleared: a second attempt is refused too
    await expect(engine.exec({ host: A }, cmd`true`)).rejects.toBeInstanceOf(HostKeyChangedError);
    expect(fleet.commands(A).length).toBe(before);
  });

  it("caps stdout and stderr and flags the result as truncated", async () => {
    const res = await engine.exec({ host: B }, cmd`head -c 100000 /dev/zero; head -c 50000 /dev/zero >&2`, { maxStdout: 1000, maxStderr: 500 });
    expect(res.stdout.length).toBe(1000);
    expect(res.stderr.length).toBe(500);
    expect(res.truncated).toBe(true);
    const small = await engine.exec({ host: B }, cmd`echo ok`, { maxStdout: 1000 });
    expect(small.truncated).toBe(false);
  });

  it("never recycles a connection with an active channel", async () => {
    const running = engine.exec({ host: B }, cmd`sleep 1; echo finished`);
    await new Promise((r) => setTimeout(r, 300));
    expect(engine.stats().busyChannels).toBeGreaterThan(0);
    engine.forget({ host: B }); // a recycle attempt while busy is ignored
    expect((await running).stdout).toBe("finished\n");
    const before = engine.connectionsOpened;
    await engine.exec({ host: B }, cmd`true`);
    expect(engine.connectionsOpened).toBe(before); // the same connection is still pooled
  });

  it("streams live output on its own connection and stops on abort", async () => {
    const ac = new AbortController();
    const chunks: string[] = [];
    const before = engine.connectionsOpened;
    const t0 = performance.now();
    const done = engine.stream({ host: B }, cmd`while true; do echo tick; sleep 0.2; done`, {
      signal: ac.signal,
      onData: (c) => {
        chunks.push(c);
        if (chunks.length >= 3) ac.abort();
      },
    });
    await done;
    expect(chunks.join("")).toContain("tick");
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(engine.connectionsOpened - before).toBe(1);
  });

  it("refuses compose down and secrets on the command line before anything is sent", async () => {
    const before = fleet.commands(B).length;
    await expect(engine.exec({ host: B }, cmd`cd /apps/k2s && docker compose down`)).rejects.toThrow(/compose down/);
    expect(fleet.commands(B).length).toBe(before);
  });
});
