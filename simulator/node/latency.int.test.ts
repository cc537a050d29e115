import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryHostKeyStore } from "@/lib/ssh/host-keys";
import { SshEngine } from "@/lib/ssh/engine";
import { startCenterSim } from "@/simulator/center";
import { SimFleet } from "./fleet";
import { CONNECT_RTTS, innerAddress } from "./latency-relay";
import { acceptsTcp } from "./net";

// Network latency in front of a real simulated node (latency-relay.ts, SimNode.setNetwork): the
// SSH banner and a warm exec over the console's SSH engine, with a profile set, changed and
// removed at run time, sshd moving ports under it, and the node going away and coming back.
// What a profile adds is measured against the node's sshd straight, on its inner address, in turns:
// the fastest of several samples each way (sshd's own time to fork and answer varies by tens to
// hundreds of ms on a loaded machine; the relay never delivers early, so the fastest sample is the
// path's own cost plus sshd at its quickest).
// Addresses 127.0.93.x (and their inner twins 127.128.93.x) are this suite's own.

const IP = "127.0.93.11";
const dir = "/tmp/k2ops-test-latency";

let center: Awaited<ReturnType<typeof startCenterSim>>;
let fleet: SimFleet;
let privateKey = "";
const keys = new MemoryHostKeyStore();
const engines: SshEngine[] = [];
/** A new SSH engine: its connections are opened from now on (on the path in force now). */
const engine = () => {
  const e = new SshEngine({ privateKey, hostKeys: keys });
  engines.push(e);
  return e;
};

/** ms from connect() to sshd's "SSH-2.0-" banner. */
function banner(host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const t0 = performance.now();
    let got = "";
    const s = net.connect({ host, port });
    s.on("data", (d) => {
      if (!(got += d).includes("SSH-2.0-")) return;
      resolve(performance.now() - t0);
      s.destroy();
    });
    s.on("error", reject);
  });
}

/** ms of an exec on an open connection (after one that opens it). */
async function exec(ssh: SshEngine, host: string): Promise<number> {
  const t0 = performance.now();
  const r = await ssh.exec({ host }, "echo ok" as never, { timeoutMs: 20_000 });
  expect(r.stdout).toBe("ok\n");
  return performance.now() - t0;
}

/** What the node's address adds to `measure` over its sshd straight (the inner address), in ms: fastest of `n` against fastest of `n`, taken in turns. */
async function added(measure: (host: string) => Promise<number>, n = 7): Promise<number> {
  const straight: number[] = [];
  const relayed: number[] = [];
  for (let i = 0; i < n; i++) {
    straight.push(await measure(innerAddress(IP)));
    relayed.push(await measure(IP));
  }
  return Math.min(...relayed) - Math.min(...straight);
}

function refused(port = 1022): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: IP, port }, () => (s.destroy(), resolve("connected")));
    s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
  const key = SimFleet.clientKey(path.join(dir, "keys"));
  privateKey = fs.readFileSync(key.privateKeyPath, "utf8");
  fleet = new SimFleet(path.join(dir, "nodes"), key.publicKey);
  await fleet.addNode({ ip: IP, name: "jp-tokyo-93", country: "JP", region: "jp-tokyo", scenario: "healthy", secret: "93".repeat(32), centerUrl: center.url });
}, 120_000);
afterAll(async () => {
  for (const e of engines) await e.closeAll();
  await fleet?.stop();
  await center?.close();
});

/** Who listens on the node's address, by process name ("sshd", "node": the relays in this process), one per line. */
function listeners(): string {
  const out = spawnSync("ss", ["-Htlnp", "src", IP], { encoding: "utf8" }).stdout;
  return [...new Set([...out.matchAll(/users:\(\("([^"]+)"/g)].map((m) => m[1]))].join("\n");
}

/** Until `host:port` refuses (a killed sshd's socket goes with its process, a moment later). */
async function refusedSoon(host: string, port = 1022): Promise<boolean> {
  for (const until = Date.now() + 3000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) if (!(await acceptsTcp(host, port, 500))) return true;
  return false;
}

describe("a simulated node behind a network profile", () => {
  it("without a profile sshd answers on the node's own address, as before", async () => {
    expect(await banner(IP, 1022)).toBeLessThan(1000);
    expect(listeners()).toBe("sshd");
    expect(await acceptsTcp(innerAddress(IP), 1022, 500)).toBe(false);
  });

  it("rtt 150 at run time: the banner comes 2 RTT later (the handshake and the way back), a warm exec at least 1 RTT later", async () => {
    const before = engine();
    await exec(before, IP);
    await fleet.setNetwork(IP, { rttMs: 150 });
    expect(listeners()).toBe("node"); // the relay, in this process
    const b = await added((h) => banner(h, 1022));
    const extra = (CONNECT_RTTS + 0.5) * 150;
    console.log(`rtt 150: banner +${b.toFixed(1)} ms (asked +${extra})`);
    expect(b).toBeGreaterThanOrEqual(1.5 * 150);
    expect(Math.abs(b - extra)).toBeLessThanOrEqual(extra * 0.1);
    const ssh = engine();
    await exec(ssh, IP);
    await exec(ssh, innerAddress(IP));
    const x = await added((h) => exec(ssh, h), 5);
    console.log(`rtt 150: warm exec +${x.toFixed(1)} ms`);
    expect(x).toBeGreaterThanOrEqual(150);
    // the connection opened before the profile goes on, on its own path (sshd moved under it): undelayed
    const [b4, now] = [[] as number[], [] as number[]];
    for (let i = 0; i < 3; i++) {
      b4.push(await exec(before, IP));
      now.push(await exec(ssh, IP));
    }
    expect(Math.min(...now) - Math.min(...b4)).toBeGreaterThanOrEqual(150);
    // rtt 50 from now on, also for the connection already open
    await fleet.setNetwork(IP, { rttMs: 50 });
    const b50 = await added((h) => banner(h, 1022));
    console.log(`rtt 50: banner +${b50.toFixed(1)} ms (asked +${(CONNECT_RTTS + 0.5) * 50})`);
    // (the smaller profiles get the slack of a loaded machine: what they prove is the change)
    expect(Math.abs(b50 - (CONNECT_RTTS + 0.5) * 50)).toBeLessThanOrEqual(50);
    expect(b50).toBeLessThan(b - 100);
    const x50 = await added((h) => exec(ssh, h), 5);
    console.log(`rtt 50: warm exec on the same connection +${x50.toFixed(1)} ms`);
    expect(x50).toBeGreaterThanOrEqual(50);
    expect(x50).toBeLessThan(x - 50);
  });

  it("the relays follow sshd to the ports it moves to (systemctl restart ssh)", async () => {
    const ssh = engine();
    const move = async (ports: number[]) => {
      const conf = ports.map((p) => `Port ${p}\\n`).join("");
      const r = await ssh.exec({ host: IP }, `printf '${conf}' | sudo tee /etc/ssh/sshd_config.d/99-k2s-port.conf >/dev/null && sudo systemctl restart ssh` as never, { timeoutMs: 20_000 });
      expect(r.code, r.stderr).toBe(0);
    };
    await move([1022, 2022]);
    expect(fleet.node(IP).sshPorts()).toEqual([1022, 2022]);
    const b = await added((h) => banner(h, 2022), 5);
    expect(Math.abs(b - (CONNECT_RTTS + 0.5) * 50)).toBeLessThanOrEqual(50);
    await move([1022]);
    // the relays' next round (RELAY_POLL_MS) lets 2022 go
    expect(await refusedSoon(IP, 2022)).toBe(true);
  });

  it("setNetwork(null): sshd on the node's own address again, undelayed; open connections go on", async () => {
    const relayed = engine();
    await exec(relayed, IP);
    const slow = Math.min(await exec(relayed, IP), await exec(relayed, IP), await exec(relayed, IP));
    await fleet.setNetwork(IP, null);
    expect(await refusedSoon(innerAddress(IP))).toBe(true);
    expect(listeners()).toBe("sshd");
    // the relayed connection, now undelayed
    const fast = Math.min(await exec(relayed, IP), await exec(relayed, IP), await exec(relayed, IP));
    console.log(`no profile again: warm exec on a relayed connection ${slow.toFixed(1)} → ${fast.toFixed(1)} ms`);
    expect(slow - fast).toBeGreaterThanOrEqual(50);
  });

  it("unreachable: connection refused at the node's address; reachable again: delayed again", async () => {
    await fleet.setNetwork(IP, { rttMs: 150 });
    await fleet.setReachable(IP, false);
    expect(await refused()).toBe("ECONNREFUSED");
    expect(await refusedSoon(innerAddress(IP))).toBe(true);
    await fleet.setReachable(IP, true);
    expect(listeners()).toBe("node");
    const b = await added((h) => banner(h, 1022));
    console.log(`rtt 150 after a restart: banner +${b.toFixed(1)} ms`);
    expect(Math.abs(b - (CONNECT_RTTS + 0.5) * 150)).toBeLessThanOrEqual(30);
  });
});
