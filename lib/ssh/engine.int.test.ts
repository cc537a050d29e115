import net from "node:net";
import fs from "node:fs";
import crypto from "node:crypto";
import { Server } from "ssh2";
import { generateEd25519KeyPair } from "./ed25519";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startCenterSim } from "@/simulator/center";
import { SimFleet, type HostKeyType } from "@/simulator/node/fleet";
import { Arg, cmd, container, tailLines } from "@/lib/guardrails/command";
import { MemoryNodeLocks, NodeBusyError, withNodeLock } from "@/lib/guardrails/lock";
import { registerSecret } from "@/lib/redact";
import { SshCancelledError, SshEngine, SshTimeoutError, SshUnreachableError, type ExecResult, type HostKeyEvent } from "./engine";
import { HostKeyChangedError, HostKeyNewTypeError, MemoryHostKeyStore } from "./host-keys";
import { withCancelSignal } from "./scope";

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

  it("hands a long command's output over live, line by line and redacted, as well as whole in the result", async () => {
    const secret = "l1ve-" + "e".repeat(40);
    registerSecret(secret);
    const seen: { line: string; at: number }[] = [];
    const t0 = performance.now();
    const res = await engine.runScript({ host: B }, `echo 'step 1'; sleep 1; printf 'key=%s\n' '${secret}'; printf 'no newline at the end'`, { onLine: (line) => seen.push({ line, at: performance.now() - t0 }) });
    expect(seen.map((s) => s.line)).toEqual(["step 1", "key=<redacted>", "no newline at the end"]);
    // the first line arrived before the command ended
    expect(seen[0].at).toBeLessThan(res.durationMs - 500);
    expect(res.stdout).toContain("step 1\n");
  });

  it("quotes every argument: injection payloads reach no shell", async () => {
    expect(() => container("k2s; reboot")).toThrow();
    expect(() => tailLines(Number("1; id"))).toThrow();
    const res = await engine.exec({ host: B }, cmd`docker logs --tail ${tailLines(5)} ${container("k2-sidecar")}`);
    expect(res.code).toBe(0);
    // the sidecar's slog lines came back through the quoted arguments
    expect(res.stderr).toMatch(/level=(INFO|WARN)/);
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

// ---- issue #10: bounded execs, killed process groups, per-type host keys ----

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fails instead of hanging when a promise never settles (the bug these tests catch). */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`did not settle within ${ms} ms`)))]);
}

/** Host processes whose command line contains `needle` (the simulated nodes share the host's pid namespace). */
function processesWith(needle: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      const line = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (line.includes(needle)) found.push(`${pid}: ${line}`);
    } catch {
      /* gone */
    }
  }
  return found;
}

/** A unique sleep + marker file: after the kill neither may exist. */
function markerJob() {
  const tag = crypto.randomBytes(4).toString("hex");
  const secs = `3.${parseInt(tag, 16) % 9000 + 1000}`;
  const marker = `/tmp/k2ops-marker-${tag}`;
  return { secs, marker, script: `sleep ${secs}; touch ${marker}` };
}

describe("an exec the server never answers is bounded (issue #10, item 6)", () => {
  // a tiny SSH server that authenticates anyone, then ignores channel opens or exec requests
  async function silentServer(mode: "channel" | "exec"): Promise<{ port: number; close: () => void }> {
    const hostKey = generateEd25519KeyPair().private;
    const srv = new Server({ hostKeys: [hostKey] }, (client) => {
      client.on("error", () => undefined);
      client.on("authentication", (ctx) => ctx.accept());
      client.on("ready", () => {
        client.on("session", (accept) => {
          if (mode === "channel") return; // never accepted, never rejected
          const session = accept();
          session.on("exec", () => undefined); // never answered
        });
      });
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    return { port: (srv.address() as net.AddressInfo).port, close: () => srv.close() };
  }

  it.each([
    ["channel", "channel", "not-started"],
    ["exec", "exec", "unconfirmed"],
  ] as const)("a server that ignores the %s request: settles at the deadline and names the phase", async (mode, phase, killed) => {
    const srv = await silentServer(mode);
    const eng = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys: new MemoryHostKeyStore(), connectTimeoutMs: 3000 });
    try {
      const t0 = performance.now();
      const res = await within(eng.exec({ host: "127.0.0.1", port: srv.port }, cmd`true`, { timeoutMs: 2000 }), 8000);
      expect(performance.now() - t0).toBeLessThan(4000);
      expect(res).toMatchObject({ timedOut: true, phase, killed });
      const err = await within(eng.exec({ host: "127.0.0.1", port: srv.port }, cmd`true`, { timeoutMs: 1000, throwOnTimeout: true }).catch((e) => e), 8000);
      expect(err).toBeInstanceOf(SshTimeoutError);
      expect(err.message).toMatch(mode === "channel" ? /did not open a channel/ : /did not answer the exec request/);
    } finally {
      await eng.closeAll();
      srv.close();
    }
  }, 30_000);

  it("waiting for a channel slot counts against the deadline", async () => {
    const eng = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys, connectTimeoutMs: 3000, maxChannelsPerConn: 2 });
    try {
      const busy = [eng.exec({ host: B }, cmd`sleep 2`), eng.exec({ host: B }, cmd`sleep 2`)];
      await sleep(300);
      const t0 = performance.now();
      const res = await within(eng.exec({ host: B }, cmd`echo late`, { timeoutMs: 800 }), 5000);
      expect(performance.now() - t0).toBeLessThan(1500);
      expect(res).toMatchObject({ timedOut: true, phase: "slot", killed: "not-started", stdout: "" });
      expect((await Promise.all(busy)).every((r) => r.code === 0)).toBe(true);
    } finally {
      await eng.closeAll();
    }
  });
});

describe("a timed-out or cancelled command is killed on the node (issue #10, item 7)", () => {
  async function expectGone(job: ReturnType<typeof markerJob>) {
    // the marker would appear ~3 s after the start: look after 5 s
    await sleep(5000);
    expect(fs.existsSync(job.marker)).toBe(false);
    expect(processesWith(`sleep ${job.secs}`)).toEqual([]);
    expect(processesWith(job.marker)).toEqual([]);
  }

  it("a command past its 1 s timeout: its process group is killed and confirmed gone, the marker never appears", async () => {
    const job = markerJob();
    const t0 = performance.now();
    const res = await engine.exec({ host: B }, cmd`sh -c ${Arg.of(job.script)}`, { timeoutMs: 1000 });
    expect(performance.now() - t0).toBeLessThan(4000);
    expect(res).toMatchObject({ timedOut: true, phase: "run", killed: "confirmed" });
    expect(res.stderr).not.toContain("k2ops-pgid");
    await expectGone(job);
  }, 20_000);

  it("the same for a sudo script (root processes, sudo's own session) and a line that calls sudo", async () => {
    const a = markerJob();
    const b = markerJob();
    const [ra, rb] = await Promise.all([
      engine.runScript({ host: B }, `sh -c '${a.script}'\n`, { sudo: true, timeoutMs: 1000 }),
      engine.exec({ host: B }, cmd`sudo -n sh -c ${Arg.of(b.script)}`, { timeoutMs: 1000 }),
    ]);
    expect(ra).toMatchObject({ timedOut: true, phase: "run", killed: "confirmed" });
    expect(rb).toMatchObject({ timedOut: true, phase: "run", killed: "confirmed" });
    expect(fleet.commands(B).map((c) => c.command)).toContain("sudo -n bash -s");
    await Promise.all([expectGone(a), expectGone(b)]);
  }, 20_000);

  it("cancel (an AbortSignal, passed or ambient as a fleet job sets it) kills the in-flight command the same way", async () => {
    const a = markerJob();
    const b = markerJob();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 700);
    const [ea, eb] = await Promise.all([
      engine.exec({ host: B }, cmd`sh -c ${Arg.of(a.script)}`, { signal: ac.signal }).catch((e) => e),
      withCancelSignal(ac.signal, () => engine.runScript({ host: B }, `${b.script}\n`)).catch((e) => e),
    ]);
    for (const e of [ea, eb]) {
      expect(e).toBeInstanceOf(SshCancelledError);
      expect((e as SshCancelledError).partial).toMatchObject({ cancelled: true, timedOut: false, phase: "run", killed: "confirmed" });
    }
    await Promise.all([expectGone(a), expectGone(b)]);
    // an already-aborted signal sends nothing
    const before = fleet.commands(B).length;
    const e = await engine.exec({ host: B }, cmd`echo never`, { signal: AbortSignal.abort() }).catch((x) => x);
    expect(e).toBeInstanceOf(SshCancelledError);
    expect(e.partial.killed).toBe("not-started");
    expect(fleet.commands(B).length).toBe(before);
  }, 20_000);

  it("the node lock is kept (timed out: state unknown) while the kill is unconfirmed, and freed once it is confirmed", async () => {
    const locks = new MemoryNodeLocks();
    const req = { holder: "req-1", operation: "node.update", actor: "op@example.test", ttlMs: 60_000 };
    // confirmed: the lock is free again
    const ok: ExecResult = await withNodeLock(locks, B, req, () => engine.exec({ host: B }, cmd`sleep 5`, { timeoutMs: 500 }));
    expect(ok.killed).toBe("confirmed");
    await (await locks.acquire(B, { ...req, holder: "req-2" }))();
    // the node is too slow to even report its process group: nothing can be confirmed
    await fleet.setFault(B, { latencyMs: 2500 });
    try {
      const r = await withNodeLock(locks, B, req, () => engine.exec({ host: B }, cmd`echo slow`, { timeoutMs: 800 }));
      expect(r).toMatchObject({ timedOut: true, phase: "run", killed: "unconfirmed" });
      const busy = await locks.acquire(B, { ...req, holder: "req-3", operation: "node.restart" }).catch((e) => e);
      expect(busy).toBeInstanceOf(NodeBusyError);
      expect(busy.message).toMatch(/timed out: state unknown \(node\.update\) by op@example\.test/);
    } finally {
      await fleet.setFault(B, {});
    }
  }, 20_000);
});

describe("host keys are pinned per key type (issue #10, item 8)", () => {
  const C = "127.0.31.13";
  const D = "127.0.31.14";
  let keys: MemoryHostKeyStore;
  let eng: SshEngine;
  const seen: HostKeyEvent[] = [];
  beforeAll(async () => {
    for (const ip of [C, D]) await fleet.addNode({ ip, name: `n-${ip}`, country: "JP", region: "jp-tokyo", scenario: "healthy", secret: "e".repeat(64), centerUrl: center.url });
    keys = new MemoryHostKeyStore();
    eng = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys: keys, connectTimeoutMs: 3000, onHostKeyEvent: (e) => seen.push(e) });
  });
  afterAll(async () => {
    await eng?.closeAll();
  });

  it.each([
    [C, "rsa", "ssh-rsa"],
    [D, "ecdsa", "ecdsa-sha2-nistp256"],
  ] as const)("%s: a pinned %s key stays trusted when the node also offers ed25519", async (ip, type: HostKeyType, algorithm) => {
    await fleet.setHostKeyTypes(ip, [type]);
    expect((await eng.exec({ host: ip }, cmd`echo first`)).stdout).toBe("first\n");
    expect((await keys.get(ip))?.algorithm).toBe(algorithm);
    await fleet.setHostKeyTypes(ip, ["ed25519", type]);
    eng.forget({ host: ip });
    expect((await eng.exec({ host: ip }, cmd`echo still-trusted`)).stdout).toBe("still-trusted\n");
    expect(keys.mismatches.filter((m) => m.host === ip)).toEqual([]);
    expect(seen.filter((e) => e.host === ip && e.type !== "pinned")).toEqual([]);
  });

  it("a node with no key of a pinned type any more is 'new key type': refused until an admin confirms, never 'changed'", async () => {
    await fleet.setHostKeyTypes(C, ["ed25519"]);
    eng.forget({ host: C });
    const before = fleet.commands(C).length;
    const err = await eng.exec({ host: C }, cmd`echo should-not-run`).catch((e) => e);
    expect(err).toBeInstanceOf(HostKeyNewTypeError);
    expect(err).not.toBeInstanceOf(HostKeyChangedError);
    expect(err.message).toMatch(/new host key type .*ssh-ed25519/);
    expect(fleet.commands(C).length).toBe(before);
    expect(keys.mismatches.filter((m) => m.host === C)).toEqual([]);
    expect(keys.pending.get(C)?.algorithm).toBe("ssh-ed25519");
    expect(seen).toContainEqual(expect.objectContaining({ type: "new_key_type", host: C, algorithm: "ssh-ed25519", pinnedAlgorithms: ["ssh-rsa"] }));
    // still refused on the next attempt: nothing is trusted silently
    await expect(eng.exec({ host: C }, cmd`true`)).rejects.toBeInstanceOf(HostKeyNewTypeError);
    // the admin confirms: trusted from now on, the rsa pin kept beside it
    expect((await keys.confirmNewKeyType(C, "admin@example.test"))?.algorithm).toBe("ssh-ed25519");
    expect((await eng.exec({ host: C }, cmd`echo confirmed`)).stdout).toBe("confirmed\n");
    expect((await keys.list(C)).map((k) => k.algorithm).sort()).toEqual(["ssh-ed25519", "ssh-rsa"]);
  });

  it("a different key of a pinned type is still 'changed'", async () => {
    await fleet.changeHostKey(C); // a new ed25519 key
    eng.forget({ host: C });
    await expect(eng.exec({ host: C }, cmd`true`)).rejects.toBeInstanceOf(HostKeyChangedError);
  });
});

describe("idle pooled connections to real nodes are reaped (issue 17)", () => {
  const engineWith = (o: { idleTimeoutMs: number; maxIdleConnections?: number }) => new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys: new MemoryHostKeyStore(), connectTimeoutMs: 3000, ...o });

  it("a busy connection outlives the idle timeout; once idle for it, it is closed and the next command reconnects", async () => {
    const eng = engineWith({ idleTimeoutMs: 300 });
    try {
      // a command running 4 times the idle timeout keeps its connection
      expect((await eng.exec({ host: B }, cmd`sleep 1.2; echo long`)).stdout).toBe("long\n");
      expect(eng.stats()).toMatchObject({ connections: 1, reaped: 0 });
      await vi.waitFor(() => expect(eng.stats().connections).toBe(0), { timeout: 10_000, interval: 50 });
      expect(eng.stats()).toMatchObject({ reaped: 1, reapedIdle: 1 });
      expect((await eng.runScript({ host: B }, "echo script\n")).stdout).toBe("script\n");
      expect(eng.connectionsOpened).toBe(2);
    } finally {
      await eng.closeAll();
    }
  });

  it("over maxIdleConnections the least recently used idle connection is closed at once; its node reconnects", async () => {
    const eng = engineWith({ idleTimeoutMs: 0, maxIdleConnections: 1 });
    try {
      expect((await eng.exec({ host: B }, cmd`echo b`)).stdout).toBe("b\n");
      expect((await eng.exec({ host: A }, cmd`echo a`)).stdout).toBe("a\n");
      // B's (the older) went when A's became idle
      expect(eng.stats()).toMatchObject({ connections: 1, idleConnections: 1, reaped: 1, reapedOverCap: 1 });
      expect((await eng.exec({ host: B }, cmd`echo again`)).stdout).toBe("again\n");
      expect(eng.connectionsOpened).toBe(3);
      expect(eng.stats()).toMatchObject({ connections: 1, reapedOverCap: 2 });
    } finally {
      await eng.closeAll();
    }
  });
});
