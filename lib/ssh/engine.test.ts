import net from "node:net";
import { Server, type AuthContext } from "ssh2";
import { generateEd25519KeyPair } from "./ed25519";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cmd } from "@/lib/guardrails/command";
import { describeInterruption, SshEngine, unwrappedCommand, wrapLine, type SshEngineOptions } from "./engine";
import { MemoryHostKeyStore } from "./host-keys";

describe("the process-group wrapper", () => {
  it("keeps the command intact inside single quotes, and a node's record maps back to it", () => {
    for (const c of ["echo ok", "docker ps --format '{{.Names}}'", "cd /apps/k2s && sudo docker compose pull", "printf '%s' \"it's\""]) {
      const line = wrapLine(c);
      expect(line.startsWith("exec setsid -w sh -c ")).toBe(true);
      expect(unwrappedCommand(line)).toBe(c);
    }
    expect(unwrappedCommand("bash -s")).toBe("bash -s");
  });

  it("says where an interrupted command was and whether it is known to be gone", () => {
    expect(describeInterruption({ phase: "exec", killed: "unconfirmed" })).toBe("the node did not answer the exec request; k2ops could not confirm that it stopped: the node's state is unknown");
    expect(describeInterruption({ phase: "slot", killed: "not-started" })).toMatch(/free channel; nothing ran/);
    expect(describeInterruption({ phase: "run", killed: "confirmed" })).toMatch(/while it ran; its processes were killed and are gone/);
  });
});

// ---- issue 17: idle pooled connections are reaped ----
// In-process SSH servers (ssh2's Server on 127.0.0.1, one port per "node", one
// host key for all: the host key store pins per host). Each answers an exec
// with "ok" after the `sleep N` the command names, if any. Short option values;
// the only waits are for the reap itself.

type FakeNode = { port: number; opened: number; closed: number; close(): void };
const hostKey = generateEd25519KeyPair().private;
const clientKey = generateEd25519KeyPair().private;
const nodes: FakeNode[] = [];

/** `auth`: how the node answers each authentication request (default: accepts any) */
async function fakeNode(auth: (ctx: AuthContext) => void = (ctx) => ctx.accept()): Promise<FakeNode> {
  const node: FakeNode = { port: 0, opened: 0, closed: 0, close: () => undefined };
  const srv = new Server({ hostKeys: [hostKey] }, (client) => {
    node.opened++;
    client.on("error", () => undefined);
    client.on("close", () => node.closed++);
    client.on("authentication", auth);
    client.on("ready", () => {
      client.on("session", (accept) => {
        accept().on("exec", (acceptExec, _reject, info) => {
          const ch = acceptExec();
          const m = /sleep ([\d.]+)/.exec(info.command);
          setTimeout(() => {
            ch.write("ok\n");
            ch.exit(0);
            ch.end();
          }, m ? Number(m[1]) * 1000 : 0);
        });
      });
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  node.port = (srv.address() as net.AddressInfo).port;
  node.close = () => srv.close();
  return node;
}

const at = (i: number) => ({ host: "127.0.0.1", port: nodes[i].port });
const engineWith = (o: Partial<SshEngineOptions>) => new SshEngine({ privateKey: clientKey, hostKeys: new MemoryHostKeyStore(), connectTimeoutMs: 5000, ...o });
const ok = async (eng: SshEngine, i: number, command = cmd`true`) => expect((await eng.exec(at(i), command)).stdout).toBe("ok\n");

beforeAll(async () => {
  for (let i = 0; i < 4; i++) nodes.push(await fakeNode());
});
afterAll(() => {
  for (const n of nodes) n.close();
});

describe("idle pooled connections are reaped (issue 17)", () => {
  it("closes a connection idle for idleTimeoutMs; the node's next command simply opens a new one", async () => {
    const eng = engineWith({ idleTimeoutMs: 100 });
    try {
      const closedBefore = nodes[0].closed;
      await ok(eng, 0);
      expect(eng.stats()).toMatchObject({ connections: 1, idleConnections: 1, reaped: 0 });
      await vi.waitFor(() => expect(eng.stats().connections).toBe(0), { timeout: 5000, interval: 20 });
      expect(eng.stats()).toMatchObject({ idleConnections: 0, reaped: 1, reapedIdle: 1, reapedOverCap: 0 });
      // the node saw its connection end
      await vi.waitFor(() => expect(nodes[0].closed).toBe(closedBefore + 1), { timeout: 5000, interval: 20 });
      await ok(eng, 0);
      expect(eng.connectionsOpened).toBe(2);
    } finally {
      await eng.closeAll();
    }
  });

  it("keeps at most maxIdleConnections idle: beyond it the least recently used go at once", async () => {
    const eng = engineWith({ idleTimeoutMs: 0, maxIdleConnections: 2 });
    try {
      // the idle list, least recently used first, in the comments
      await ok(eng, 0);
      await ok(eng, 1); // [0, 1]
      expect(eng.stats()).toMatchObject({ connections: 2, idleConnections: 2, reaped: 0 });
      await ok(eng, 2); // [1, 2]: node 0's is closed at once
      expect(eng.stats()).toMatchObject({ connections: 2, idleConnections: 2, reaped: 1, reapedOverCap: 1, reapedIdle: 0 });
      await ok(eng, 1); // [2, 1]: still pooled, now the most recently used
      expect(eng.connectionsOpened).toBe(3);
      await ok(eng, 3); // [1, 3]: node 2's goes, not node 1's
      expect(eng.stats()).toMatchObject({ connections: 2, reapedOverCap: 2 });
      await ok(eng, 1);
      await ok(eng, 3); // [1, 3]
      expect(eng.connectionsOpened).toBe(4);
      await ok(eng, 0); // [3, 0]: a new connection for node 0; node 1's goes
      expect(eng.connectionsOpened).toBe(5);
      await ok(eng, 3); // [0, 3]
      expect(eng.connectionsOpened).toBe(5);
      await ok(eng, 1); // a new one again
      expect(eng.connectionsOpened).toBe(6);
      expect(eng.stats()).toMatchObject({ connections: 2, reaped: 4 });
    } finally {
      await eng.closeAll();
    }
  });

  it("never reaps a busy connection, however long its commands run or wait for a channel; the last one to finish leaves it idle", async () => {
    // 0 idle connections kept and a 50 ms idle timeout: anything idle goes at once
    const eng = engineWith({ idleTimeoutMs: 50, maxIdleConnections: 0, maxChannelsPerConn: 2 });
    try {
      // two run on the connection's 2 channels, the third waits for a slot; they end at different times
      const running = [eng.exec(at(0), cmd`sleep 0.6`), eng.exec(at(0), cmd`sleep 0.3`), eng.exec(at(0), cmd`sleep 0.4`)];
      await vi.waitFor(() => expect(eng.stats().busyChannels).toBe(2), { timeout: 5000, interval: 10 });
      const seen: ReturnType<SshEngine["stats"]>[] = [];
      const sample = setInterval(() => seen.push(eng.stats()), 20);
      const results = await Promise.all(running);
      clearInterval(sample);
      expect(results.map((r) => r.stdout)).toEqual(["ok\n", "ok\n", "ok\n"]);
      expect(eng.connectionsOpened).toBe(1);
      // while any of them held it, the connection stayed pooled and nothing was reaped
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((s) => s.connections === 1 && s.reaped === 0)).toBe(true);
      // then the last one left it idle, over the cap of 0: closed at once
      expect(eng.stats()).toMatchObject({ connections: 0, reaped: 1, reapedOverCap: 1 });
      await ok(eng, 0);
      expect(eng.connectionsOpened).toBe(2);
    } finally {
      await eng.closeAll();
    }
  });

  it("closeAll closes idle connections and stops their timers; the defaults are 60 s and 256", async () => {
    const eng = engineWith({});
    await ok(eng, 0);
    await ok(eng, 1);
    expect(eng.stats()).toMatchObject({ connections: 2, idleConnections: 2 });
    await eng.closeAll();
    expect(eng.stats()).toMatchObject({ connections: 0, idleConnections: 0, reaped: 0 });
    expect(() => engineWith({ idleTimeoutMs: Number("x") })).toThrow(/idleTimeoutMs/);
    expect(() => engineWith({ maxIdleConnections: -1 })).toThrow(/maxIdleConnections/);
  });
});

// ---- issue 17: round trips of a cold connection ----
// Each message of the handshake costs a round trip to a node 50-300 ms away. A
// node like OpenSSH's sshd: "none" fails (listing publickey), publickey is first
// checked, then signed. The engine goes to publickey at once.
describe("the handshake asks for nothing it does not need (issue 17)", () => {
  it("authenticates with the key straight away: no \"none\" request first", async () => {
    const seen: string[] = [];
    const node = await fakeNode((ctx) => {
      seen.push(ctx.method === "publickey" ? `publickey${ctx.signature ? " signed" : " check"}` : ctx.method);
      if (ctx.method === "publickey") return ctx.accept();
      ctx.reject(["publickey"]);
    });
    const eng = engineWith({});
    try {
      const r = await eng.exec({ host: "127.0.0.1", port: node.port }, cmd`true`);
      expect(r.stdout).toBe("ok\n");
      expect(seen).toEqual(["publickey check", "publickey signed"]);
    } finally {
      await eng.closeAll();
      node.close();
    }
  });
});

describe("a fleet job's width of handshakes (issue 17)", () => {
  it("opens up to 256 connections at once by default: a node's slow handshake does not hold the others back", async () => {
    // 270 nodes whose sshd holds each key check until 256 are held (or 10 s have passed): how many are being handshaken at once
    let inAuth = 0;
    let peak = 0;
    const held: (() => void)[] = [];
    const releaseAll = () => held.splice(0).forEach((f) => f());
    const fallback = setTimeout(releaseAll, 10_000);
    const slow = (ctx: AuthContext) => {
      if (ctx.method !== "publickey" || !ctx.signature) return ctx.method === "publickey" ? ctx.accept() : ctx.reject(["publickey"]);
      peak = Math.max(peak, ++inAuth);
      const done = () => {
        inAuth--;
        ctx.accept();
      };
      if (peak < 256) held.push(done);
      else {
        releaseAll();
        done();
      }
    };
    const far: FakeNode[] = [];
    for (let i = 0; i < 270; i++) far.push(await fakeNode(slow));
    const eng = engineWith({});
    try {
      const rs = await Promise.all(far.map((n) => eng.exec({ host: "127.0.0.1", port: n.port }, cmd`true`)));
      expect(rs.every((r) => r.code === 0)).toBe(true);
      expect(peak).toBe(256);
    } finally {
      clearTimeout(fallback);
      await eng.closeAll();
      for (const n of far) n.close();
    }
  });
});
