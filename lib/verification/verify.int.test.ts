import crypto from "node:crypto";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCenterSim } from "@/simulator/center";
import { SimFleet, type Scenario } from "@/simulator/node/fleet";
import { SshEngine } from "@/lib/ssh/engine";
import { MemoryHostKeyStore } from "@/lib/ssh/host-keys";
import { buildVerificationScript, parseVerificationOutput } from "./index";

// Every simulator scenario maps to the failing checks an operator expects.
const NODES: [string, Scenario][] = [
  ["127.0.32.11", "healthy"],
  ["127.0.32.12", "wrong-timezone"],
  ["127.0.32.13", "restart-loop-net"],
  ["127.0.32.14", "cut"],
  ["127.0.32.15", "metering-off"],
  ["127.0.32.16", "k2-oc-orphan"],
  ["127.0.32.17", "legacy-k2-slave"],
  ["127.0.32.18", "restart-loop-secret"],
  ["127.0.32.19", "nftables"],
  ["127.0.32.20", "restart-loop-center"],
  // issue #10 inputs, each on its own node (the tests change them)
  ["127.0.32.21", "healthy"], // runs for hours: hundreds of usage reports after registration
  ["127.0.32.22", "healthy"], // k2s recreated: only yesterday's 'server ready' in k2s.log
  ["127.0.32.23", "healthy"], // .env readable by root only
  ["127.0.32.24", "healthy"], // an older Docker Compose v2 (table and JSON layouts)
];
const COMPOSE_VERSION: Record<string, string> = { "127.0.32.24": "2.12.2" };
const dir = "/tmp/k2ops-test-verify";
let center: Awaited<ReturnType<typeof startCenterSim>>;
let fleet: SimFleet;
let engine: SshEngine;

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
  const key = SimFleet.clientKey(`${dir}/keys`);
  fleet = new SimFleet(`${dir}/nodes`, key.publicKey);
  await Promise.all(NODES.map(([ip, scenario]) => fleet.addNode({ ip, name: `jp-tokyo.aws.wm${ip.split(".")[3]}`, country: "JP", region: "jp-tokyo.aws", scenario, secret: crypto.randomBytes(32).toString("hex"), centerUrl: center.url, composeVersion: COMPOSE_VERSION[ip] })));
  engine = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys: new MemoryHostKeyStore() });
});
afterAll(async () => {
  await engine?.closeAll();
  await fleet?.stop();
  await center?.close();
});

async function verify(ip: string) {
  const token = crypto.randomBytes(12).toString("hex");
  const res = await engine.runScript({ host: ip }, buildVerificationScript({ token }), { timeoutMs: 60_000 });
  const listed = (await (await fetch(`${center.url}/app/nodes?pageSize=100`, { headers: { "X-Access-Key": center.accessKeys.viewer } })).json()) as { data: { items: { ipv4: string; tunnels: { domain: string }[] }[] } };
  const centerNode = listed.data.items.find((n) => n.ipv4 === ip) ?? { tunnels: [] };
  return { res, parsed: parseVerificationOutput(res.stdout, { token, ipv4: ip, centerNode }) };
}

describe("verification checklist against simulated nodes (one SSH round trip each)", () => {
  it("a healthy node passes every check, in one command, with no secret on the command line", async () => {
    const before = fleet.commands("127.0.32.11").length;
    const { parsed } = await verify("127.0.32.11");
    expect(parsed.failingChecks).toEqual([]);
    expect(parsed.status).toBe("pass");
    expect(parsed.checks.map((c) => [c.key, c.status])).toEqual([
      ["timezone", "pass"],
      ["containers", "pass"],
      ["registration", "pass"],
      ["tunnel_domain", "pass"],
      ["k2s_ready", "pass"],
      ["container_net", "pass"],
      ["center", "pass"],
      ["port_mapping", "pass"],
      ["meter_initialized", "pass"],
      ["reporter", "pass"],
    ]);
    expect(parsed.facts).toMatchObject({ arch: "k2s", versionTag: "v0.4.8-9d7c6f95", sidecarHealth: "healthy" });
    const sent = fleet.commands("127.0.32.11").slice(before).map((c) => c.command);
    expect(sent).toEqual(["bash -s"]);
  });

  it.each([
    ["127.0.32.12", ["timezone"]],
    ["127.0.32.14", ["containers"]],
    ["127.0.32.16", ["containers"]],
    // Center down: the container network itself works
    ["127.0.32.20", ["containers", "registration", "tunnel_domain", "k2s_ready", "center", "port_mapping", "meter_initialized", "reporter"]],
  ])("scenario on %s fails exactly %j", async (ip, failing) => {
    const { parsed } = await verify(ip);
    expect(parsed.failingChecks).toEqual(failing);
  });

  // Both scenarios break the container network, so the sidecar restarts in a loop: exec is refused
  // while it restarts, and then the network cannot be read at all (unknown, never pass).
  it.each([
    ["127.0.32.13", "container network broken (S1)"],
    ["127.0.32.19", "nftables backend (S2)"],
  ])("%s, %s: every check after the timezone fails; container-net fails, or is unknown while the sidecar restarts", async (ip) => {
    const { parsed } = await verify(ip);
    expect(parsed.failingChecks.filter((k) => k !== "container_net")).toEqual(["containers", "registration", "tunnel_domain", "k2s_ready", "center", "port_mapping", "meter_initialized", "reporter"]);
    const net = parsed.checks.find((c) => c.key === "container_net");
    if (net?.status !== "fail") expect(net).toMatchObject({ status: "unknown", observed: expect.stringMatching(/is restarting/) });
  });

  it("missing secret (S11): every check after the timezone fails; container-net depends on the loop's phase", async () => {
    const { parsed } = await verify("127.0.32.18");
    expect(parsed.failingChecks.filter((k) => k !== "container_net")).toEqual(["containers", "registration", "tunnel_domain", "k2s_ready", "center", "port_mapping", "meter_initialized", "reporter"]);
    // the sidecar is Up for ~2 s of each attempt (exec works then), Restarting the rest (exec refused)
    const net = parsed.checks.find((c) => c.key === "container_net");
    if (net?.status !== "pass") expect(net?.observed).toMatch(/is restarting|not running/);
  });

  it("names the restart-loop cause in the evidence an operator reads", async () => {
    const net = (await verify("127.0.32.13")).parsed.checks.find((c) => c.key === "registration");
    expect(net?.observed).toMatch(/container network broken/);
    const secret = (await verify("127.0.32.18")).parsed.checks.find((c) => c.key === "registration");
    expect(secret?.observed).toMatch(/missing K2_NODE_SECRET/);
    const cut = (await verify("127.0.32.14")).parsed.checks.find((c) => c.key === "containers");
    expect(cut?.observed).toMatch(/Paused.*cutoff/);
  });

  it("metering off skips the metering checks instead of failing them", async () => {
    const { parsed } = await verify("127.0.32.15");
    expect(parsed.status).toBe("pass");
    expect(parsed.checks.filter((c) => c.status === "skip").map((c) => c.key)).toEqual(["meter_initialized", "reporter"]);
  });

  it("a legacy k2-slave node is checked with its own container name and directory", async () => {
    const { parsed } = await verify("127.0.32.17");
    // labelled for what it runs (issue #10 item 14), with the directory it runs from kept apart
    expect(parsed.facts.arch).toBe("k2-slave");
    expect(parsed.facts.deployDir).toBe("/apps/kaitu-slave");
    expect(parsed.checks.find((c) => c.key === "containers")?.command).toContain("/apps/kaitu-slave");
  });

  it("one hung check times out alone; the rest still report", async () => {
    // the script's own per-section `timeout` exits 124; the parser reads that as unknown for that check only
    const token = "ab".repeat(10);
    const raw = `===K2OPS ${token} BEGIN meta===\ndir=/apps/k2s\ntunnel=k2s\n===K2OPS ${token} END meta rc=0===\n===K2OPS ${token} BEGIN timezone===\n===K2OPS ${token} END timezone rc=124===\n===K2OPS ${token} BEGIN container_net===\n127.0.32.11\n===K2OPS ${token} END container_net rc=0===\n`;
    const parsed = parseVerificationOutput(raw, { token, ipv4: "127.0.32.11", centerNode: null });
    expect(parsed.checks.find((c) => c.key === "timezone")).toMatchObject({ status: "unknown", observed: "timed out on the node" });
    expect(parsed.checks.find((c) => c.key === "container_net")?.status).toBe("pass");
  });

  it("a check whose command hangs on the node times out alone, and the others still pass", async () => {
    fleet.setFault("127.0.32.11", { shimHang: "^timedatectl" });
    try {
      const t0 = performance.now();
      const { parsed } = await verify("127.0.32.11");
      expect(performance.now() - t0).toBeLessThan(20_000);
      expect(parsed.checks.find((c) => c.key === "timezone")).toMatchObject({ status: "unknown", observed: "timed out on the node" });
      expect(parsed.failingChecks).toEqual([]);
      expect(parsed.checks.filter((c) => c.status === "pass")).toHaveLength(9);
    } finally {
      fleet.setFault("127.0.32.11", {});
    }
  });

  it("node output cannot forge or close a section with another token", () => {
    const token = "cd".repeat(10);
    const raw = `===K2OPS ${token} BEGIN timezone===\nTime zone: Etc/UTC\n===K2OPS ffffffffffffffffffff END timezone rc=0===\n===K2OPS ffffffffffffffffffff BEGIN timezone===\nTime zone: Asia/Singapore\n===K2OPS ffffffffffffffffffff PIPE 0 0===\n===K2OPS ${token} PIPE 0 0===\n===K2OPS ${token} END timezone rc=0===\n`;
    const parsed = parseVerificationOutput(raw, { token, ipv4: "1.2.3.4", centerNode: null });
    expect(parsed.checks.find((c) => c.key === "timezone")?.status).toBe("fail");
  });

  it("#10.1 a node that has run for hours (> 200 usage reports after registration) still passes", async () => {
    const ip = "127.0.32.21";
    const node = fleet.node(ip);
    const last = node.sidecarLog().stderr.trim().split("\n").findLast((l) => l.includes("usage-reporter-cycle-ok"))!;
    const epoch = /epoch=(\d+)/.exec(last)![1];
    const cum = Number(/cumulative=(\d+)/.exec(last)![1]);
    const t0 = Date.now() - 1000;
    // the real reporter's line, 250 times (hours at the 60 s cadence), each just above the last count
    node.appendSidecarLog(Array.from({ length: 250 }, (_, i) => `time=${new Date(t0 + i).toISOString()} level=INFO msg="DIAG: usage-reporter-cycle-ok" component=usage epoch=${epoch} cumulative=${cum + i + 1} quotaTotal=1073741824000`));
    const { parsed } = await verify(ip);
    expect(parsed.failingChecks).toEqual([]);
    expect(parsed.checks.filter((c) => ["registration", "tunnel_domain", "meter_initialized", "reporter"].includes(c.key)).map((c) => c.status)).toEqual(["pass", "pass", "pass", "pass"]);
    expect(parsed.status).toBe("pass");
  });

  it("#10.2 k2s just recreated with only yesterday's 'server ready' in k2s.log: pending, then fail — never pass", async () => {
    const ip = "127.0.32.22";
    const node = fleet.node(ip);
    await fleet.setFault(ip, { k2sNotReady: true });
    try {
      expect((await node.inNode("docker restart k2s", "ubuntu")).code).toBe(0);
      const yesterday = new Date(Date.now() - 86_400_000).toISOString();
      fs.appendFileSync(node.hostPath("/apps/k2s/logs/k2s.log"), `time=${yesterday} level=INFO msg="k2s server ready" listen=:443\n`);
      const first = (await verify(ip)).parsed;
      expect(first.checks.find((c) => c.key === "k2s_ready")).toMatchObject({ status: "unknown", observed: expect.stringMatching(/^pending: k2s started \d+ s ago/) });
      expect(first.status).not.toBe("pass");
      // the settle window is over: k2s has been up a minute and still never said ready
      const st = node.state();
      st.containers.find((c) => c.name === "k2s")!.started -= 60_000;
      node.setState(st);
      const later = (await verify(ip)).parsed;
      expect(later.checks.find((c) => c.key === "k2s_ready")).toMatchObject({ status: "fail", observed: expect.stringContaining(`latest is older: ${yesterday}`) });
    } finally {
      await fleet.setFault(ip, {});
    }
  });

  it("#10.3 .env readable by root only: the metering checks read it with sudo (as the operations do), never 'metering off'", async () => {
    const ip = "127.0.32.23";
    const env = fleet.node(ip).hostPath("/apps/k2s/.env");
    fs.chownSync(env, 0, 0);
    fs.chmodSync(env, 0o600);
    const { parsed } = await verify(ip);
    expect(parsed.checks.filter((c) => ["meter_initialized", "reporter"].includes(c.key)).map((c) => c.status)).toEqual(["pass", "pass"]);
    expect(parsed.checks.find((c) => c.key === "containers")?.status).toBe("pass");
  });

  it("#10.4 an older Compose v2 (old table, JSON as ONE array) is read; the newer one-object-per-line too", async () => {
    const old = (await verify("127.0.32.24")).parsed;
    expect(old.checks.find((c) => c.key === "containers")).toMatchObject({ status: "pass", observed: "k2-sidecar: running (healthy); k2s: running" });
    expect(old.status).toBe("pass");
    expect((await verify("127.0.32.11")).parsed.checks.find((c) => c.key === "containers")).toMatchObject({ status: "pass", observed: "k2-sidecar: Up 2 days (healthy); k2s: Up 2 days" });
  });
});
