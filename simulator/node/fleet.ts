// The node simulator: each simulated node is a real OpenSSH sshd on its own
// 127.x.y.z address, inside its own private mount namespace, where /apps,
// /etc/kaitu and /usr/local/sbin (the command shims) are that node's own.
// State is plain files under <stateRoot>/<ip>/root, so every shim invocation
// (a separate process, as on a real node) sees and changes the same node.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

const HERE = import.meta.dirname;
const SHIMS = path.join(HERE, "shims");
const WRAPPER = path.join(HERE, "wrapper.sh");
const COMPOSE_ASSET = path.join(HERE, "../../deploy-assets/docker/docker-compose.yml");

export const SCENARIOS = [
  "healthy",
  "metering-off",
  "restart-loop-secret",
  "restart-loop-net",
  "restart-loop-center",
  "nftables",
  "cut",
  "wrong-timezone",
  "bbr-off",
  "no-ipv6",
  "k2-oc-orphan",
  "legacy-k2-slave",
  "unmigrated",
  "unprovisioned",
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export type NodeSpec = {
  ip: string;
  name: string;
  country: string;
  region: string;
  ipType?: string;
  scenario: Scenario;
  secret: string;
  centerUrl: string;
  port?: number;
  version?: string;
};

export type Fault = {
  latencyMs?: number;
  /** the whole SSH command hangs when its line matches (ERE) */
  hangPattern?: string;
  /** one node command hangs inside a session, matched on "<command> <args>" (ERE) */
  shimHang?: string;
  pullFails?: boolean;
  unhealthyAfterUpdate?: boolean;
};

export type CommandRecord = { ts: number; user: string; command: string };

type Running = { spec: NodeSpec; dir: string; proc: ChildProcess | null; port: number };

function sh(cmd: string, args: string[], input?: string) {
  return execFileSync(cmd, args, { input, stdio: input === undefined ? ["ignore", "pipe", "pipe"] : ["pipe", "pipe", "pipe"], encoding: "utf8" });
}

let systemReady = false;

// sshds of this process, killed if the process exits without stop() (a killed test run must not leak nodes)
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

/** One-time host preparation: the ubuntu user with passwordless sudo, mount points, sshd's run dir. */
export function prepareHost(): void {
  if (systemReady) return;
  if (process.getuid?.() !== 0) throw new Error("the node simulator needs root (namespaces, sshd)");
  if (spawnSync("id", ["ubuntu"]).status !== 0) sh("useradd", ["-m", "-s", "/bin/bash", "ubuntu"]);
  // not locked (sshd without PAM refuses locked accounts), but no password login either
  sh("usermod", ["-p", "*", "ubuntu"]);
  fs.writeFileSync("/etc/sudoers.d/k2ops-sim", "ubuntu ALL=(ALL) NOPASSWD: ALL\n", { mode: 0o440 });
  for (const d of ["/apps", "/etc/kaitu", "/run/sshd", "/usr/local/sbin"]) fs.mkdirSync(d, { recursive: true });
  systemReady = true;
}

function envFile(s: NodeSpec): string {
  const lines = [
    ...(s.scenario === "restart-loop-secret" ? [] : [`K2_NODE_SECRET=${s.secret}`]),
    `K2_CENTER_URL=${s.scenario === "restart-loop-center" ? "http://127.0.0.1:9" : s.centerUrl}`,
    "K2_DOMAIN=",
    `K2_VERSION=${s.version ?? "v0.4.8-9d7c6f95"}`,
    `K2_NODE_NAME=${s.name}`,
    `K2_NODE_REGION=${s.region}`,
    `K2_IP_TYPE=${s.ipType ?? "non_residential"}`,
    ...(s.scenario === "metering-off" ? [] : ["K2_NODE_BILLING_START_DATE=2026-01-01", "K2_NODE_TRAFFIC_LIMIT_GB=1000", "K2_NODE_TRAFFIC_BILLING_MODE=sum"]),
  ];
  return lines.join("\n") + "\n";
}

function nodeEnv(s: NodeSpec): string {
  const sc = s.scenario;
  const v = {
    IP: s.ip,
    COUNTRY: s.country,
    REGION: s.region,
    CENTER_URL: sc === "restart-loop-center" ? "http://127.0.0.1:9" : s.centerUrl,
    TZ_NAME: sc === "wrong-timezone" ? "Etc/UTC" : "Asia/Singapore",
    BBR: sc === "bbr-off" ? "cubic" : "bbr",
    IPV6: sc === "no-ipv6" ? "0" : "1",
    IPTABLES: sc === "nftables" ? '"v1.8.4 (nf_tables)"' : '"v1.8.7 (nf_tables)"',
    NET_BROKEN: sc === "restart-loop-net" || sc === "nftables" ? "1" : "0",
    NFT_BROKEN: sc === "nftables" ? "1" : "0",
    LEGACY: sc === "legacy-k2-slave" ? "1" : "0",
    CUT: sc === "cut" ? "1" : "0",
  };
  return Object.entries(v).map(([k, x]) => `${k}=${x}`).join("\n") + "\n";
}

function writeState(dir: string, s: NodeSpec): void {
  const root = path.join(dir, "root");
  const apps = path.join(root, "apps");
  const sim = path.join(apps, ".k2ops-sim");
  fs.mkdirSync(sim, { recursive: true });
  fs.mkdirSync(path.join(root, "etc-kaitu"), { recursive: true });
  fs.writeFileSync(path.join(sim, "node.env"), nodeEnv(s));
  for (const f of ["containers", "sidecar.log", "sidecar.stdout", "commands.jsonl", ".lock"]) if (!fs.existsSync(path.join(sim, f))) fs.writeFileSync(path.join(sim, f), "", { mode: 0o666 });
  fs.chmodSync(sim, 0o777);
  if (s.scenario !== "unprovisioned") {
    const deploy = path.join(apps, s.scenario === "legacy-k2-slave" || s.scenario === "unmigrated" ? "kaitu-slave" : "k2s");
    fs.mkdirSync(path.join(deploy, "logs"), { recursive: true });
    fs.copyFileSync(COMPOSE_ASSET, path.join(deploy, "docker-compose.yml"));
    fs.writeFileSync(path.join(deploy, ".env"), envFile(s), { mode: 0o600 });
    fs.writeFileSync(path.join(deploy, "users"), "");
    fs.writeFileSync(path.join(deploy, "auto-update.log"), "========================================\nAuto-update started: 2026-11-23 20:00:01 UTC\n========================================\nStagger delay: 347s\n--- Pulling images ---\nAll containers already on v0.4.8-9d7c6f95, no restart needed.\nFinished: 2026-11-23 20:05:59 UTC\n\n");
  }
  sh("chown", ["-R", "ubuntu:ubuntu", apps]);
}

function sshdConfig(dir: string, ip: string, port: number): string {
  const ssh = path.join(dir, "ssh");
  return [
    `ListenAddress ${ip}:${port}`,
    `HostKey ${ssh}/host_ed25519_key`,
    `PidFile ${ssh}/sshd.pid`,
    `AuthorizedKeysFile ${ssh}/authorized_keys`,
    "StrictModes no",
    "UsePAM no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    "MaxSessions 10",
    "MaxStartups 200:30:400",
    "PrintMotd no",
    "LogLevel ERROR",
    `ForceCommand ${WRAPPER}`,
    "",
  ].join("\n");
}

/**
 * Runs a command inside a fresh namespace with the node's binds (set-up steps).
 * Asynchronous on purpose: the shims call the Center simulator, which may live
 * in this very process and must keep answering.
 */
function inNode(dir: string, command: string): Promise<void> {
  const root = path.join(dir, "root");
  return new Promise((resolve, reject) => {
    const p = spawn("unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", `mount --bind ${root}/apps /apps && mount --bind ${root}/etc-kaitu /etc/kaitu && mount --bind ${SHIMS} /usr/local/sbin && ${command}`], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", (code) => (code === 0 || code === 1 ? resolve() : reject(new Error(`node set-up failed: ${err.slice(-500)}`))));
  });
}

async function waitForPort(ip: string, port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: ip, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
      s.setTimeout(500, () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`sshd on ${ip}:${port} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class SimFleet {
  private readonly nodes = new Map<string, Running>();
  constructor(
    readonly stateRoot: string,
    readonly clientPublicKey: string,
  ) {
    prepareHost();
    fs.mkdirSync(stateRoot, { recursive: true });
  }

  /** Generates a client key pair for the console (ed25519) in `dir`; returns the private key path and public key. */
  static clientKey(dir: string): { privateKeyPath: string; publicKey: string } {
    fs.mkdirSync(dir, { recursive: true });
    const p = path.join(dir, "console_ed25519");
    if (!fs.existsSync(p)) sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "k2ops-console", "-f", p]);
    return { privateKeyPath: p, publicKey: fs.readFileSync(p + ".pub", "utf8").trim() };
  }

  async addNode(spec: NodeSpec): Promise<void> {
    const port = spec.port ?? (spec.scenario === "unprovisioned" ? 22 : 1022);
    const dir = path.join(this.stateRoot, spec.ip);
    const ssh = path.join(dir, "ssh");
    fs.mkdirSync(ssh, { recursive: true });
    if (!fs.existsSync(path.join(ssh, "host_ed25519_key"))) sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(ssh, "host_ed25519_key")]);
    fs.writeFileSync(path.join(ssh, "authorized_keys"), this.clientPublicKey + "\n", { mode: 0o644 });
    fs.writeFileSync(path.join(ssh, "sshd_config"), sshdConfig(dir, spec.ip, port));
    const fresh = !fs.existsSync(path.join(dir, "root/apps/.k2ops-sim/node.env"));
    writeState(dir, spec);
    const run: Running = { spec, dir, proc: null, port };
    this.nodes.set(spec.ip, run);
    if (fresh && spec.scenario !== "unprovisioned") await this.bringUp(run);
    await this.startSshd(run);
  }

  /** The stack's first `up -d`, as the provisioning step would run it; long-running nodes look 2 days old. */
  private async bringUp(run: Running): Promise<void> {
    const s = run.spec;
    const deploy = s.scenario === "legacy-k2-slave" || s.scenario === "unmigrated" ? "/apps/kaitu-slave" : "/apps/k2s";
    await inNode(run.dir, `cd ${deploy} && /usr/local/sbin/docker compose up -d >/dev/null 2>&1`);
    const file = path.join(run.dir, "root/apps/.k2ops-sim/containers");
    const old = Math.floor(Date.now() / 1000) - 2 * 86400;
    let rows = fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => {
      const c = l.split(" ");
      if (c[2] === "running" || c[2] === "paused") c[5] = String(old);
      return c.join(" ");
    });
    if (s.scenario === "k2-oc-orphan") rows.push(`k2-oc public.ecr.aws/d6n9t2r2/k2-oc:latest running - 0 ${old - 90 * 86400} none`);
    rows = rows.sort();
    fs.writeFileSync(file, rows.join("\n") + "\n");
    sh("chown", ["-R", "ubuntu:ubuntu", path.join(run.dir, "root/apps")]);
  }

  private async startSshd(run: Running): Promise<void> {
    const root = path.join(run.dir, "root");
    const config = `${run.dir}/ssh/sshd_config`;
    // an sshd left behind by a killed earlier run of the same state dir would answer in our place
    spawnSync("pkill", ["-f", `sshd -D -e -f ${config}`]);
    const proc = spawn(
      "unshare",
      ["--mount", "--propagation", "private", "--", "sh", "-c", `mount --bind ${root}/apps /apps && mount --bind ${root}/etc-kaitu /etc/kaitu && mount --bind ${SHIMS} /usr/local/sbin && exec /usr/sbin/sshd -D -e -f ${config}`],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let err = "";
    proc.stderr?.on("data", (d) => (err = (err + d).slice(-2000)));
    run.proc = proc;
    await Promise.race([
      waitForPort(run.spec.ip, run.port, 15_000),
      new Promise((_, reject) => proc.once("exit", (c) => reject(new Error(`sshd for ${run.spec.ip} exited (${c}): ${err}`)))),
    ]);
    // someone else may hold the address (then ours exits at once): make sure the listener is ours
    await new Promise((r) => setTimeout(r, 50));
    if (proc.exitCode !== null) throw new Error(`sshd for ${run.spec.ip}:${run.port} could not listen: ${err.trim()}`);
    live.add(proc);
    proc.once("exit", () => live.delete(proc));
  }

  private async stopSshd(run: Running): Promise<void> {
    const p = run.proc;
    run.proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => resolve());
      p.kill("SIGTERM");
      setTimeout(() => p.kill("SIGKILL"), 3000).unref();
    });
  }

  private get(ip: string): Running {
    const r = this.nodes.get(ip);
    if (!r) throw new Error(`no simulated node ${ip}`);
    return r;
  }

  ips(): string[] {
    return [...this.nodes.keys()];
  }

  /** Run-time fault injection. */
  setFault(ip: string, f: Fault): void {
    const sim = path.join(this.get(ip).dir, "root/apps/.k2ops-sim");
    const put = (name: string, on: boolean, content = "") => {
      const p = path.join(sim, `fault.${name}`);
      if (on) fs.writeFileSync(p, content);
      else fs.rmSync(p, { force: true });
    };
    put("latency", !!f.latencyMs, String((f.latencyMs ?? 0) / 1000));
    put("hang", !!f.hangPattern, f.hangPattern ?? "");
    put("shim-hang", !!f.shimHang, f.shimHang ?? "");
    put("pull-fails", !!f.pullFails);
    put("unhealthy-after-update", !!f.unhealthyAfterUpdate);
  }

  /** The node stops answering SSH (connection refused), or comes back. */
  async setReachable(ip: string, reachable: boolean): Promise<void> {
    const run = this.get(ip);
    if (reachable && !run.proc) await this.startSshd(run);
    if (!reachable) await this.stopSshd(run);
  }

  /** The node presents a new host key (rebuilt machine, or an attacker). */
  async changeHostKey(ip: string): Promise<void> {
    const run = this.get(ip);
    const key = path.join(run.dir, "ssh/host_ed25519_key");
    fs.rmSync(key, { force: true });
    fs.rmSync(key + ".pub", { force: true });
    sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    await this.stopSshd(run);
    await this.startSshd(run);
  }

  /** Every command line that arrived over SSH, in order. */
  commands(ip: string): CommandRecord[] {
    const f = path.join(this.get(ip).dir, "root/apps/.k2ops-sim/commands.jsonl");
    return fs
      .readFileSync(f, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as CommandRecord);
  }

  /** A file of the node as the node sees it (path inside the node). */
  readNodeFile(ip: string, nodePath: string): string {
    const run = this.get(ip);
    const rel = nodePath.startsWith("/apps/") ? path.join("root/apps", nodePath.slice(6)) : nodePath.startsWith("/etc/kaitu/") ? path.join("root/etc-kaitu", nodePath.slice(11)) : null;
    if (!rel) throw new Error("only /apps and /etc/kaitu are simulated");
    return fs.readFileSync(path.join(run.dir, rel), "utf8");
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((r) => this.stopSshd(r)));
    this.nodes.clear();
  }
}
