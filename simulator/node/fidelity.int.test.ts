import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCenterSim } from "@/simulator/center";
import { MemoryHostKeyStore } from "@/lib/ssh/host-keys";
import { SshEngine, unwrappedCommand } from "@/lib/ssh/engine";
import { SimFleet, type Scenario } from "./fleet";

// Fidelity of the node simulator: every command of node-behavior.md §10
// ("Simulator checklist", items 1–33) run over real SSH as ubuntu on port 1022,
// with stdout, stderr and exit code checked against the documented output, in
// the healthy state and in the failure states S1–S12 the checklist names.
// Addresses 127.0.50.x are this suite's own.

const NODES: Record<string, Scenario> = {
  "127.0.50.11": "healthy",
  "127.0.50.12": "restart-loop-net", // S1 / S10
  "127.0.50.13": "nftables", // S2
  "127.0.50.14": "cut", // S3
  "127.0.50.15": "metering-off", // S4
  "127.0.50.16": "legacy-k2-slave", // S5
  "127.0.50.17": "unmigrated", // S6
  "127.0.50.18": "k2-oc-orphan", // S7
  "127.0.50.19": "wrong-timezone", // S8
  "127.0.50.20": "bbr-off", // S9
  "127.0.50.21": "restart-loop-secret", // S11
  "127.0.50.22": "restart-loop-center", // S12
  "127.0.50.23": "no-ipv6",
  "127.0.50.24": "healthy", // the cut test and restarts (changes state)
  "127.0.50.25": "healthy", // .env interpolation (rewrites its .env)
};
const ip = (s: Scenario, nth = 0) => Object.entries(NODES).filter(([, v]) => v === s)[nth][0];
const H = ip("healthy");
const H2 = ip("healthy", 1);
const HENV = ip("healthy", 2);
const S1 = ip("restart-loop-net");
const S2 = ip("nftables");
const S3 = ip("cut");
const S4 = ip("metering-off");
const S5 = ip("legacy-k2-slave");
const S6 = ip("unmigrated");
const S7 = ip("k2-oc-orphan");
const S8 = ip("wrong-timezone");
const S9 = ip("bbr-off");
const S11 = ip("restart-loop-secret");
const S12 = ip("restart-loop-center");
const NOV6 = ip("no-ipv6");

const dir = "/tmp/k2ops-test-fidelity";
let center: Awaited<ReturnType<typeof startCenterSim>>;
let fleet: SimFleet;
let ssh: SshEngine;

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
  const key = SimFleet.clientKey(path.join(dir, "keys"));
  fleet = new SimFleet(path.join(dir, "nodes"), key.publicKey);
  const specs = Object.entries(NODES).map(([ip, scenario], i) => ({ ip, name: `jp-tokyo.aws.wm${50 + i}`, country: "JP", region: "jp-tokyo.aws", scenario, secret: (i + 1).toString(16).repeat(64).slice(0, 64), centerUrl: center.url }));
  await fleet.addNodes(specs, 8);
  ssh = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys: new MemoryHostKeyStore() });
}, 120_000);
afterAll(async () => {
  await ssh?.closeAll();
  await fleet?.stop();
  await center?.close();
});

/** One command as the console sends it (the guardrails are the console's business, not the simulator's). */
async function run(host: string, command: string, timeoutMs = 20_000) {
  const r = await ssh.exec({ host }, command as never, { timeoutMs });
  return { out: r.stdout, err: r.stderr, code: r.code };
}

describe("§10 items 1-3: containers", () => {
  it("1. docker ps --format '{{.Names}}'", async () => {
    expect((await run(H, "docker ps --format '{{.Names}}'")).out).toBe("k2s\nk2-sidecar\n");
    expect((await run(S5, "docker ps --format '{{.Names}}'")).out).toBe("k2-slave\nk2-sidecar\n");
    expect((await run(S7, "docker ps --format '{{.Names}}'")).out).toBe("k2s\nk2-sidecar\nk2-oc\n");
    for (const s of [S1, S11, S12]) expect((await run(s, "docker ps --format '{{.Names}}'")).out).toBe("k2-sidecar\n");
  });

  it("2. docker compose ps: the §1.5 table and each failure state's STATUS", async () => {
    const h = await run(H, "cd /apps/k2s && docker compose ps");
    const lines = h.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s{3,}IMAGE\s{3,}COMMAND\s{3,}SERVICE\s{3,}CREATED\s{3,}STATUS\s{3,}PORTS$/);
    expect(lines[1]).toMatch(/^k2-sidecar\s+public\.ecr\.aws\/d6n9t2r2\/k2-sidecar:v\S+\s+"\/entrypoint\.sh"\s+k2-sidecar\s+2 days ago\s+Up 2 days \(healthy\)\s*$/);
    expect(lines[2]).toMatch(/^k2s\s+public\.ecr\.aws\/d6n9t2r2\/k2s:v\S+\s+"\.\/entrypoint\.sh"\s+k2s\s+2 days ago\s+Up 2 days\s+0\.0\.0\.0:443->443\/tcp, 0\.0\.0\.0:443->443\/udp/);
    expect(h.code).toBe(0);

    // Docker's human durations: "Less than a second", "1 second", "17 seconds"
    const secs = "(?:Less than a second|\\d+ seconds?)";
    expect((await run(S1, "cd /apps/k2s && docker compose ps")).out).toMatch(new RegExp(`k2-sidecar .*(Up ${secs} \\(health: starting\\)|Restarting \\(1\\) Less than a second ago)`));
    expect((await run(S11, "cd /apps/k2s && docker compose ps")).out).toMatch(new RegExp(`k2-sidecar .*(Restarting \\(1\\) ${secs} ago|Up ${secs} \\(health: starting\\))`));
    expect((await run(S12, "cd /apps/k2s && docker compose ps")).out).toMatch(new RegExp(`k2-sidecar .*Up ${secs} \\(health: starting\\)`));
    expect((await run(S3, "cd /apps/k2s && docker compose ps")).out).toMatch(/\nk2s .*Up 2 days \(Paused\)/);
    expect((await run(S7, "cd /apps/k2s && docker compose ps")).out).toMatch(/\nk2-oc\s+public\.ecr\.aws\/d6n9t2r2\/k2-oc:latest\s+.*\s+k2-oc\s+3 months ago\s+Up 3 months\s+0\.0\.0\.0:10001->443\/tcp, \[::\]:10001->443\/tcp/);

    const s6 = await run(S6, "cd /apps/k2s && docker compose ps");
    expect(s6).toMatchObject({ out: "", code: 1 });
    expect(s6.err).toBe("bash: line 1: cd: /apps/k2s: No such file or directory\n");
    expect(await run(H, "cd /tmp && docker compose ps")).toMatchObject({ err: expect.stringContaining("no configuration file provided: not found"), code: 1 });
    expect((await run(S11, "cd /apps/k2s && docker compose ps")).err).toContain('The "K2_NODE_SECRET" variable is not set. Defaulting to a blank string.');
  });

  it("3. sidecar health and restart count", async () => {
    const health = "docker inspect --format='{{.State.Health.Status}}' k2-sidecar";
    for (const s of [H, S3, S4, S8, S9]) expect((await run(s, health)).out).toBe("healthy\n");
    for (const s of [S1, S11, S12]) expect((await run(s, health)).out).toBe("starting\n");
    expect((await run(H, "docker inspect -f '{{.RestartCount}}' k2-sidecar")).out).toBe("0\n");
    expect(Number((await run(S11, "docker inspect -f '{{.RestartCount}}' k2-sidecar")).out)).toBeGreaterThanOrEqual(0);
    expect(await run(H, "docker inspect --format='{{.State.Health.Status}}' k2-nosuch")).toMatchObject({ out: "", err: "Error: No such object: k2-nosuch\n", code: 1 });
  });
});

describe("§1.5 machine formats: compose ps --format json (both Compose layouts), StartedAt, logs --since", () => {
  it("Compose ≥ 2.21: one JSON object per line with the CLI formatter's fields; Publishers as Compose lists them", async () => {
    const r = await run(H, "cd /apps/k2s && docker compose ps --format json");
    expect(r.code).toBe(0);
    const rows = r.out.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => [x.Name, x.Service, x.State, x.Health, x.Status])).toEqual([
      ["k2-sidecar", "k2-sidecar", "running", "healthy", "Up 2 days (healthy)"],
      ["k2s", "k2s", "running", "", "Up 2 days"],
    ]);
    expect(Object.keys(rows[0])).toEqual(["Command", "CreatedAt", "ExitCode", "Health", "ID", "Image", "Labels", "LocalVolumes", "Mounts", "Name", "Names", "Networks", "Ports", "Project", "Publishers", "RunningFor", "Service", "Size", "State", "Status"]);
    expect(rows[0].Publishers).toBeNull();
    const pubs = rows[1].Publishers as { URL: string; TargetPort: number; PublishedPort: number; Protocol: string }[];
    expect(pubs).toHaveLength(44);
    expect(pubs[0]).toEqual({ URL: "0.0.0.0", TargetPort: 443, PublishedPort: 443, Protocol: "tcp" });
    expect(pubs.filter((p) => p.URL === "0.0.0.0")).toHaveLength(22);
    expect(rows[0].Command).toBe('"/entrypoint.sh"');
    expect((await run(S3, "cd /apps/k2s && docker compose ps --format json")).out).toMatch(/"Name":"k2s".*"State":"paused","Status":"Up 2 days \(Paused\)"/);
  });

  it("Compose before 2.21 (a node fact or fault): the old table, and ONE JSON array without Status", async () => {
    await fleet.setFault(H, { composeVersion: "2.12.2" });
    try {
      expect((await run(H, "docker compose version")).out).toBe("Docker Compose version v2.12.2\n");
      const t = (await run(H, "cd /apps/k2s && docker compose ps")).out.split("\n");
      expect(t[0]).toMatch(/^NAME {16}COMMAND {13}SERVICE {13}STATUS {14}PORTS$/);
      expect(t[1]).toMatch(/^k2-sidecar {10}"\/entrypoint\.sh" {4}k2-sidecar {10}running \(healthy\) {3}/);
      const j = await run(H, "cd /apps/k2s && docker compose ps --format json");
      expect(j.out.trimEnd().split("\n")).toHaveLength(1);
      const arr = JSON.parse(j.out) as Record<string, unknown>[];
      expect(arr.map((x) => Object.keys(x))).toEqual([0, 1].map(() => ["ID", "Name", "Command", "Project", "Service", "State", "Health", "ExitCode", "Publishers"]));
      expect(arr.map((x) => [x.Name, x.State, x.Health])).toEqual([["k2-sidecar", "running", "healthy"], ["k2s", "running", ""]]);
      expect(arr[0].ID).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await fleet.setFault(H, {});
    }
  });

  it("docker inspect State.StartedAt is RFC3339Nano UTC; a restart loop's is its current run", async () => {
    const h = (await run(H, "docker inspect --format '{{.State.StartedAt}} {{.RestartCount}}' k2-sidecar")).out.trim().split(" ");
    expect(h[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*[1-9])?Z$/);
    expect(Date.now() - Date.parse(h[0])).toBeGreaterThan(2 * 86400_000 - 60_000);
    expect(h[1]).toBe("0");
    const loop = (await run(S11, "docker inspect --format '{{.State.StartedAt}} {{.RestartCount}}' k2-sidecar")).out.trim().split(" ");
    expect(Date.now() - Date.parse(loop[0])).toBeLessThan(11_000);
    expect(Number(loop[1])).toBeGreaterThan(0);
  });

  it("docker logs --since <StartedAt> shows the current run only; a duration works too", async () => {
    const started = (await run(H2, "docker inspect --format '{{.State.StartedAt}}' k2-sidecar")).out.trim();
    const all = (await run(H2, `docker logs --since ${started} k2-sidecar 2>&1`)).out;
    expect(all.split("\n")[0]).toBe("[entrypoint] Generated config: /tmp/sidecar-config.yaml");
    expect(all).toContain('msg="Registration completed"');
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await run(H2, `docker logs --since ${future} k2-sidecar 2>&1`)).toMatchObject({ out: "", code: 0 });
    expect((await run(H2, "docker logs --since 10m k2-sidecar 2>&1 | grep -c 'Registration completed'")).out).not.toBe("0\n");
  });
});

describe("§10 items 4-8: logs, readiness, network, ports", () => {
  it("4. sidecar logs go to stderr: without 2>&1 grep sees nothing; with it, Registration completed (twice)", async () => {
    const bare = await run(H, `docker logs --tail 30 k2-sidecar | grep "Registration completed"`);
    expect(bare.out).toBe("");
    expect(bare.err).toMatch(/level=INFO msg=/);
    const all = (await run(H, `docker logs k2-sidecar 2>&1 | grep "Registration completed"`)).out.trimEnd().split("\n");
    expect(all).toHaveLength(2);
    for (const l of all) expect(l).toMatch(new RegExp(`^time=\\S+Z level=INFO msg="Registration completed" component=node ipv4=${H.replace(/\./g, "\\.")} nodeCreated=(true|false) tunnels=1$`));
    for (const s of [S1, S11, S12]) expect((await run(s, `docker logs k2-sidecar 2>&1 | grep -c "Registration completed"`)).out).toBe("0\n");
  });

  it("5. Tunnel registered: created=true then created=false", async () => {
    const l = (await run(H, `docker logs k2-sidecar 2>&1 | grep "Tunnel registered"`)).out.trimEnd().split("\n");
    expect(l).toHaveLength(2);
    expect(l[0]).toMatch(/msg="Tunnel registered" component=node domain=127-0-50-11\.sslip\.io protocol=k2v5 created=true$/);
    expect(l[1]).toMatch(/created=false$/);
  });

  it("6. k2s logs to its file: docker logs has no 'server ready', k2s.log has it", async () => {
    expect((await run(H, `docker logs --tail 20 k2s | grep "server ready"`)).out).toBe("");
    expect((await run(H, `grep "server ready" /apps/k2s/logs/k2s.log`)).out).toMatch(/^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=INFO msg="k2s server ready" listen=:443\n/);
    expect((await run(H, "docker logs k2s")).out).toContain("[INFO] Starting k2s with config: /etc/kaitu/k2v5-config.yaml");
    expect(await run(S1, "docker logs k2s")).toMatchObject({ out: "", code: 0 });
  });

  it("7. container outbound net: the node's IP without a newline, or busybox's timeout", async () => {
    expect(await run(H, "docker exec k2-sidecar wget -qO- --timeout=5 https://api.ipify.org")).toMatchObject({ out: H, code: 0 });
    for (const s of [S1, S2]) {
      const r = await run(s, "docker exec k2-sidecar wget -qO- --timeout=5 https://api.ipify.org");
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^(wget: download timed out|Error response from daemon: Container [0-9a-f]+ is restarting, wait until the container is running)\n$/);
    }
  });

  it("8. docker port: 44 lines with IPv6, 22 without; none for k2s on a legacy node", async () => {
    const h = (await run(H, "docker port k2s")).out.trimEnd().split("\n");
    expect(h).toHaveLength(44);
    expect(h).toContain("443/tcp -> 0.0.0.0:443");
    expect(h).toContain("443/udp -> 0.0.0.0:40019");
    expect(h).toContain("443/udp -> [::]:40000");
    const v4 = (await run(NOV6, "docker port k2s")).out.trimEnd().split("\n");
    expect(v4).toHaveLength(22);
    expect(v4.every((l) => l.includes("0.0.0.0:"))).toBe(true);
    expect((await run(S3, "docker port k2s")).out.trimEnd().split("\n")).toHaveLength(44);
    expect(await run(S5, "docker port k2s")).toMatchObject({ err: "Error response from daemon: No such container: k2s\n", code: 1 });
    expect(await run(S5, "docker port k2-slave")).toMatchObject({ out: "", code: 0 });
  });
});

describe("§10 items 9-12: host settings and the nf_tables fix", () => {
  it("9. timedatectl: labels right-aligned, Asia/Singapore or (S8) Etc/UTC", async () => {
    expect((await run(H, "timedatectl | grep 'Time zone'")).out).toBe("                Time zone: Asia/Singapore (+08, +0800)\n");
    expect((await run(S8, "timedatectl | grep 'Time zone'")).out).toBe("                Time zone: Etc/UTC (UTC, +0000)\n");
    const full = (await run(H, "timedatectl")).out.trimEnd().split("\n");
    expect(full.map((l) => l.indexOf(":"))).toEqual([25, 25, 25, 25, 25, 25, 25]);
    expect(full[4]).toBe("System clock synchronized: yes");
  });

  it("10. sysctl: bbr + fq, or (S9) cubic + fq_codel", async () => {
    expect((await run(H, "sysctl net.ipv4.tcp_congestion_control")).out).toBe("net.ipv4.tcp_congestion_control = bbr\n");
    expect((await run(S9, "sysctl net.ipv4.tcp_congestion_control")).out).toBe("net.ipv4.tcp_congestion_control = cubic\n");
    expect((await run(H, "sysctl -n net.ipv4.tcp_congestion_control")).out).toBe("bbr\n");
    expect((await run(H, "sysctl net.core.default_qdisc")).out).toBe("net.core.default_qdisc = fq\n");
    expect((await run(S9, "sysctl net.core.default_qdisc")).out).toBe("net.core.default_qdisc = fq_codel\n");
  });

  it("11. iptables --version", async () => {
    expect((await run(H, "iptables --version")).out).toBe("iptables v1.8.7 (nf_tables)\n");
    expect((await run(S2, "iptables --version")).out).toBe("iptables v1.8.4 (nf_tables)\n");
  });

  it("12. the S2 fix: update-alternatives to legacy, restart docker, up -d → healthy", async () => {
    const ua = await run(S2, "sudo update-alternatives --set iptables /usr/sbin/iptables-legacy");
    expect(ua.out + ua.err).toContain("update-alternatives: using /usr/sbin/iptables-legacy to provide /usr/sbin/iptables (iptables) in manual mode");
    expect((await run(S2, "sudo update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy")).code).toBe(0);
    expect(await run(S2, "sudo systemctl restart docker")).toMatchObject({ out: "", err: "", code: 0 });
    const up = await run(S2, "cd /apps/k2s && sudo docker compose up -d --remove-orphans", 60_000);
    expect(up.code).toBe(0);
    expect(up.out).toBe("");
    expect((await run(S2, "iptables --version")).out).toBe("iptables v1.8.4 (legacy)\n");
    expect(await run(S2, "docker exec k2-sidecar wget -qO- --timeout=5 https://api.ipify.org")).toMatchObject({ out: S2, code: 0 });
    expect((await run(S2, "docker inspect --format='{{.State.Health.Status}}' k2-sidecar")).out).toBe("healthy\n");
  });
});

describe("§10 items 13-21: update, restart, files", () => {
  it("13. pull + up -d: progress on stderr; a name: k2s compose in the old dir collides", async () => {
    const r = await run(H2, "cd /apps/k2s && docker compose pull && docker compose up -d", 60_000);
    expect(r).toMatchObject({ out: "", code: 0 });
    expect(r.err).toContain(" k2s Pulled");
    expect(r.err).toMatch(/ Container k2-sidecar {2}(Running|Recreated|Started)/);

    fs.copyFileSync(path.resolve("deploy-assets/docker/docker-compose.yml"), fleet.node(S6).hostPath("/apps/kaitu-slave/docker-compose.yml"));
    const c = await run(S6, "cd /apps/kaitu-slave && docker compose up -d", 60_000);
    expect(c.code).not.toBe(0);
    expect(c.err).toMatch(/Error response from daemon: Conflict\. The container name "\/k2-sidecar" is already in use by container "[0-9a-f]+"\. You have to remove \(or rename\) that container to be able to reuse that name\./);
  });

  it("14. docker restart prints the name; the sidecar re-registers (created=true) and is healthy again", async () => {
    const r = await run(H2, "docker restart k2-sidecar", 30_000);
    expect(r).toMatchObject({ out: "k2-sidecar\n", code: 0 });
    // k2s kept running: the connect-url.txt of its start builds the serverUrl at once, one registration (the poller waits for a newer file)
    expect((await run(H2, `docker logs k2-sidecar 2>&1 | grep -E "Built k2v5 server URL|Tunnel registered" | tail -n 2`)).out).toMatch(/msg="Built k2v5 server URL" .*\n.*created=true\n$/);
    await expect.poll(async () => (await run(H2, "docker inspect --format='{{.State.Health.Status}}' k2-sidecar")).out, { timeout: 10_000 }).toBe("healthy\n");
  });

  it("15. the redacting sed prints K2_NODE_SECRET=<redacted> and everything else verbatim", async () => {
    const r = await run(H, `sed -E "s/(SECRET|CLAIM|TOKEN)=.*/\\1=<redacted>/" /apps/k2s/.env`);
    expect(r.out).toContain("K2_NODE_SECRET=<redacted>\n");
    expect(r.out).toContain("K2_NODE_BILLING_START_DATE=");
    expect(r.out).not.toMatch(/K2_NODE_SECRET=[0-9a-f]{64}/);
  });

  it("16. df, free, top, ss -s in Ubuntu's formats", async () => {
    const r = (await run(H, "df -h && free -h && top -bn1 | head -5")).out.split("\n");
    expect(r[0]).toBe("Filesystem      Size  Used Avail Use% Mounted on");
    expect(r[1]).toMatch(/^\/dev\/root\s+\d+(\.\d)?G\s+\d+(\.\d)?G\s+\d+(\.\d)?G\s+\d+% \/$/);
    const free = r.findIndex((l) => l.includes("buff/cache"));
    expect(r[free]).toMatch(/^\s+total\s+used\s+free\s+shared\s+buff\/cache\s+available$/);
    expect(r[free + 1]).toMatch(/^Mem:\s+[\d.]+Gi\s/);
    expect(r[free + 2]).toMatch(/^Swap:\s+0B\s+0B\s+0B$/);
    expect(r[free + 3]).toMatch(/^top - \d\d:\d\d:\d\d up 2 days, .* load average: [\d.]+, [\d.]+, [\d.]+$/);
    expect(r[free + 5]).toMatch(/^%Cpu\(s\):/);
    expect(r[free + 7]).toMatch(/^MiB Swap:/);
    const ss = (await run(H, "ss -s")).out;
    expect(ss).toMatch(/^Total: \d+\nTCP: {3}\d+ \(estab \d+, closed \d+, orphaned \d+, timewait \d+\)\n\nTransport Total {5}IP {8}IPv6\n/);
  });

  it("17. ip -6 addr: a global address with IPv6, only docker0's ULA without", async () => {
    const h = (await run(H, "ip -6 addr show scope global")).out;
    expect(h).toMatch(/^2: ens5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 state UP qlen 1000\n {4}inet6 [0-9a-f:]+\/128 scope global dynamic noprefixroute\n/);
    expect(h).toContain("inet6 fd00:1::1/80 scope global");
    const n = (await run(NOV6, "ip -6 addr show scope global")).out;
    expect(n).not.toContain("ens5");
    expect(n).toMatch(/^3: docker0: /);
  });

  it("18. auto-update.log: nightly blocks; missing in /apps/k2s on an un-migrated node", async () => {
    expect((await run(H, "tail -50 /apps/k2s/auto-update.log")).out).toMatch(/Auto-update started: \d{4}-\d\d-\d\d 20:0\d:\d\d UTC/);
    expect(await run(S6, "tail -50 /apps/k2s/auto-update.log")).toMatchObject({ err: "tail: cannot open '/apps/k2s/auto-update.log' for reading: No such file or directory\n", code: 1 });
  });

  it("19. sudo crontab -l: the nightly auto-update line, with the node's own deploy dir", async () => {
    expect((await run(H, "sudo crontab -l")).out).toBe("0 4 * * * /apps/k2s/auto-update.sh >> /apps/k2s/auto-update.log 2>&1\n");
    expect((await run(S6, "sudo crontab -l")).out).toBe("0 4 * * * /apps/kaitu-slave/auto-update.sh >> /apps/kaitu-slave/auto-update.log 2>&1\n");
  });

  it("20. users file: empty, counted 0; awk fails where /apps/k2s does not exist", async () => {
    expect(await run(H, "cat /apps/k2s/users")).toMatchObject({ out: "", code: 0 });
    expect((await run(H, "sudo awk 'NF{n++} END{print n+0}' /apps/k2s/users")).out).toBe("0\n");
    const s6 = await run(S6, "sudo awk 'NF{n++} END{print n+0}' /apps/k2s/users");
    expect(s6.code).toBe(2);
    expect(s6.err).toMatch(/awk: (fatal: )?cannot open .*\/apps\/k2s\/users/);
  });

  it("21. k2s's rendered config; exec refused while k2s is paused", async () => {
    const r = (await run(H, "docker exec k2s grep -E 'users_file|remote_url' /etc/kaitu/k2v5-config.yaml")).out;
    expect(r).toBe(`  users_file: "/etc/k2v5/users"\n  remote_url: "${center.url}/slave/device-check-auth"\n`);
    expect(await run(S3, "docker exec k2s grep -E 'users_file|remote_url' /etc/kaitu/k2v5-config.yaml")).toMatchObject({ err: expect.stringMatching(/^Error response from daemon: Container [0-9a-f]+ is paused, unpause the container before exec\n$/), code: 1 });
  });
});

describe("§10 items 22-27: metering, cut, set-usage", () => {
  const markers = `docker logs k2-sidecar 2>&1 | grep -iE "Registration completed|Traffic monitor initialized|usage-reporter|cutoff-enforcer-start|cutoff-(un)?paused"`;

  it("22. metering markers; metering off says so and has none; a cut node logs cutoff-paused and keeps reporting", async () => {
    const h = (await run(H, markers)).out;
    expect(h).toMatch(/msg="Traffic monitor initialized" component=traffic interface=\S+ billingDate=\d{4}-\d\d-\d\d limitGB=1000 billingMode=sum /);
    expect(h).toMatch(/msg="DIAG: usage-reporter-cycle-ok" component=usage epoch=\d+ cumulative=\d+ quotaTotal=1073741824000/);
    expect(h).toContain('msg="DIAG: cutoff-enforcer-start" component=cutoff interval=5s containers=[k2s]');
    const off = (await run(S4, markers)).out;
    expect(off).not.toMatch(/Traffic monitor|usage-reporter|cutoff/);
    expect((await run(S4, `docker logs k2-sidecar 2>&1 | grep "Metering disabled"`)).out).toMatch(/level=WARN msg="Metering disabled: no billing date \(K2_NODE_BILLING_START_DATE\) — node runs uncapped" component=sidecar\n$/);
    const cut = (await run(S3, markers)).out;
    expect(cut).toMatch(/level=WARN msg="DIAG: cutoff-paused" component=cutoff container=k2s usedBytes=\d+/);
    const cum = [...cut.matchAll(/usage-reporter-cycle-ok.*cumulative=(\d+)/g)].map((m) => Number(m[1]));
    expect(cum.length).toBeGreaterThan(0);
    expect(Math.min(...cum)).toBeGreaterThanOrEqual(1073217536000);
  });

  it("23. docker inspect Paused", async () => {
    expect((await run(H, "docker inspect -f '{{.State.Paused}}' k2s")).out).toBe("false\n");
    expect((await run(S3, "docker inspect -f '{{.State.Paused}}' k2s")).out).toBe("true\n");
    expect((await run(H, `docker inspect -f "paused={{.State.Paused}}" k2s`)).out).toBe("paused=false\n");
  });

  it("24. the cut test: a limit below usage pauses k2s within 8 s; raising it unpauses", async () => {
    const paused = () => run(H2, `docker inspect -f "paused={{.State.Paused}}" k2s`).then((r) => r.out);
    expect((await run(H2, "cd /apps/k2s && sed -i 's/^K2_NODE_TRAFFIC_LIMIT_GB=.*/K2_NODE_TRAFFIC_LIMIT_GB=10/' .env && docker compose up -d k2-sidecar", 60_000)).code).toBe(0);
    await expect.poll(paused, { timeout: 8_000, interval: 500 }).toBe("paused=true\n");
    expect((await run(H2, `docker logs k2-sidecar 2>&1 | grep "cutoff-paused"`)).out).toMatch(/level=WARN msg="DIAG: cutoff-paused" component=cutoff container=k2s usedBytes=\d+/);
    expect((await run(H2, "cd /apps/k2s && sed -i 's/^K2_NODE_TRAFFIC_LIMIT_GB=.*/K2_NODE_TRAFFIC_LIMIT_GB=1000/' .env && docker compose up -d k2-sidecar", 60_000)).code).toBe(0);
    await expect.poll(paused, { timeout: 8_000, interval: 500 }).toBe("paused=false\n");
    expect((await run(H2, `docker logs k2-sidecar 2>&1 | grep "cutoff-unpaused"`)).out).toContain('msg="DIAG: cutoff-unpaused" component=cutoff container=k2s');
    // the enforcer persists each change of its cut (enforcer.go reconcileOnce): the new sidecar's first reconcile undid the cut
    expect((await run(H2, "sudo docker exec k2-sidecar cat /etc/kaitu/cutoff.state")).out).toBe('{"epoch_id":0,"cut":false}');
  });

  it("25. set-usage: documented lines on stderr and traffic.state; refused without a billing date", async () => {
    const r = await run(H2, "sudo docker exec k2-sidecar k2-sidecar -c /tmp/sidecar-config.yaml set-usage 920");
    expect(r).toMatchObject({ out: "", code: 0 });
    expect(r.err).toMatch(/msg="Traffic usage set" component=traffic usedGB=920 /);
    expect(r.err).toMatch(/msg="set-usage applied — RESTART the sidecar to load it \(docker compose restart k2-sidecar\)" component=sidecar usedGB=920/);
    expect((await run(H2, "sudo docker exec k2-sidecar cat /etc/kaitu/traffic.state")).out).toContain('"prior_used_bytes":987842478080');
    const off = await run(S4, "sudo docker exec k2-sidecar k2-sidecar -c /tmp/sidecar-config.yaml set-usage 920");
    expect(off).toMatchObject({ code: 1, err: expect.stringMatching(/level=ERROR msg="set-usage requires K2_NODE_BILLING_START_DATE \(billing_start_date\)" component=sidecar/) });
    expect((await run(S1, "sudo docker exec k2-sidecar k2-sidecar -c /tmp/sidecar-config.yaml set-usage 920")).code).toBe(1);
  });

  it("26. traffic.state JSON; cutoff.state on a cut node, busybox's error on a never-cut one", async () => {
    const st = JSON.parse((await run(H, "sudo docker exec k2-sidecar cat /etc/kaitu/traffic.state")).out);
    expect(Object.keys(st).sort()).toEqual(["billing_cycle_end_at", "cycle_start_rx", "cycle_start_tx", "last_used_bytes", "prior_used_bytes"]);
    expect((await run(S3, "sudo docker exec k2-sidecar cat /etc/kaitu/cutoff.state")).out).toBe('{"epoch_id":0,"cut":true}');
    expect(await run(H, "sudo docker exec k2-sidecar cat /etc/kaitu/cutoff.state")).toMatchObject({ err: "cat: can't open '/etc/kaitu/cutoff.state': No such file or directory\n", code: 1 });
  });

  it("27. compose restart: progress on stderr, .env not re-read", async () => {
    const before = (await run(H2, "docker exec k2-sidecar env")).out;
    await run(H2, "cd /apps/k2s && sed -i 's/^K2_LOG_LEVEL=.*//' .env && echo K2_LOG_LEVEL=debug >> .env");
    const r = await run(H2, "cd /apps/k2s && sudo docker compose restart k2-sidecar", 30_000);
    expect(r.code).toBe(0);
    expect(r.err).toContain(" Container k2-sidecar  Restarting");
    expect(r.err).toContain(" Container k2-sidecar  Started");
    expect((await run(H2, "docker exec k2-sidecar env")).out).toBe(before);
  });
});

describe("§5 usage reporter against the Center simulator", () => {
  it("POSTs the cumulative to /slave/usage every (scaled) next_report_interval; Center keeps the node's usage", async () => {
    const cycles = async () => [...(await run(H, "docker logs k2-sidecar 2>&1 | grep usage-reporter-cycle-ok")).out.matchAll(/cumulative=(\d+)/g)].map((m) => Number(m[1]));
    const before = await cycles();
    await new Promise((r) => setTimeout(r, 5_500)); // 60 s of simulated time at the default scale
    const after = await cycles();
    expect(after.length).toBeGreaterThan(before.length);
    expect(after.at(-1)!).toBeGreaterThan(before.at(-1)!);
    expect(center.state.usages[H]?.usedBytes).toBe(after.at(-1));
    // the secret travelled only inside the node (curl's config on stdin), never in a command line
    expect(fleet.commands(H).some((c) => /[0-9a-f]{64}/.test(c.command))).toBe(false);
  });

  it("a Center error is logged as cycle-fail with its cause and retried after 30 s (scaled); the count catches up", async () => {
    center.setUsageFault(503);
    try {
      await expect.poll(async () => (await run(H, "docker logs k2-sidecar 2>&1 | grep -c usage-reporter-cycle-fail || true")).out.trim(), { timeout: 8_000, interval: 500 }).not.toBe("0");
      expect((await run(H, "docker logs k2-sidecar 2>&1 | grep usage-reporter-cycle-fail | tail -n 1")).out).toMatch(/level=WARN msg="DIAG: usage-reporter-cycle-fail" component=usage used=\d+ limit=1073741824000 err="center HTTP 503"/);
    } finally {
      center.setUsageFault(null);
    }
    const failedAt = center.state.usages[H]!.usedBytes;
    await expect.poll(async () => (await run(H, "docker logs k2-sidecar 2>&1 | grep usage-reporter- | tail -n 1")).out, { timeout: 8_000, interval: 500 }).toMatch(/usage-reporter-cycle-ok/);
    expect(center.state.usages[H]!.usedBytes).toBeGreaterThan(failedAt);
  });
});

describe("docker logs -f: the sidecar writes as time passes (issue #10 item 19)", () => {
  it("a follower that touches nothing else still sees the next usage report arrive", async () => {
    // nothing else runs on the node meanwhile: the lines must come from the passing time alone
    const r = await run(H, "timeout 9 docker logs -f --tail 0 k2-sidecar 2>&1; true", 20_000);
    expect(r.out).toMatch(/usage-reporter-cycle-ok/);
  });
});

describe("§10 items 28-33: probes", () => {
  it("28-29. k2s logs only to its file (no auth-rollout lines in docker logs); k2s.log is UTC slog", async () => {
    expect(await run(H, "sudo docker logs --since 24h k2s 2>&1 | grep 'DIAG: auth-rollout'")).toMatchObject({ out: "", code: 1 });
    expect((await run(H, "grep 'level=' /apps/k2s/logs/k2s.log")).out.trimEnd().split("\n").every((l) => /^time=\S+Z level=/.test(l))).toBe(true);
  });

  it("30. legacy probes: directory, compose project, volumes, host network", async () => {
    expect((await run(S6, "test -d /apps/kaitu-slave && echo yes")).out).toBe("yes\n");
    expect((await run(H, "test -d /apps/kaitu-slave && echo yes")).code).toBe(1);
    const label = `docker inspect -f '{{index .Config.Labels "com.docker.compose.project"}}' k2-sidecar`;
    expect((await run(H, label)).out).toBe("k2s\n");
    expect((await run(S5, label)).out).toBe("kaitu-slave\n");
    expect((await run(S6, label)).out).toBe("kaitu-slave\n");
    expect((await run(H, "docker volume ls --format '{{.Name}}'")).out).toBe("k2s_config\nk2s_k2v5-data\n");
    // (item 13's `name: k2s` up -d in the old dir created k2s_* before it collided: compose makes the volumes first)
    expect((await run(S6, "docker volume ls --format '{{.Name}}'")).out).toBe("k2s_config\nk2s_k2v5-data\nkaitu-slave_config\nkaitu-slave_k2v5-data\n");
    expect((await run(S5, "docker inspect -f '{{.HostConfig.NetworkMode}}' k2-slave")).out).toBe("host\n");
    expect((await run(S6, "docker compose ls")).out).toMatch(/\/apps\/kaitu-slave\/docker-compose\.yml/);
  });

  it("31. ss -tlnp: sshd on 1022 after hardening, nothing on 22", async () => {
    const r = (await run(H, "sudo ss -tlnp | grep :1022")).out;
    expect(r).toMatch(/^LISTEN 0\s+4096\s+0\.0\.0\.0:1022\s+0\.0\.0\.0:\*\s+users:\(\("sshd",pid=\d+,fd=\d+\)\)\n/);
    expect(r).toContain("[::]:1022");
    expect((await run(H, "sudo ss -tlnp | grep -c ':22 '")).out).toBe("0\n");
  });

  it("32. systemctl is-active: the crash monitor, and an absent unit", async () => {
    expect((await run(H, "systemctl is-active k2s-crash-monitor")).out).toBe("active\n");
    expect(await run(H, "systemctl is-active no-such-unit")).toMatchObject({ out: "inactive\n", code: 3 });
  });

  it("33. fleet-script probes: echo, md5sum, mkdir/chown/touch, pull -q, crontab count", async () => {
    expect((await run(H, "echo ok")).out).toBe("ok\n");
    expect((await run(H, "md5sum /apps/k2s/docker-compose.yml")).out).toMatch(/^[0-9a-f]{32} {2}\/apps\/k2s\/docker-compose\.yml\n$/);
    expect((await run(S6, "md5sum /apps/k2s/docker-compose.yml 2>/dev/null")).out).toBe("");
    expect((await run(H, "sudo mkdir -p /apps/k2s && sudo chown -R ubuntu: /apps/k2s && touch /apps/k2s/users")).code).toBe(0);
    // Compose ≥ 2.32: -q drops the layer progress, not the status lines; before it, nothing
    expect(await run(H, "cd /apps/k2s && docker compose pull -q")).toMatchObject({ out: "", err: " k2-sidecar Pulling \n k2s Pulling \n k2-sidecar Pulled \n k2s Pulled \n", code: 0 });
    await fleet.setFault(H, { composeVersion: "2.29.7" });
    try {
      expect(await run(H, "cd /apps/k2s && docker compose pull -q")).toMatchObject({ out: "", err: "", code: 0 });
    } finally {
      await fleet.setFault(H, {});
    }
    expect((await run(H, "sudo crontab -l | grep -c 'auto-update.sh'")).out).toBe("1\n");
  });
});

describe("cross-state invariants", () => {
  it("a cut keeps the sidecar healthy and k2s Up (Paused); metering off has no cutoff.state; a restart loop never writes .ready", async () => {
    expect((await run(S3, "docker inspect --format='{{.State.Health.Status}}' k2-sidecar")).out).toBe("healthy\n");
    expect((await run(S3, "docker ps --format '{{.Names}} {{.Status}}'")).out).toMatch(/^k2s Up 2 days \(Paused\)$/m);
    // /etc/kaitu is the sidecar's config volume: on the host it is /var/lib/docker/volumes/<project>_config/_data (root only)
    const vol = "/var/lib/docker/volumes/k2s_config/_data";
    expect((await run(S4, `sudo test -e ${vol}/cutoff.state`)).code).toBe(1);
    for (const s of [S1, S11, S12]) expect((await run(s, `sudo test -e ${vol}/.ready`)).code).toBe(1);
    expect((await run(H, `sudo test -e ${vol}/.ready`)).code).toBe(0);
  });

  it("every sidecar slog line is on stderr; stdout has only the entrypoint's lines", async () => {
    const out = (await run(H, "docker logs k2-sidecar 2>/dev/null")).out;
    expect(out).not.toMatch(/level=/);
    expect(out).toContain("[entrypoint] Generated config: /tmp/sidecar-config.yaml");
    // with 2>&1 the streams interleave in time order: the entrypoint line comes first
    expect((await run(H, "docker logs k2-sidecar 2>&1 | head -n 2")).out).toMatch(/^\[entrypoint\] Generated config: \/tmp\/sidecar-config\.yaml\ntime=\S+ level=INFO msg="Starting k2-sidecar/);
  });

  it("a graceful sidecar stop unregisters at Center", async () => {
    expect(center.state.nodes.some((n) => n.ipv4 === H2)).toBe(true);
    expect((await run(H2, "docker stop k2-sidecar", 30_000)).code).toBe(0);
    expect(center.state.nodes.some((n) => n.ipv4 === H2)).toBe(false);
    expect((await run(H2, "docker logs k2-sidecar 2>&1 | tail -n 7")).out).toMatch(/^\S+ level=INFO msg="Received signal, shutting down\.\.\." component=sidecar signal=terminated\n.*"Shutting down\.\.\."[\s\S]*Unregistering node[\s\S]*method=DELETE[\s\S]*Node unregistered successfully[\s\S]*"Shutdown complete" component=sidecar\n$/);
  });

  it("every command that arrived over SSH is recorded with its user", () => {
    const lines = fleet.commands(H).map((c) => c.command);
    // k2ops runs each command in its own process group (so a timeout can kill it): the line
    // arrives wrapped, and unwraps to exactly what was asked
    expect(lines.map(unwrappedCommand)).toContain("echo ok");
    expect(lines).not.toContain("echo ok");
    expect(fleet.commands(H).every((c) => c.user === "ubuntu")).toBe(true);
  });
});

describe("compose reads .env as Docker Compose v2 does (compose-go dotenv + template)", () => {
  // what the operator typed → what the container sees: a `${K2_NODE_SECRET}` in another
  // value is expanded by compose; single quotes keep it literal
  const secret = "f".repeat(64); // this node's secret (spec index 14)
  const typed = [
    `K2_SLACK_WEBHOOK_URL=http://x/\${K2_NODE_SECRET}`,
    `K2_NODE_BRANDS='http://x/\${K2_NODE_SECRET}'`,
    `K2_DOMAIN="a\\"b $$x"`,
    "K2_LOG_LEVEL=debug #verbose for now",
    "K2_TEST_NODE=a#b",
    "K2_HAS_RELAY=${K2_RELAY_DEFAULT:-false}",
    "K2_PRIVATE_CLAIM=${K2_NOPE_UNSET}",
    "X_HOME=$HOME",
    "K2V5_LOG_LEVEL=${X_HOME}",
  ].join("\n");
  // each container gets what the compose file passes IT (k2s: K2_LOG_LEVEL=${K2V5_LOG_LEVEL}, the Slack URL; X_HOME: nobody)
  const sidecarSees = ["K2_NODE_BRANDS=http://x/${K2_NODE_SECRET}", 'K2_DOMAIN=a"b $x', "K2_LOG_LEVEL=debug", "K2_TEST_NODE=a#b", "K2_HAS_RELAY=false", "K2_PRIVATE_CLAIM=", `K2_NODE_SECRET=${secret}`];
  const k2sSees = [`K2_SLACK_WEBHOOK_URL=http://x/${secret}`, "K2_LOG_LEVEL=/home/ubuntu", `K2_NODE_SECRET=${secret}`];

  it("up -d: interpolated values in docker exec env and docker inspect, a warning for the unset variable", async () => {
    expect((await run(HENV, "grep -c '^K2_NODE_SECRET=' /apps/k2s/.env")).out).toBe("1\n");
    const w = await run(HENV, `cd /apps/k2s && cp .env .env.orig && cat >> .env <<'EOF'\n${typed}\nEOF`);
    expect(w.code).toBe(0);
    const up = await run(HENV, "cd /apps/k2s && docker compose up -d", 60_000);
    expect(up.code).toBe(0);
    expect(up.err.split("\n")[0]).toBe('WARN[0000] The "K2_NOPE_UNSET" variable is not set. Defaulting to a blank string.');
    expect(up.err).toContain(" Container k2-sidecar  Recreate");
    const env = (await run(HENV, "docker exec k2-sidecar env")).out.split("\n");
    for (const line of sidecarSees) expect(env).toContain(line);
    expect(env.filter((l) => /^(X_HOME|K2_SLACK_WEBHOOK_URL)=/.test(l))).toEqual([]);
    const inspected: string[] = JSON.parse((await run(HENV, "docker inspect --format '{{json .Config.Env}}' k2s")).out);
    for (const line of k2sSees) expect(inspected).toContain(line);
    expect(inspected.filter((l) => /^(X_HOME|K2_NODE_BRANDS)=/.test(l))).toEqual([]);
    // the sidecar came up on the comment-stripped, interpolated env
    await expect.poll(async () => (await run(HENV, "docker inspect --format='{{.State.Health.Status}}' k2-sidecar")).out, { timeout: 10_000 }).toBe("healthy\n");
  });

  it("${VAR:?msg} unset: every compose command fails as compose does, containers untouched", async () => {
    expect((await run(HENV, "cd /apps/k2s && echo 'K2_X=${K2_MISSING:?set K2_MISSING first}' >> .env")).code).toBe(0);
    const msg = "failed to read /apps/k2s/.env: required variable K2_MISSING is missing a value: set K2_MISSING first\n";
    expect(await run(HENV, "cd /apps/k2s && docker compose up -d", 30_000)).toMatchObject({ out: "", err: 'WARN[0000] The "K2_NOPE_UNSET" variable is not set. Defaulting to a blank string.\n' + msg, code: 1 });
    expect(await run(HENV, "cd /apps/k2s && docker compose ps")).toMatchObject({ err: expect.stringContaining(msg), code: 1 });
    expect((await run(HENV, "docker exec k2s env")).out).toContain(`K2_SLACK_WEBHOOK_URL=http://x/${secret}\n`);
    // back to the original file: the stack returns to it
    expect((await run(HENV, "cd /apps/k2s && mv .env.orig .env && docker compose up -d", 60_000)).code).toBe(0);
    expect((await run(HENV, "docker exec k2s env")).out).toContain("K2_SLACK_WEBHOOK_URL=\n");
  });
});
