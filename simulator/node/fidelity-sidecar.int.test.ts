import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCenterSim } from "@/simulator/center";
import { calculateNodeLoad, latestLoadRow } from "@/simulator/center/loads";
import { MemoryHostKeyStore } from "@/lib/ssh/host-keys";
import { SshEngine } from "@/lib/ssh/engine";
import { SimFleet, type Scenario } from "./fleet";

// Fidelity of the simulated k2-sidecar PROCESS against the real sidecar's Go code
// (docker/sidecar/main.go, config/config.go, sidecar/{node,ip,collector,connect_url}.go):
// its life in time (lines appear when their time comes), every line it prints with the
// real text and attributes in the real order, its status reports and connect-url
// re-registration as Center stores them. Real SSH against simulated nodes.
// Addresses 127.0.72.x are this suite's own.

const NODES: Record<string, Scenario> = {
  "127.0.72.11": "healthy", // H: start-up, status reports, serverUrl at Center
  "127.0.72.12": "metering-off",
  "127.0.72.13": "restart-loop-net",
  "127.0.72.14": "restart-loop-center",
  "127.0.72.15": "restart-loop-secret",
  "127.0.72.16": "healthy", // H2: a sidecar-only restart (the poller waits), then a k2s restart
  "127.0.72.17": "healthy", // H3: SIGTERM
  "127.0.72.18": "healthy", // H4: .env (auto region, bad REPORT_INTERVAL) and an IPv6 container network
  "127.0.72.19": "healthy", // H5: Center rejects the secret (TOFU)
};
const H = "127.0.72.11";
const OFF = "127.0.72.12";
const NET = "127.0.72.13";
const CTR = "127.0.72.14";
const SEC = "127.0.72.15";
const H2 = "127.0.72.16";
const H3 = "127.0.72.17";
const H4 = "127.0.72.18";
const H5 = "127.0.72.19";
const dom = (ip: string) => `${ip.replace(/\./g, "-")}.sslip.io`;

const dir = "/tmp/k2ops-test-fidelity-sidecar";
let center: Awaited<ReturnType<typeof startCenterSim>>;
let fleet: SimFleet;
let ssh: SshEngine;
/** when H2's sidecar-only restart was done (its poller started then) */
let h2Restart = 0;

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
  const key = SimFleet.clientKey(path.join(dir, "keys"));
  fleet = new SimFleet(path.join(dir, "nodes"), key.publicKey);
  const specs = Object.entries(NODES).map(([ip, scenario], i) => ({ ip, name: `jp-tokyo.aws.wm${72 + i}`, country: "JP", region: "jp-tokyo.aws", scenario, secret: (i + 1).toString(16).repeat(64).slice(0, 64), centerUrl: center.url }));
  await fleet.addNodes(specs, 8);
  ssh = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys: new MemoryHostKeyStore() });
  // started early: its connect-url poller has 25 s to wait before its first "Waiting" line
  h2Restart = Date.now();
  expect((await run(H2, "docker restart k2-sidecar", 30_000)).code).toBe(0);
}, 180_000);
afterAll(async () => {
  await ssh?.closeAll();
  await fleet?.stop();
  await center?.close();
});

async function run(host: string, command: string, timeoutMs = 20_000) {
  const r = await ssh.exec({ host }, command as never, { timeoutMs });
  return { out: r.stdout, err: r.stderr, code: r.code };
}

// ---- slog TextHandler lines -----------------------------------------------------------

type Line = { raw: string; time: number; level: string; msg: string; attrs: [string, string][] };
const ESC: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };
/** Parses one `time=… level=… msg=… k=v …` line (Go-quoted values unquoted); null for a plain line. */
function parseSlog(raw: string): Line | null {
  if (!raw.startsWith("time=")) return null;
  const kv: [string, string][] = [];
  let i = 0;
  while (i < raw.length) {
    const eq = raw.indexOf("=", i);
    if (eq < 0) throw new Error(`bad slog line: ${raw}`);
    const k = raw.slice(i, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`bad key ${k} in ${raw}`);
    i = eq + 1;
    let v = "";
    if (raw[i] === '"') {
      i++;
      while (raw[i] !== '"') {
        if (i >= raw.length) throw new Error(`unterminated quote in ${raw}`);
        if (raw[i] === "\\") {
          v += ESC[raw[i + 1]] ?? raw[i + 1];
          i += 2;
        } else v += raw[i++];
      }
      i++;
    } else {
      const sp = raw.indexOf(" ", i);
      const end = sp < 0 ? raw.length : sp;
      v = raw.slice(i, end);
      // a bare value never holds what slog would have quoted
      if (v === "" || /[\s"=]/.test(v)) throw new Error(`value should be quoted: ${k}=${v} in ${raw}`);
      i = end;
    }
    kv.push([k, v]);
    if (i < raw.length) {
      if (raw[i] !== " ") throw new Error(`no space after ${k} in ${raw}`);
      i++;
    }
  }
  const [t, l, m, ...attrs] = kv;
  if (t[0] !== "time" || l[0] !== "level" || m[0] !== "msg") throw new Error(`bad head: ${raw}`);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(t[1])) throw new Error(`bad time: ${raw}`);
  return { raw, time: Date.parse(t[1]), level: l[1], msg: m[1], attrs };
}
const attr = (l: Line, k: string) => l.attrs.find((a) => a[0] === k)?.[1];
const keys = (l: Line) => l.attrs.map((a) => a[0]).join(" ");

/** `docker logs k2-sidecar 2>&1` parsed; `runs` = the lines of each start (split at the entrypoint's line). */
async function sidecarLog(host: string) {
  const r = await run(host, "docker logs k2-sidecar 2>&1; date -u +%s%3N");
  const raw = r.out.trimEnd().split("\n");
  const end = Number(raw.pop());
  const runs: Line[][] = [];
  const all: Line[] = [];
  for (const l of raw) {
    if (l === "[entrypoint] Generated config: /tmp/sidecar-config.yaml") {
      runs.push([]);
      continue;
    }
    const p = parseSlog(l);
    if (!p) throw new Error(`unexpected plain line: ${l}`);
    all.push(p);
    runs[runs.length - 1]?.push(p);
  }
  return { all, runs, end, text: r.out };
}

/** Lines of the meter (_meter.sh, another process part: the traffic monitor, usage reporter, enforcer) */
const meterMsg = /^(DIAG: |Detected primary interface|Traffic (cycle|baseline|monitor initialized|monitoring enabled|cutoff enforcer)|Usage reporter started)/;
const startupOnly = (run: Line[]) => run.filter((l) => !meterMsg.test(l.msg));

// the Go code's start-up, line by line (msg, attribute keys in order)
const GO_CONFIG: [string, string][] = [
  ["Starting k2-sidecar v5.0 (unified config, batch registration)", "component"],
  ["Loading config file", "component path"],
  ["Read hop_port_start from env", "component port"],
  ["Read hop_port_end from env", "component port"],
  ["Read ip_type from env", "component ip_type"],
  ["Detecting missing network info...", "component"],
  ["Auto-detected IPv4", "component ipv4"],
];
const GO_CONFIG_END: [string, string][] = [
  ["Auto-generated tunnel domain", "component domain"],
  ["Config loaded", "component ipv4 country region tunnelPort k2Enabled tunnelDomain"],
];
const GO_REGISTER: [string, string][] = [
  ["Registering node with tunnels", "component tunnels ipv4 country"],
  ["Center request ok", "component method path status elapsed"],
  ["Tunnel registered", "component domain protocol created"],
  ["Registration completed", "component ipv4 nodeCreated tunnels"],
];
const GO_START_TAIL: [string, string][] = [
  ["Node registered", "component ipv4 tunnels"],
  ["Saved certificate", "component path"],
  ["Saved private key", "component path"],
  ["Saved K2 certificate", "component dir file"],
  ["Linked K2 certificate to server-cert.pem", "component"],
  ["Generated config file", "component path"],
  ["Created ready flag", "component file"],
];
const GO_DUR = /^(\d+(\.\d+)?(ns|µs|ms|s)|(\d+h)?(\d+m)?\d+(\.\d+)?s)$/;
const GO_FLOAT = /^-?(0|[1-9]\d*)(\.\d+)?(e[+-]\d\d+)?$/;

describe("21. start-up: every line the Go code prints, in its order, with its attributes", () => {
  it("a healthy start: main → config.go → NewNode → Start, then the rendered k2v5-config.yaml and .ready", async () => {
    const { runs } = await sidecarLog(H);
    const first = startupOnly(runs[0]);
    const expected: [string, string][] = [
      ...GO_CONFIG,
      ["Using configured region", "component region"],
      ...GO_CONFIG_END,
      ["Detected IP", "component ipv4 country region"],
      ["Center URL", "component url"],
      ["Config Dir", "component dir"],
      ["K2 tunnel configured", "component domain port protocol hopPortStart hopPortEnd suffix"],
      ["Tunnels to register", "component count"],
      ...GO_REGISTER,
      ...GO_START_TAIL,
    ];
    expect(first.slice(0, expected.length).map((l) => [l.msg, keys(l)])).toEqual(expected);
    const byMsg = (m: string) => first.find((l) => l.msg === m)!;
    expect(byMsg("Config loaded").raw).toMatch(/ component=config ipv4=127\.0\.72\.11 country=US region=jp-tokyo\.aws tunnelPort=443 k2Enabled=true tunnelDomain=127-0-72-11\.sslip\.io$/);
    expect(byMsg("Detected IP").raw).toMatch(/ component=node ipv4=127\.0\.72\.11 country=JP region=jp-tokyo$/);
    expect(byMsg("Center URL").raw).toMatch(new RegExp(` component=sidecar url=${center.url.replace(/\./g, "\\.")}$`));
    expect(byMsg("K2 tunnel configured").raw).toMatch(/ component=sidecar domain=127-0-72-11\.sslip\.io port=443 protocol=k2v5 hopPortStart=40000 hopPortEnd=40019 suffix=""$/);
    expect(attr(byMsg("Center request ok"), "elapsed")).toMatch(GO_DUR);
    expect(byMsg("Registration completed").raw).toMatch(/ component=node ipv4=127\.0\.72\.11 nodeCreated=true tunnels=1$/);
    expect(byMsg("Created ready flag").raw).toMatch(/ component=sidecar file=\/etc\/kaitu\/\.ready$/);
    // the rendered k2v5ConfigTemplate (main.go), default env
    const cfg = (await run(H, "sudo docker exec k2-sidecar cat /etc/kaitu/k2v5-config.yaml")).out;
    expect(cfg).toBe(
      `listen: ":443"\ncert_dir: "/etc/k2v5"\n# tls — dormant: k2v5 generates its own self-signed certs in cert_dir.\n# These entries are kept for documentation; k2v5 ignores them.\ntls:\n  cert: "/etc/kaitu/certs/server-cert.pem"\n  key: "/etc/kaitu/certs/server-key.pem"\nauth:\n  users_file: "/etc/k2v5/users"\n  remote_url: "${center.url}/slave/device-check-auth"\n  cache_ttl: 15m\n  enforce_auth: false\nlog:\n  level: "info"\nhop_start: 40000\nhop_end: 40019\n`,
    );
    // .ready holds the Unix seconds it was written at
    const ready = (await run(H, "sudo docker exec k2-sidecar cat /etc/kaitu/.ready")).out;
    expect(ready).toMatch(/^\d{10}$/);
    expect(Math.abs(Number(ready) * 1000 - byMsg("Created ready flag").time)).toBeLessThan(1000);
  });

  it("SIGTERM: Received signal … Shutdown complete, around the DELETE's own request line; Center forgets the node", async () => {
    expect(center.state.nodes.some((n) => n.ipv4 === H3)).toBe(true);
    expect((await run(H3, "docker stop k2-sidecar", 30_000)).code).toBe(0);
    expect(center.state.nodes.some((n) => n.ipv4 === H3)).toBe(false);
    const { all } = await sidecarLog(H3);
    const tail = all.slice(-7);
    expect(tail.map((l) => [l.msg, keys(l)])).toEqual([
      ["Received signal, shutting down...", "component signal"],
      ["Shutting down...", "component"],
      ["Unregistering node", "component ipv4"],
      ["Center request ok", "component method path status elapsed"],
      ["Node unregistered successfully", "component ipv4"],
      ["Node unregistered successfully", "component"],
      ["Shutdown complete", "component"],
    ]);
    expect(tail[0].raw).toMatch(/ component=sidecar signal=terminated$/);
    expect(tail[3].raw).toMatch(/ component=node method=DELETE path=\/slave\/nodes\/127\.0\.72\.17 status=200 elapsed=\S+$/);
    expect(attr(tail[3], "elapsed")).toMatch(GO_DUR);
    expect(tail[4].raw).toMatch(/ component=node ipv4=127\.0\.72\.17$/);
    expect(tail[5].raw).toMatch(/ component=sidecar$/);
    // a stopped process writes nothing more
    await new Promise((r) => setTimeout(r, 1500));
    expect((await sidecarLog(H3)).all.length).toBe(all.length);
  });

  it("IPv6 on the container network, no K2_NODE_REGION, a bad REPORT_INTERVAL: Detected IPv6 + ip6=, Auto-generated region, the WARN", async () => {
    const envPath = path.join(fleet.stateRoot, H4, "node.env");
    fs.appendFileSync(envPath, "CONTAINER_IPV6='2001:db8::72:18'\n");
    const edit = "cd /apps/k2s && sed -i '/^K2_NODE_REGION=/d' .env && echo 'REPORT_INTERVAL=2x' >> .env && docker compose up -d";
    expect((await run(H4, edit, 60_000)).code).toBe(0);
    const { runs } = await sidecarLog(H4);
    const cur = startupOnly(runs[runs.length - 1]);
    const expected: [string, string][] = [
      ...GO_CONFIG,
      ["Auto-generated region", "component region"],
      ...GO_CONFIG_END,
      ["Detected IP", "component ipv4 country region"],
      ["Detected IPv6", "component ipv6"],
      ["Center URL", "component url"],
      ["Config Dir", "component dir"],
      // the connect-url.txt k2s wrote at its last start is in the k2v5-data volume
      ["Built k2v5 server URL", "component url"],
      ["K2 tunnel configured", "component domain port protocol hopPortStart hopPortEnd suffix"],
      ["Tunnels to register", "component count"],
      ...GO_REGISTER,
      ...GO_START_TAIL,
      ["Invalid report_interval, using default 120s", "component interval"],
    ];
    expect(cur.slice(0, expected.length).map((l) => [l.msg, keys(l)])).toEqual(expected);
    expect(cur.find((l) => l.msg === "Auto-generated region")!.raw).toMatch(/ component=config region=jp-tokyo$/);
    expect(cur.find((l) => l.msg === "Config loaded")!.raw).toMatch(/ region=jp-tokyo tunnelPort=443 /);
    expect(cur.find((l) => l.msg === "Detected IPv6")!.raw).toMatch(/ component=node ipv6=2001:db8::72:18$/);
    expect(cur.find((l) => l.msg === "Invalid report_interval, using default 120s")!.level).toBe("WARN");
    expect(cur.find((l) => l.msg === "Invalid report_interval, using default 120s")!.raw).toMatch(/ component=sidecar interval=2x$/);
    const url = attr(cur.find((l) => l.msg === "Built k2v5 server URL")!, "url")!;
    expect(url).toMatch(/^k2v5:\/\/127-0-72-18\.sslip\.io:443\?ech=[\w-]+&pin=sha256:[\w-]+&hop=40000-40019&ip=127\.0\.72\.18&ip6=2001:db8::72:18$/);
    // Center got the auto region, and the serverUrl with the first registration
    const node = center.state.nodes.find((n) => n.ipv4 === H4)!;
    expect(node.region).toBe("jp-tokyo");
    expect(center.state.tunnels.find((t) => t.domain === dom(H4))!.serverUrl).toBe(url);
  });
});

describe("17. status reports: the collector's ticker posts /slave/report/status; Center stores and serves them", () => {
  it("every REPORT_INTERVAL / TIME_SCALE from the start (a Ticker: none at once), with the Go code's lines", async () => {
    // H2 was restarted in beforeAll: its collector started at "Created ready flag"
    await expect.poll(async () => (await sidecarLog(H2)).runs.at(-1)!.filter((l) => l.msg === "Status reported successfully").length, { timeout: 45_000, interval: 1000 }).toBeGreaterThanOrEqual(2);
    const cur = (await sidecarLog(H2)).runs.at(-1)!;
    const ready = cur.find((l) => l.msg === "Created ready flag")!.time;
    const collected = cur.filter((l) => l.msg === "Collected metrics");
    // 120 s scaled by the node's TIME_SCALE (12): every 10 s from the start, the first one 10 s in
    expect(collected[0].time - ready).toBe(10_000);
    expect(collected[1].time - collected[0].time).toBe(10_000);
    const i = cur.indexOf(collected[0]);
    expect(cur.slice(i, i + 4).map((l) => [l.msg, keys(l)])).toEqual([
      ["Collected metrics", "component cpu memory disk networkUpMbps networkDownMbps"],
      ["Reporting status", "component cpu mem disk conn speedMbps upMbps downMbps latencyMs loss netIn netOut"],
      ["Center request ok", "component method path status elapsed"],
      ["Status reported successfully", "component response"],
    ]);
    const [c, r, ok, done] = cur.slice(i, i + 4);
    expect(c.raw).toMatch(/ component=metrics /);
    for (const k of ["cpu", "memory", "disk", "networkUpMbps", "networkDownMbps"]) expect(attr(c, k)).toMatch(GO_FLOAT);
    expect([attr(r, "cpu"), attr(r, "mem"), attr(r, "disk"), attr(r, "upMbps"), attr(r, "downMbps")]).toEqual([attr(c, "cpu"), attr(c, "memory"), attr(c, "disk"), attr(c, "networkUpMbps"), attr(c, "networkDownMbps")]);
    expect(r.raw).toMatch(/ component=node .* conn=0 speedMbps=0 .* latencyMs=0 loss=0 netIn=\d+ netOut=\d+$/);
    expect(ok.raw).toMatch(/ component=node method=POST path=\/slave\/report\/status status=200 elapsed=\S+$/);
    expect(attr(ok, "elapsed")).toMatch(GO_DUR);
    expect(done.raw).toMatch(/ component=node response="\{\\"code\\":0,\\"data\\":\{\\"success\\":true\}\}"$/);
  });

  it("Center appends a slave_node_loads row per report (the Health the node sent) and /app/tunnels shows its load", async () => {
    await expect.poll(async () => (await sidecarLog(H)).all.filter((l) => l.msg === "Status reported successfully").length, { timeout: 30_000, interval: 1000 }).toBeGreaterThanOrEqual(1);
    const log = (await sidecarLog(H)).all;
    const node = center.state.nodes.find((n) => n.ipv4 === H)!;
    const row = latestLoadRow(center.state.loadRows, node.id)!;
    expect(row).toBeTruthy();
    // the row holds what the last "Reporting status" line said
    const rep = log.filter((l) => l.msg === "Reporting status").at(-1)!;
    expect(row.memoryUsagePercent).toBe(Number(attr(rep, "mem")));
    expect(row.diskUsagePercent).toBe(Number(attr(rep, "disk")));
    expect(row.bandwidthUpMbps).toBe(Number(attr(rep, "upMbps")));
    expect(row.bandwidthDownMbps).toBe(Number(attr(rep, "downMbps")));
    expect(row.totalBytesReceived).toBe(Number(attr(rep, "netIn")));
    expect(row.totalBytesSent).toBe(Number(attr(rep, "netOut")));
    expect(row.connectionCount).toBe(0);
    // metering on: the traffic monitor's figures ride along
    expect(row.monthlyTrafficLimitBytes).toBe(1000 * 2 ** 30);
    expect(row.usedTrafficBytes).toBeGreaterThan(17_000_000_000);
    expect(row.billingCycleEndAt).toBeGreaterThan(Date.now() / 1000);
    // the admin view: CalculateNodeLoad of the latest row (100 = never reported)
    const res = await fetch(`${center.url}/app/tunnels?pageSize=100`, { headers: { "X-Access-Key": center.accessKeys.viewer } });
    const items = ((await res.json()) as { data: { items: { domain: string; node: { load: number } }[] } }).data.items;
    const load = items.find((t) => t.domain === dom(H))!.node.load;
    expect(load).toBe(calculateNodeLoad(latestLoadRow(center.state.loadRows, node.id)));
    expect(load).toBeLessThan(100);
    // metering off: the billing fields are zero
    const offRow = async () => {
      await run(OFF, "docker ps >/dev/null"); // the node's time passes when something runs on it
      return latestLoadRow(center.state.loadRows, center.state.nodes.find((n) => n.ipv4 === OFF)!.id);
    };
    await expect.poll(offRow, { timeout: 30_000, interval: 1000 }).toBeTruthy();
    expect(await offRow()).toMatchObject({ billingCycleEndAt: 0, monthlyTrafficLimitBytes: 0, usedTrafficBytes: 0 });
  });
});

describe("18. a restart loop's lines appear as time passes", () => {
  it("no line in docker logs is stamped after the moment docker logs ran", async () => {
    for (const h of [NET, CTR, SEC]) {
      const { all, end } = await sidecarLog(h);
      expect(all.length).toBeGreaterThan(0);
      for (const l of all) expect(l.time, `${h}: ${l.raw}`).toBeLessThanOrEqual(end);
    }
  });

  it("a dead container network: Failed to get IPv4 address comes 30 s into its run, with ip.go's last error", async () => {
    const lastRunWithError = async () => (await sidecarLog(NET)).runs.filter((r) => r.some((l) => l.msg === "Failed to get IPv4 address (K2 mode requires IPv4)")).at(-1);
    await expect.poll(lastRunWithError, { timeout: 50_000, interval: 1000 }).toBeTruthy();
    const runLines = (await lastRunWithError())!;
    expect(runLines.map((l) => [l.msg, keys(l)])).toEqual([...GO_CONFIG.slice(0, 6), ["Failed to get IPv4 address (K2 mode requires IPv4)", "component err"]]);
    expect(runLines.at(-1)!.time - runLines[0].time).toBe(30_000);
    expect(runLines.at(-1)!.raw).toMatch(/level=ERROR msg="Failed to get IPv4 address \(K2 mode requires IPv4\)" component=config err="all ipv4 services failed: Get \\"https:\/\/ipwhois\.app\/json\/\\": dial tcp4: lookup ipwhois\.app: i\/o timeout"$/);
    // config load exits before main() clears a stale .ready: none was there, none is
    expect((await run(NET, "sudo docker exec k2-sidecar test -e /etc/kaitu/.ready")).code).not.toBe(0);
  });

  it("no secret: NewNode refuses before its own IP lookup (no Detected IP)", async () => {
    const { runs } = await sidecarLog(SEC);
    const full = runs.filter((r) => r.some((l) => l.msg === "Failed to initialize"));
    expect(full.length).toBeGreaterThanOrEqual(1);
    expect(full[0].map((l) => [l.msg, keys(l)])).toEqual([...GO_CONFIG, ["Using configured region", "component region"], ...GO_CONFIG_END, ["Failed to initialize", "component err"]]);
    expect(full[0].at(-1)!.raw).toMatch(/level=ERROR msg="Failed to initialize" component=sidecar err="failed to create node: secret is required"$/);
  });

  it("Center unreachable: the request's error as Go's http client words it, wrapped twice by Register and Start", async () => {
    const { runs } = await sidecarLog(CTR);
    const full = runs.filter((r) => r.some((l) => l.msg === "Failed to start"));
    expect(full.length).toBeGreaterThanOrEqual(1);
    const last = full.at(-1)!;
    expect(last.slice(-4).map((l) => l.msg)).toEqual(["Tunnels to register", "Registering node with tunnels", "Center request failed", "Failed to start"]);
    const url = `http://127.0.0.1:9/slave/nodes/${CTR}`;
    const cause = `Put \\"${url}\\": dial tcp 127.0.0.1:9: connect: connection refused`;
    expect(last.at(-2)!.raw).toContain(`level=ERROR msg="Center request failed" component=node method=PUT path=/slave/nodes/${CTR} elapsed=`);
    expect(last.at(-2)!.raw).toMatch(new RegExp(` err="${cause.replace(/[.\\/"]/g, "\\$&")}"$`));
    expect(attr(last.at(-2)!, "elapsed")).toMatch(GO_DUR);
    expect(last.at(-1)!.raw).toContain(`level=ERROR msg="Failed to start" component=sidecar err="failed to register node: failed to register node: ${cause}"`);
  });
});

describe("19. metering off", () => {
  it("the collector says traffic monitoring is disabled; cutoff.state is never deleted", async () => {
    const { runs } = await sidecarLog(OFF);
    const first = runs[0];
    const ready = first.findIndex((l) => l.msg === "Created ready flag");
    expect(first.slice(ready + 1, ready + 5).map((l) => [l.level, l.msg, keys(l)])).toEqual([
      ["INFO", "Traffic monitoring disabled (no billing date configured)", "component"],
      ["INFO", "Starting metrics collection loop", "component"],
      ["WARN", "Metering disabled: no billing date (K2_NODE_BILLING_START_DATE) — node runs uncapped", "component"],
      ["INFO", "Service started successfully, waiting for shutdown signal...", "component"],
    ]);
    expect(first[ready + 1].raw).toMatch(/ component=collector$/);
    // no traffic monitor: nothing reads the NIC
    expect(first.some((l) => l.msg === "Detected primary interface")).toBe(false);
    // a cutoff.state left from when the node was metered survives a restart
    expect((await run(OFF, `sudo docker exec k2-sidecar sh -c 'printf "{\\"epoch_id\\":0,\\"cut\\":false}" > /etc/kaitu/cutoff.state'`)).code).toBe(0);
    expect((await run(OFF, "docker restart k2-sidecar", 30_000)).code).toBe(0);
    expect((await run(OFF, "sudo docker exec k2-sidecar cat /etc/kaitu/cutoff.state")).out).toBe('{"epoch_id":0,"cut":false}');
    const again = (await sidecarLog(OFF)).runs.at(-1)!;
    expect(again.some((l) => l.msg === "Traffic monitoring disabled (no billing date configured)")).toBe(true);
  });
});

describe("20. connect-url: k2s writes it after its start, the sidecar's poller re-registers with serverUrl", () => {
  it("the first start: Updated k2v5 serverURL, and Center keeps that serverUrl for the tunnel", async () => {
    const { all } = await sidecarLog(H);
    const upd = all.find((l) => l.msg === "Updated k2v5 serverURL")!;
    expect(upd).toBeTruthy();
    const url = attr(upd, "url")!;
    expect(upd.raw).toContain(' component=sidecar url="k2v5://'); // the URL has '=' in it: slog quotes it
    expect(url).toMatch(/^k2v5:\/\/127-0-72-11\.sslip\.io:443\?ech=[\w-]+&pin=sha256:[\w-]+&hop=40000-40019&ip=127\.0\.72\.11$/);
    // the re-registration: buildTunnelConfigs again (Built …), then Register with the URL
    const i = all.indexOf(upd);
    expect(all.slice(i - 6, i + 1).map((l) => l.msg)).toEqual(["Built k2v5 server URL", "K2 tunnel configured", ...GO_REGISTER.map((x) => x[0]), "Updated k2v5 serverURL"]);
    expect(all[i - 2].raw).toMatch(/ created=false$/);
    expect(center.state.tunnels.find((t) => t.domain === dom(H))!.serverUrl).toBe(url);
    const res = await fetch(`${center.url}/app/nodes`, { headers: { "X-Access-Key": center.accessKeys.viewer } });
    const nodes = ((await res.json()) as { data: { items: { ipv4: string; tunnels: { serverUrl?: string }[] }[] } }).data.items;
    expect(nodes.find((n) => n.ipv4 === H)!.tunnels[0].serverUrl).toBe(url);
  });

  it("a sidecar-only restart: the old file builds the URL at once, but the poller waits (every 30 s) until k2s writes a new one", async () => {
    const wait = async () => (await sidecarLog(H2)).runs.at(-1)!.filter((l) => l.msg === "Waiting for k2v5 connect-url.txt...");
    await expect.poll(async () => (await wait()).length, { timeout: 40_000, interval: 1000 }).toBeGreaterThanOrEqual(1);
    const cur = (await sidecarLog(H2)).runs.at(-1)!;
    const ready = cur.find((l) => l.msg === "Created ready flag")!.time;
    expect(cur.some((l) => l.msg === "Built k2v5 server URL")).toBe(true);
    expect(cur.some((l) => l.msg === "Updated k2v5 serverURL")).toBe(false);
    expect((await wait())[0].raw).toMatch(/level=INFO msg="Waiting for k2v5 connect-url\.txt\.\.\." component=sidecar$/);
    // the 6th poll (every 5 s, the first at once): 25 s after the poller started
    expect((await wait())[0].time - ready).toBe(25_000);
    expect(h2Restart).toBeLessThanOrEqual(ready);
    // k2s starts again and writes the file: the next poll finds it
    expect((await run(H2, "docker restart k2s", 30_000)).code).toBe(0);
    const k2sStart = Date.parse((await run(H2, "docker inspect -f '{{.State.StartedAt}}' k2s")).out.trim());
    await expect.poll(async () => (await sidecarLog(H2)).runs.at(-1)!.some((l) => l.msg === "Updated k2v5 serverURL"), { timeout: 15_000, interval: 500 }).toBe(true);
    const after = (await sidecarLog(H2)).runs.at(-1)!;
    const built = after.filter((l) => l.msg === "Built k2v5 server URL").at(-1)!;
    expect((built.time - ready) % 5000).toBe(0);
    expect(built.time).toBeGreaterThanOrEqual(k2sStart);
    expect(built.time - k2sStart).toBeLessThanOrEqual(5500);
    const url = attr(after.find((l) => l.msg === "Updated k2v5 serverURL")!, "url");
    expect(center.state.tunnels.find((t) => t.domain === dom(H2))!.serverUrl).toBe(url);
  });
});

describe("21. Center answers badly", () => {
  it("a secret Center no longer takes (TOFU): Center request ok, then Failed to start with Register's message; each run repeats it", async () => {
    // Center holds another secret for this IP (someone re-registered it meanwhile)
    center.state.nodes.find((n) => n.ipv4 === H5)!.secretToken = "e".repeat(64);
    expect((await run(H5, "docker restart k2-sidecar", 30_000)).code).toBe(0);
    // the unregister answered code 500 in an HTTP 200: Unregister only looks at the status
    const stop = (await sidecarLog(H5)).runs.at(-2)!.slice(-4);
    expect(stop.map((l) => l.msg)).toEqual(["Center request ok", "Node unregistered successfully", "Node unregistered successfully", "Shutdown complete"]);
    const failing = async () => (await sidecarLog(H5)).runs.slice(-2).filter((r) => r.some((l) => l.msg === "Failed to start"));
    await expect.poll(async () => (await failing()).length, { timeout: 25_000, interval: 1000 }).toBe(2);
    for (const r of await failing()) {
      expect(r.slice(-3).map((l) => l.msg)).toEqual(["Registering node with tunnels", "Center request ok", "Failed to start"]);
      expect(r.at(-2)!.raw).toMatch(/ component=node method=PUT path=\/slave\/nodes\/127\.0\.72\.19 status=200 elapsed=\S+$/);
      expect(r.at(-1)!.raw).toMatch(/level=ERROR msg="Failed to start" component=sidecar err="failed to register node: registration failed: code=403, message=invalid secretToken"$/);
    }
    expect((await run(H5, "docker inspect --format='{{.State.Health.Status}}' k2-sidecar")).out).toBe("starting\n");
  });
});

describe("the secret", () => {
  it("never appears in any node's docker logs (the registration body holding it goes to curl's config only)", async () => {
    const ips = Object.keys(NODES);
    for (const [i, ip] of ips.entries()) {
      const secret = (i + 1).toString(16).repeat(64).slice(0, 64);
      const { text } = await sidecarLog(ip);
      expect(text.length).toBeGreaterThan(0);
      expect(text.includes(secret), `${ip}'s secret in its docker logs`).toBe(false);
    }
  });
});
