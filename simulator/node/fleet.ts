// The node simulator: each simulated node is a real OpenSSH sshd on its own
// 127.x.y.z address, inside its own private mount namespace where /apps,
// /var/lib/docker (the Docker data root: named volumes, container roots; root
// only) and /usr/local/sbin (the node's command shims) are that node's own,
// and /var/lib/k2sim is the node's simulator dir (node.env, state.json,
// sidecar.log, registry, faults/, commands.jsonl). As on a real node there is no
// /etc/kaitu on the host: it is the sidecar's config volume
// (/var/lib/docker/volumes/<project>_config/_data), seen at /etc/kaitu only
// inside the containers (`docker exec k2-sidecar …`). Every shim invocation is a separate
// process (as on a real node) reading and writing state.json under a flock.
//
// The node's /etc, /usr/bin and /usr/local/bin are overlays (inside its namespace
// only) whose upper layers are in its state dir: the host's files are the read-only
// lower layer, whatever a node writes there (provision-node.sh: sysctl.conf, fstab,
// ssh/sshd_config.d, docker/daemon.json, apt sources, the docker-compose wrapper …)
// lands in the node's own layer, and its /etc is an Ubuntu's (ubuntu-etc.ts:
// os-release, sshd_config, sysctl.conf, fstab). /swapfile is the node's own file,
// bind-mounted over an empty mount point the host preparation makes once. The
// kernel-wide things a command could change (swap, sysctls, the time zone, the
// listening sshd) are shims on the node's simulated state, never the host's.
//
// Layout of <stateRoot>/<ip>/:
//   root/apps/k2s/{docker-compose.yml,.env,users,logs/k2s.log,auto-update.log}   (/apps)
//   root/var/lib/docker/{volumes/<vol>/_data,overlay2/<id>/merged,image/k2sim}   (/var/lib/docker)
//   root/swapfile              the node's /swapfile (empty until a swap file is made)
//   overlay/{etc,usr-bin,usr-local-bin}/{upper,work}                             (/etc, /usr/bin, /usr/local/bin)
//   bin/                       shims: timedatectl, sysctl, apt-get, … (docker, snap while installed)  (/usr/local/sbin)
//   pkg/                       the shims a package brings (docker, snap): apt-get installs them into bin/
//   state.json                 containers (name, image, state, health, restartCount, env, created, …)
//   commands.jsonl             every command line that arrived over SSH
//   node.env sidecar.log faults/ ssh/ wrapper.sh
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { RelaySet, checkProfile, innerAddress, type NetworkProfile } from "./latency-relay";
import { ageMeterState, defaultProviderDrift, initialMeterState, meterNodeEnv, nicAt, parseMeterSh, providerTrafficOf } from "./meter-init";
import { acceptsTcp } from "./net";
import { FOCAL, JAMMY, etcSeeds } from "./ubuntu-etc";

const HERE = import.meta.dirname;
const SHIMS = path.join(HERE, "shims");
const WRAPPER = path.join(HERE, "wrapper.sh");
const COMPOSE_ASSET = path.join(HERE, "../../deploy-assets/docker/docker-compose.yml");
/** where a node sees its own simulator dir (a bind mount inside its namespace) */
const SIM_MOUNT = "/var/lib/k2sim";
/** the node's swap file (a bind mount of its own file inside its namespace) */
const SWAPFILE = "/swapfile";
/** how often a node's network relays look for ports its sshd moved to (ms) */
const RELAY_POLL_MS = 200;
/** the host directories a node sees through an overlay of its own (node dir name → path) */
const OVERLAYS: readonly (readonly [string, string])[] = [
  ["etc", "/etc"],
  ["usr-bin", "/usr/bin"],
  ["usr-local-bin", "/usr/local/bin"],
];
/** the shims a package brings: on a node only while that package is installed (apt-get installs and removes them) */
const PACKAGE_SHIMS: Record<string, string> = { docker: "docker-ce-cli", snap: "snapd" };
/** host commands a fresh Ubuntu has not got (hidden in the node's overlays: a node's own come from its packages) */
const HIDDEN_COMMANDS = ["docker", "dockerd", "docker-compose", "snap", "ufw", "containerd"];
/** A fresh Ubuntu cloud machine's packages that matter here (node.env APT_PKGS); a provisioned one's. */
const FRESH_PACKAGES = "openssh-server iptables snapd ufw unattended-upgrades curl gnupg ca-certificates";
const PROVISIONED_PACKAGES = "openssh-server iptables ufw curl gnupg ca-certificates docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin";
/** A fresh Lightsail/EC2 Ubuntu 22.04's snaps (node.env SNAPS). */
const FRESH_SNAPS = "amazon-ssm-agent core18 core20 lxd snapd";

function lexists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Reads a node.env (KEY='v' as the simulator writes it, KEY=v\ w as bash's printf %q does). */
function parseNodeEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2];
    out[m[1]] = /^'.*'$/s.test(v) ? v.slice(1, -1).replace(/'\\''/g, "'") : v.replace(/\\(.)/g, "$1");
  }
  return out;
}
const DEFAULT_VERSION = "v0.4.8-9d7c6f95";
/** The release the fleet ran before DEFAULT_VERSION (docs/test-matrix.md: 16 of 24 nodes were on c911d237). */
export const PREVIOUS_VERSION = "v0.4.8-c911d237";
/**
 * The image tags the simulated registry (public.ecr.aws/d6n9t2r2) holds by default: the demo's
 * current and previous releases (`latest` always names the first). A node's own version is added.
 */
export const DEFAULT_REGISTRY_TAGS: readonly string[] = [DEFAULT_VERSION, PREVIOUS_VERSION];
const IMAGE_REPO = "public.ecr.aws/d6n9t2r2";

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
  /**
   * 1022 (provisioned, default) or 22 (fresh machine; default for "unprovisioned"). Only for a new
   * state dir: once laid out, the node listens where its own sshd config says (node.env SSH_PORT,
   * e.g. 1022 after provision-node.sh moved it), also after a restart of the simulator.
   */
  port?: number;
  version?: string;
  /** simulated seconds per real second for the usage reporter and the traffic meter (default 12: a 60 s report every 5 s) */
  timeScale?: number;
  /** synthetic traffic counted by the meter, in simulated bytes per second (default 110247 ≈ 0.9 Mbit/s) */
  trafficBytesPerSec?: number;
  /** the meter's count at start (default 17.4 GB; a "cut" node starts just under its limit) */
  usedBytes?: number;
  /** the inbound (rx) share of the synthetic traffic, 0–1 (default by the IP: 0.4–0.6, so under billing mode max rx binds on some nodes, tx on others) */
  rxShare?: number;
  /** K2_PRIVATE_CLAIM in .env: a private node's one-time claim token (64 hex; default none: a shared node) */
  privateClaim?: string;
  /** K2_NODE_TRAFFIC_LIMIT_GB in .env (default 1000) */
  limitGb?: number;
  /** the node's Docker Compose version (default 2.36.2); before 2.21 `ps` prints the old table and `--format json` ONE array */
  composeVersion?: string;
  /** the image tags the registry has for this node (default: the fleet's, else DEFAULT_REGISTRY_TAGS plus the node's version); pulling another tag fails */
  registryTags?: string[];
  /** k2s's slog lines (server ready, DIAG: auth-rollout) also on its container stderr, i.e. in `docker logs k2s` (default: its log file only, node-behavior.md §2.4) */
  k2sLogsToStderr?: boolean;
  /** the network between the console and the node: added RTT (ms), jitter (ms), bandwidth (kbit/s); wins over the fleet's (default none: sshd answers on loopback speed). See SimNode.setNetwork. */
  network?: NetworkProfile;
};

export type StartNodeOptions = {
  ip: string;
  port?: 1022 | 22;
  stateRoot: string;
  scenario: Scenario;
  centerUrl: string;
  secret: string;
  name: string;
  region: string;
  country?: string;
  ipType?: string;
  version?: string;
  clientPublicKey: string;
};

export type Fault = {
  /** stop sshd (connection refused) / start it again */
  unreachable?: boolean;
  latencyMs?: number;
  /** the whole SSH command hangs when its line matches (ERE) */
  hangPattern?: string;
  /** a new host key (rebuilt machine, or an attacker); sshd restarts with it */
  hostKeyChanged?: true;
  /** one node command hangs inside a session, matched on "<command> <args>" (ERE) */
  shimHang?: string;
  pullFails?: boolean;
  /** the next sidecar recreation (compose up -d) ends unhealthy; the one after it is healthy again (one-shot) */
  unhealthyAfterUpdate?: boolean;
  /** a bad release on this node: a sidecar created from this image tag never gets healthy (one of another tag does) */
  unhealthyTag?: string;
  /** k2s (re)starts never log "server ready" (hung in its start-up) */
  k2sNotReady?: boolean;
  /** the node's Docker Compose version from now on (see NodeSpec.composeVersion) */
  composeVersion?: string;
  /** provision-node.sh fails at this point (see SimNode.failProvision) */
  provisionFails?: ProvisionFailure;
  /** sshd presents a new host key when it starts listening on a new port (see SimNode.rekeyOnPortMove) */
  rekeyOnPortMove?: boolean;
};

/**
 * Where provisioning (provision-node.sh, node-behavior.md §8) fails on a node:
 * - "docker-key": Docker's GPG key cannot be downloaded (curl: could not resolve host) → FATAL, exit 1
 * - "apt-update": `apt-get update` fails (the apt lists are locked by another apt) → FATAL, exit 1
 * - "docker-install": `apt-get install docker-ce …` cannot fetch the packages → FATAL: Docker CE could not be installed, exit 1
 * - "ssh-port": sshd cannot bind port 1022 (something else holds it): the script rolls SSH back to 22, exit 1
 */
export type ProvisionFailure = "docker-key" | "apt-update" | "docker-install" | "ssh-port";

export type CommandRecord = { ts: number; user: string; command: string };

/** The host key types a node's sshd can offer (ed25519 alone by default). */
export type HostKeyType = "ed25519" | "ecdsa" | "rsa";

export type ContainerState = {
  name: string;
  image: string;
  state: "running" | "restarting" | "paused" | "exited" | "created";
  health: "" | "starting" | "healthy" | "unhealthy";
  restartCount: number;
  exitCode: number;
  env: Record<string, string>;
  created: number;
  started: number;
  healthyAt: number;
  loop: null | "net" | "secret" | "center";
  workdir: string;
  project: string;
};
export type NodeState = { containers: ContainerState[]; registered?: boolean; meterStart?: number; usedBase?: number; reported?: number; seq?: number; reportEveryMs?: number };

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { input, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"], encoding: "utf8" });
}

// sshds of this process, killed if the process exits without stop() (a killed test run must not leak nodes)
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const p of live) {
    try {
      process.kill(-p.pid!, "SIGKILL");
    } catch {
      p.kill("SIGKILL");
    }
  }
});

let hostReady = false;
/** One-time host preparation: the ubuntu user with passwordless sudo, mount points, sshd's run dir. */
export function prepareHost(): void {
  if (hostReady) return;
  if (process.getuid?.() !== 0) throw new Error("the node simulator needs root (namespaces, sshd)");
  if (spawnSync("id", ["ubuntu"]).status !== 0) sh("useradd", ["-m", "-s", "/bin/bash", "ubuntu"]);
  // not locked (sshd without PAM refuses locked accounts), but no password login either
  sh("usermod", ["-p", "*", "ubuntu"]);
  fs.writeFileSync("/etc/sudoers.d/k2ops-sim", "ubuntu ALL=(ALL) NOPASSWD: ALL\n", { mode: 0o440 });
  for (const d of ["/apps", "/var/lib/docker", SIM_MOUNT, "/run/sshd", "/usr/local/sbin"]) fs.mkdirSync(d, { recursive: true });
  // the mount point of each node's own /swapfile (an empty file; a host's own swap file, if it has one, is left as it is)
  if (!lexists(SWAPFILE)) fs.closeSync(fs.openSync(SWAPFILE, "a", 0o600));
  // busybox (Debian's `busybox`): the containers' userland (`docker exec` runs busybox's sh, cat, wget … in the container's root)
  for (const b of ["jq", "flock", "unshare", "nsenter", "mknod", "/usr/sbin/sshd", "ssh-keygen", "/bin/busybox", "sudo"]) {
    if (spawnSync("sh", ["-c", `command -v ${b}`]).status !== 0) throw new Error(`the node simulator needs ${b} (scripts/ensure-system-deps.sh)`);
  }
  hostReady = true;
}

/** Generates the console's client key pair (ed25519) in `dir`; returns the private key path and public key. */
export function clientKey(dir: string): { privateKeyPath: string; publicKey: string } {
  fs.mkdirSync(dir, { recursive: true });
  const p = path.join(dir, "console_ed25519");
  if (!fs.existsSync(p)) sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "k2ops-console", "-f", p]);
  return { privateKeyPath: p, publicKey: fs.readFileSync(p + ".pub", "utf8").trim() };
}

const isLegacyDir = (s: Scenario) => s === "legacy-k2-slave" || s === "unmigrated";

function envFile(s: NodeSpec): string {
  const lines = [
    ...(s.scenario === "restart-loop-secret" ? [] : [`K2_NODE_SECRET=${s.secret}`]),
    `K2_CENTER_URL=${s.scenario === "restart-loop-center" ? "http://127.0.0.1:9" : s.centerUrl}`,
    "K2_DOMAIN=",
    `K2_VERSION=${s.version ?? DEFAULT_VERSION}`,
    `K2_NODE_NAME=${s.name}`,
    `K2_NODE_REGION=${s.region}`,
    `K2_IP_TYPE=${s.ipType ?? "non_residential"}`,
    ...(s.privateClaim ? [`K2_PRIVATE_CLAIM=${s.privateClaim}`] : []),
    ...(s.scenario === "metering-off" ? [] : ["K2_NODE_BILLING_START_DATE=2026-01-01", `K2_NODE_TRAFFIC_LIMIT_GB=${s.scenario === "cut" ? 1000 : (s.limitGb ?? 1000)}`, "K2_NODE_TRAFFIC_BILLING_MODE=sum"]),
  ];
  return lines.join("\n") + "\n";
}

/** The registry's tags for a node: its own list, else the defaults plus the version it runs. */
function registryTagsOf(s: NodeSpec): string[] {
  return s.registryTags ? [...s.registryTags] : [...new Set([...DEFAULT_REGISTRY_TAGS, s.version ?? DEFAULT_VERSION])];
}

/** The images a provisioned node has pulled (state.json .images; IDs as the docker shim's image_id makes them). */
function provisionedImages(s: NodeSpec, tags: string[]): { ref: string; id: string; created: number; size: number }[] {
  if (s.scenario === "unprovisioned") return [];
  const own = tags.filter((t) => t !== "latest");
  let tag = s.version ?? DEFAULT_VERSION;
  if (tag === "latest") tag = own[0] ?? DEFAULT_VERSION;
  const sizes: Record<string, number> = { "k2-sidecar": 38400000, k2s: 31500000, "k2-slave": 52700000, "k2-oc": 121000000 };
  const repos = ["k2-sidecar", s.scenario === "legacy-k2-slave" ? "k2-slave" : "k2s", ...(s.scenario === "k2-oc-orphan" ? ["k2-oc"] : [])];
  return repos.map((r) => {
    // the retired k2-oc ran :latest; the tag a moving alias names is what the ID is of
    const id = createHash("sha256").update(`${IMAGE_REPO}/${r}:${r === "k2-oc" ? (own[0] ?? DEFAULT_VERSION) : tag}`).digest("hex");
    // built when its release was: the registry lists the newest first, a fortnight apart (the docker shim's image_created)
    const i = Math.max(0, own.indexOf(r === "k2-oc" ? (own[0] ?? DEFAULT_VERSION) : tag));
    const day = Math.floor(Date.now() / 86400_000) * 86400_000;
    return { ref: `${IMAGE_REPO}/${r}:${r === "k2-oc" ? "latest" : (s.version ?? DEFAULT_VERSION)}`, id, created: day - (33 + 14 * i) * 86400_000, size: sizes[r] };
  });
}

function q(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

function nodeEnv(s: NodeSpec, dir: string): string {
  const sc = s.scenario;
  const v: Record<string, string> = {
    IP: s.ip,
    NAME: s.name,
    COUNTRY: s.country,
    REGION: s.region,
    SCENARIO: sc,
    TZ_NAME: sc === "wrong-timezone" || sc === "unprovisioned" ? "Etc/UTC" : "Asia/Singapore",
    BBR: sc === "bbr-off" || sc === "unprovisioned" ? "cubic" : "bbr",
    IPV6: sc === "no-ipv6" ? "0" : "1",
    IPTABLES: sc === "nftables" ? "v1.8.4 (nf_tables)" : "v1.8.7 (nf_tables)",
    IPT_LEGACY: "0",
    NET_BROKEN: sc === "restart-loop-net" || sc === "nftables" ? "1" : "0",
    NFT_BROKEN: sc === "nftables" ? "1" : "0",
    LEGACY: sc === "legacy-k2-slave" ? "1" : "0",
    DEPLOY_DIR: isLegacyDir(sc) ? "/apps/kaitu-slave" : "/apps/k2s",
    // the ports the node's sshd listens on (a list: "22 1022" while provisioning moves it)
    SSH_PORT: String(s.port ?? (sc === "unprovisioned" ? 22 : 1022)),
    // the packages, snaps, swap and services provisioning changes (node-behavior.md §8)
    APT_PKGS: sc === "unprovisioned" ? FRESH_PACKAGES : PROVISIONED_PACKAGES,
    SNAPS: sc === "unprovisioned" ? FRESH_SNAPS : "",
    SWAPPINESS: sc === "unprovisioned" ? "60" : "10",
    CRASHMON: sc === "unprovisioned" ? "0" : "1",
    HOST_DIR: dir,
    HEALTH_DELAY_MS: "1500",
    ...meterNodeEnv(s),
    CENTER_TIMEOUT_MS: "10000",
    WGET_TIMEOUT_S: "1",
    COMPOSE_VERSION: s.composeVersion ?? "2.36.2",
    K2S_LOG_MIRROR: s.k2sLogsToStderr ? "1" : "0",
  };
  return Object.entries(v).map(([k, x]) => `${k}=${q(x)}`).join("\n") + "\n";
}

async function waitForPort(ip: string, port: number, ms: number, proc: ChildProcess): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error("sshd exited");
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
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Kills every process whose mount namespace is `ns` (sessions an sshd left behind, e.g. a hung command). */
function killNamespace(ns: string | null): void {
  if (!ns) return;
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      if (fs.readlinkSync(`/proc/${pid}/ns/mnt`) === ns) process.kill(Number(pid), "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

/** sshds of an earlier run on the same state root (its pid files may be gone with a wiped dir) would answer in our place. */
function killStaleSshds(stateRoot: string): void {
  const marker = `-f ${path.resolve(stateRoot)}/`;
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmd.includes("sshd") && cmd.includes(marker)) process.kill(Number(pid), "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

export class SimNode {
  /** the state dir: named after the address the node was made at (it stays there when the node moves) */
  readonly dir: string;
  private addr: string;
  private proc: ChildProcess | null = null;
  private ns: string | null = null;
  private faults: Fault = {};
  private hostKeyTypes: HostKeyType[] = ["ed25519"];
  /** the network in front of the node's sshd (null: none, sshd listens on the node's address itself) */
  private network: NetworkProfile | null;
  /** while it has one: the delaying relays on the node's address, its sshd on innerAddress(ip) (for the life of one sshd) */
  private relays: RelaySet | null = null;
  private relayPoll: NodeJS.Timeout | null = null;
  private followingPorts = false;

  constructor(
    readonly spec: NodeSpec,
    stateRoot: string,
    private readonly clientPublicKey: string,
  ) {
    this.addr = spec.ip;
    this.dir = path.join(stateRoot, spec.ip);
    this.network = spec.network ? checkProfile(spec.network) : null;
  }

  /** The machine's public address now (its spec's, until a cloud provider moves it: moveAddress). */
  get ip(): string {
    return this.addr;
  }

  /** The node's facts as its shims see them now (node.env; empty before the node is laid out). */
  env(): Record<string, string> {
    try {
      return parseNodeEnv(fs.readFileSync(this.p("node.env"), "utf8"));
    } catch {
      return {};
    }
  }

  /**
   * The ports the node's sshd listens on (node.env SSH_PORT): the spec's port on a new node,
   * then wherever the node's own sshd config moved it (provision-node.sh: 22, then 22 + 1022,
   * then 1022). Kept in the state dir, so a restarted simulator finds the node where it was.
   */
  sshPorts(): number[] {
    const ports = (this.env().SSH_PORT ?? "")
      .split(/\s+/)
      .filter((x) => /^\d+$/.test(x))
      .map(Number);
    return ports.length ? ports : [this.spec.port ?? (this.spec.scenario === "unprovisioned" ? 22 : 1022)];
  }

  /** The port to reach the node on: 1022 when it listens there, else its first port. */
  get port(): number {
    const ports = this.sshPorts();
    return ports.includes(1022) ? 1022 : ports[0];
  }

  private p(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  /** Lays out the node's files (idempotent: an existing state dir keeps its state). */
  private layout(): boolean {
    const s = this.spec;
    const fresh = !fs.existsSync(this.p("state.json"));
    // a node moved in an earlier run (moveAddress) is where its node.env says, like its SSH ports
    const moved = fresh ? "" : this.env().IP;
    if (moved && /^\d+\.\d+\.\d+\.\d+$/.test(moved)) this.addr = moved;
    for (const d of ["root/apps", "root/var/lib/docker/volumes", "bin", "pkg", "faults", "ssh"]) fs.mkdirSync(this.p(d), { recursive: true });
    fs.chmodSync(this.dir, 0o755);
    fs.copyFileSync(WRAPPER, this.p("wrapper.sh"));
    fs.chmodSync(this.p("wrapper.sh"), 0o755);
    if (fresh) {
      fs.writeFileSync(this.p("node.env"), nodeEnv(s, this.dir));
      // the images provisioning pulled are on the node (whether or not the registry still has their tag)
      fs.writeFileSync(this.p("state.json"), JSON.stringify({ containers: [], registered: false, images: provisionedImages(s, registryTagsOf(s)), ...initialMeterState(s) }) + "\n");
      for (const f of ["commands.jsonl", "sidecar.log", ".lock"]) fs.writeFileSync(this.p(f), "");
      if (s.scenario !== "unprovisioned") {
        const deploy = this.p("root/apps", isLegacyDir(s.scenario) ? "kaitu-slave" : "k2s");
        fs.mkdirSync(path.join(deploy, "logs"), { recursive: true });
        fs.copyFileSync(COMPOSE_ASSET, path.join(deploy, "docker-compose.yml"));
        if (isLegacyDir(s.scenario)) {
          // the pre-migration project name
          const yml = fs.readFileSync(path.join(deploy, "docker-compose.yml"), "utf8").replace(/^name: k2s$/m, "name: kaitu-slave");
          fs.writeFileSync(path.join(deploy, "docker-compose.yml"), s.scenario === "legacy-k2-slave" ? yml.replace(/^ {2}k2s:$/m, "  k2-slave:").replace(/container_name: k2s$/m, "container_name: k2-slave").replace(/\/k2s:\$\{/g, "/k2-slave:${") : yml);
        }
        fs.writeFileSync(path.join(deploy, ".env"), envFile(s), { mode: 0o600 });
        fs.writeFileSync(path.join(deploy, "users"), "");
        fs.writeFileSync(path.join(deploy, "logs/k2s.log"), "");
        const dd = isLegacyDir(s.scenario) ? "/apps/kaitu-slave" : "/apps/k2s";
        fs.writeFileSync(
          path.join(deploy, "auto-update.log"),
          "========================================\nAuto-update started: 2026-11-23 20:00:01 UTC\n========================================\nStagger delay: 347s\n--- Pulling images ---\nAll containers already on " +
            (s.version ?? DEFAULT_VERSION) +
            ", no restart needed.\nFinished: 2026-11-23 20:05:59 UTC\n\n",
        );
        fs.writeFileSync(this.p("crontab.root"), `0 4 * * * ${dd}/auto-update.sh >> ${dd}/auto-update.log 2>&1\n`);
        sh("chown", ["-R", "ubuntu:ubuntu", this.p("root/apps")]);
      }
      for (const f of ["state.json", "commands.jsonl", "sidecar.log", ".lock", "node.env"]) fs.chmodSync(this.p(f), 0o666);
    }
    this.layoutShims();
    this.layoutOwnFiles();
    if (!fs.existsSync(this.p("registry"))) this.setRegistryTags(registryTagsOf(s));
    this.migrateEtcKaitu();
    // the simulator dir is writable for both users (shims write state, logs, crontabs); the Docker
    // data root is root's alone (dockerd writes it whoever runs `docker`; ubuntu cannot even list it)
    fs.chmodSync(this.dir, 0o777);
    fs.chmodSync(this.p("root/var/lib/docker"), 0o710);
    fs.chmodSync(this.p("root/var/lib/docker/volumes"), 0o701);
    const key = this.p("ssh/host_ed25519_key");
    if (!fs.existsSync(key)) sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    fs.writeFileSync(this.p("ssh/authorized_keys"), this.clientPublicKey + "\n", { mode: 0o644 });
    fs.writeFileSync(this.p("ssh/sshd_config"), this.sshdConfig());
    return fresh;
  }

  /**
   * The shims (copied: per node, and readable whatever the repo's permissions). A package's
   * shims (PACKAGE_SHIMS: docker, snap) are on the node only while it has that package (node.env
   * APT_PKGS): `docker` on a fresh machine is "command not found" until apt-get installs Docker.
   */
  private layoutShims(): void {
    const env = this.env();
    const installed = new Set((env.APT_PKGS ?? (this.spec.scenario === "unprovisioned" ? FRESH_PACKAGES : PROVISIONED_PACKAGES)).split(/\s+/));
    for (const f of fs.readdirSync(SHIMS)) {
      const pkg = PACKAGE_SHIMS[f];
      if (pkg) {
        fs.copyFileSync(path.join(SHIMS, f), this.p("pkg", f));
        fs.chmodSync(this.p("pkg", f), 0o755);
      }
      if (!pkg || installed.has(pkg)) fs.copyFileSync(path.join(SHIMS, f), this.p("bin", f));
      else fs.rmSync(this.p("bin", f), { force: true });
    }
    for (const f of fs.readdirSync(this.p("bin"))) fs.chmodSync(this.p("bin", f), 0o755);
  }

  /**
   * The node's own layers of /etc, /usr/bin, /usr/local/bin (overlay upper + work dirs), its
   * /swapfile, the Ubuntu files of its /etc (laid once: afterwards they are the node's to change),
   * and whiteouts hiding what the host has and a fresh Ubuntu has not (a Docker CLI, snap,
   * the host's own sshd drop-ins).
   */
  private layoutOwnFiles(): void {
    const upper = (n: string, ...rel: string[]) => this.p("overlay", n, "upper", ...rel);
    const seed = !fs.existsSync(upper("etc"));
    for (const [n] of OVERLAYS) {
      for (const d of ["upper", "work"]) fs.mkdirSync(this.p("overlay", n, d), { recursive: true });
      fs.chmodSync(upper(n), 0o755);
    }
    if (!lexists(this.p("root/swapfile"))) fs.closeSync(fs.openSync(this.p("root/swapfile"), "a", 0o600));
    if (seed) {
      const env = this.env();
      const files = etcSeeds({ release: this.spec.scenario === "nftables" ? FOCAL : JAMMY, provisioned: this.spec.scenario !== "unprovisioned", sshPorts: this.sshPorts(), bbr: env.BBR === "bbr" });
      for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(upper("etc", rel)), { recursive: true, mode: 0o755 });
        fs.writeFileSync(upper("etc", rel), text, { mode: 0o644 });
      }
    }
    const whiteout = (p: string) => {
      if (lexists(p)) return;
      fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
      sh("mknod", [p, "c", "0", "0"]);
    };
    for (const [n, d] of OVERLAYS) {
      if (n === "etc") continue;
      for (const c of HIDDEN_COMMANDS) if (lexists(path.join(d, c))) whiteout(upper(n, c));
    }
    const dropins = "/etc/ssh/sshd_config.d";
    if (fs.existsSync(dropins)) for (const f of fs.readdirSync(dropins)) whiteout(upper("etc", "ssh/sshd_config.d", f));
  }

  /** A state dir laid out before the config volumes were real (root/etc/kaitu + parked volumes/): its content moves into them. */
  private migrateEtcKaitu(): void {
    const old = this.p("root/etc/kaitu");
    if (!fs.existsSync(old)) return;
    const st = fs.existsSync(this.p("state.json")) ? (this.state() as NodeState & { volume?: string }) : null;
    const cur = st?.containers.find((c) => c.name === "k2-sidecar")?.project ?? st?.volume;
    const move = (from: string, project: string) => {
      const to = this.p("root/var/lib/docker/volumes", `${project}_config`, "_data");
      fs.mkdirSync(to, { recursive: true });
      for (const f of fs.readdirSync(from)) if (!fs.existsSync(path.join(to, f))) fs.renameSync(path.join(from, f), path.join(to, f));
    };
    if (cur) move(old, cur);
    if (fs.existsSync(this.p("volumes"))) for (const v of fs.readdirSync(this.p("volumes"))) move(this.p("volumes", v), v);
    fs.rmSync(old, { recursive: true, force: true });
    fs.rmSync(this.p("root/etc"), { recursive: true, force: true });
    fs.rmSync(this.p("volumes"), { recursive: true, force: true });
  }

  /** The image tags the registry has for this node from now on (`latest` names the first); pulling any other tag fails. */
  setRegistryTags(tags: readonly string[]): void {
    const own = tags.filter((t) => t !== "latest");
    fs.writeFileSync(this.p("registry"), [...own, ...(own.length ? [`latest=${own[0]}`] : [])].join("\n") + "\n", { mode: 0o644 });
  }

  /** The tags the node's registry has now. */
  registryTags(): string[] {
    return fs
      .readFileSync(this.p("registry"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("=")[0]);
  }

  /** The simulator's own sshd config (its ListenAddress lines come from node.env SSH_PORT at each start: see startSshd). */
  private sshdConfig(): string {
    return [
      ...this.hostKeyTypes.map((t) => `HostKey ${this.p(`ssh/host_${t}_key`)}`),
      `PidFile ${this.p("ssh/sshd.pid")}`,
      `AuthorizedKeysFile ${this.p("ssh/authorized_keys")}`,
      "StrictModes no",
      "UsePAM no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "MaxSessions 10",
      "MaxStartups 200:30:400",
      "PrintMotd no",
      "LogLevel ERROR",
      "Subsystem sftp /usr/lib/openssh/sftp-server",
      `ForceCommand ${SIM_MOUNT}/wrapper.sh`,
      "",
    ].join("\n");
  }

  /** The node's mounts, made in each namespace of the node before anything runs in it (a failed one aborts: nothing runs on the host's own files). */
  private mounts(): string {
    const r = this.p("root");
    const overlays = OVERLAYS.map(([n, d]) => `mount -t overlay overlay -o index=off,lowerdir=${d},upperdir=${this.p("overlay", n, "upper")},workdir=${this.p("overlay", n, "work")} ${d}`);
    return [
      `mount --bind ${r}/apps /apps`,
      `mount --bind ${r}/var/lib/docker /var/lib/docker`,
      `mount --bind ${this.p("bin")} /usr/local/sbin`,
      `mount --bind ${this.dir} ${SIM_MOUNT}`,
      `mount --bind ${r}/swapfile ${SWAPFILE}`,
      ...overlays,
    ].join(" && ");
  }

  /** The pid of the process holding the node's running namespace (its sshd supervisor), if any. */
  private nsPid(): number | null {
    const p = this.proc;
    return p && p.exitCode === null && p.signalCode === null && p.pid ? p.pid : null;
  }

  /**
   * Runs a shell command on the node (set-up steps): in its running namespace (the one its sshd
   * sessions see), else in a fresh namespace with the node's mounts.
   * Asynchronous on purpose: the shims call the Center simulator, which may live
   * in this very process and must keep answering.
   */
  inNode(command: string, user: "root" | "ubuntu" = "root"): Promise<{ code: number; stdout: string; stderr: string }> {
    const run = user === "root" ? command : `exec setpriv --reuid=ubuntu --regid=ubuntu --init-groups -- bash -c ${q(command)}`;
    const body = `cd / && export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin && ${run}`;
    const pid = this.nsPid();
    return new Promise((resolve) => {
      const p = pid
        ? spawn("nsenter", [`--mount=/proc/${pid}/ns/mnt`, "--", "sh", "-c", body], { stdio: ["ignore", "pipe", "pipe"] })
        : spawn("unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", `${this.mounts()} && ${body}`], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (d) => (stdout += d));
      p.stderr.on("data", (d) => (stderr += d));
      // "close", not "exit": output can still be in the pipes when the process has exited
      p.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  }

  /** The stack's first `up -d` as provisioning ran it; a long-running node looks 2 days old. */
  private async bringUp(): Promise<void> {
    const s = this.spec;
    const deploy = isLegacyDir(s.scenario) ? "/apps/kaitu-slave" : "/apps/k2s";
    const r = await this.inNode(`cd ${deploy} && K2SIM_PROVISIONED_LONG_AGO=1 docker compose up -d`);
    if (r.code !== 0 && !/dependency failed/.test(r.stderr)) throw new Error(`node ${s.ip}: first up -d failed (exit ${r.code}): ${r.stderr.slice(-1500)}`);
    const st = this.state();
    const ago = 2 * 86400_000;
    for (const c of st.containers) {
      // a restart loop shows its current run, after two days of restarts (RestartCount climbed)
      if (c.loop) {
        c.restartCount += 40;
        continue;
      }
      c.created -= ago;
      if (c.state === "running" || c.state === "paused") c.started -= ago;
      // its container log (docker logs: "<stream> <ms> <line>") and, for k2s, its log file were written that long ago too
      const clog = this.p(`${c.name}.log`);
      if (fs.existsSync(clog)) fs.writeFileSync(clog, fs.readFileSync(clog, "utf8").replace(/^([12]) (\d+) /gm, (_m, st: string, t: string) => `${st} ${Number(t) - ago} `));
      if (c.name === "k2s") {
        const k2slog = this.hostPath(`${deploy}/logs/k2s.log`);
        if (fs.existsSync(k2slog)) fs.writeFileSync(k2slog, fs.readFileSync(k2slog, "utf8").replace(/^time=(\S+Z) /gm, (_m, t: string) => `time=${new Date(Date.parse(t) - ago).toISOString()} `));
      }
    }
    // k2s's auth summaries (every 5 simulated minutes): the log file keeps the last hour's worth of them
    const auth = st as NodeState & { authStart?: number; authN?: number };
    if (auth.authStart) {
      const period = Math.max(1, Math.floor(300_000 / Number(meterNodeEnv(s).TIME_SCALE)));
      auth.authStart -= ago;
      auth.authN = Math.max(0, Math.floor((Date.now() - auth.authStart) / period) - 12);
    }
    if (s.scenario === "k2-oc-orphan") {
      const side = st.containers.find((c) => c.name === "k2-sidecar");
      const t = Date.now() - 92 * 86400_000;
      st.containers.push({ name: "k2-oc", image: "public.ecr.aws/d6n9t2r2/k2-oc:latest", state: "running", health: "", restartCount: 0, exitCode: 0, env: {}, created: t, started: t, healthyAt: 0, loop: null, workdir: deploy, project: side?.project ?? "k2s" });
      st.containers.sort((a, b) => a.name.localeCompare(b.name));
    }
    // the reporter has been running: its next cycle is due now (cumulative climbs from here)
    ageMeterState(st);
    fs.writeFileSync(this.p("state.json"), JSON.stringify(st) + "\n");
    fs.rmSync(this.p("state.sh"), { force: true }); // the shims' cached rendering
    // the health check has long passed; the reporter lines catch up on the next look
    await this.inNode("docker ps >/dev/null");
  }

  async start(): Promise<void> {
    prepareHost();
    const fresh = this.layout();
    if (fresh && this.spec.scenario !== "unprovisioned") await this.bringUp();
    await this.startSshd();
  }

  private async startSshd(): Promise<void> {
    if (this.nsPid()) return;
    // its sshd went down on the node (ssh.service restarted with a config sshd refuses): what is left of it goes first
    if (this.proc) await this.stopSshd();
    const config = this.p("ssh/sshd_config");
    // an sshd left behind by a killed earlier run of the same state dir would answer in our place
    const stale = Number(fs.existsSync(this.p("ssh/sshd.pid")) ? fs.readFileSync(this.p("ssh/sshd.pid"), "utf8").trim() : NaN);
    if (stale > 1) {
      try {
        if (fs.readFileSync(`/proc/${stale}/cmdline`, "utf8").includes(config)) process.kill(stale, "SIGKILL");
      } catch {
        /* not running */
      }
    }
    // sshd lives only as long as the process that started it: if that process is
    // killed outright (SIGKILL: no exit handler runs), `tail --pid` returns within
    // a second and the node's sshd goes with it — no orphaned node survives a run.
    // The supervisor is the node's systemd for ssh.service: `systemctl restart ssh` on the
    // node (shims/systemctl → sshd __restart) sets the new ports in node.env, leaves a restart
    // request and stops the listener; the supervisor starts it again, in the same namespace, on
    // the ports node.env names, while the sessions (their own processes) go on.
    const restart = this.p("ssh/restart");
    // the address sshd listens on: the node's own, or the inner one behind its relays (a file: setNetwork moves it at run time)
    const sshdIp = this.network ? innerAddress(this.addr) : this.addr;
    fs.writeFileSync(this.p("ssh/listen-ip"), sshdIp + "\n");
    const watch = [
      `tail --pid=${process.pid} -f /dev/null & t=$!`,
      `while :; do`,
      // node.env is rewritten in place by the shims: a read that finds no ports at all is tried again
      `  for i in 1 2 3 4 5 6 7 8 9 10; do ports=$(sed -n 's/^SSH_PORT=//p' ${this.p("node.env")} | tr -c '0-9' ' '); [ -n "\${ports// }" ] && break; sleep 0.1; done`,
      `  la=(); ip=$(cat ${this.p("ssh/listen-ip")}); for p in $ports; do la+=(-o "ListenAddress=\${ip:-${this.ip}}:$p"); done`,
      // no port (a restart with a config sshd refuses): ssh.service stays down, the open sessions go on
      `  [ \${#la[@]} -gt 0 ] || { kill $t 2>/dev/null; break; }`,
      `  rm -f ${restart}`,
      `  /usr/sbin/sshd -D -e -f ${config} "\${la[@]}" & s=$!; echo $s > ${this.p("ssh/listener.pid")}`,
      `  wait -n $s $t`,
      `  kill -0 $t 2>/dev/null || { kill $s 2>/dev/null; break; }`,
      `  [ -e ${restart} ] || { kill $t 2>/dev/null; break; }`,
      `  wait $s 2>/dev/null`,
      `done`,
      `wait`,
    ].join("\n");
    const proc = spawn("unshare", ["--mount", "--propagation", "private", "--", "bash", "-c", `{ ${this.mounts()}; } || exit 1\n${watch}`], {
      stdio: ["ignore", "ignore", "pipe"],
      detached: true, // own process group: stop() kills the group
    });
    let err = "";
    proc.stderr?.on("data", (d) => (err = (err + d).slice(-2000)));
    this.proc = proc;
    live.add(proc);
    proc.once("exit", () => live.delete(proc));
    try {
      for (const port of this.sshPorts()) await waitForPort(sshdIp, port, 15_000, proc);
      // someone else may hold the address (then ours exits at once): make sure the listener is ours
      await new Promise((r) => setTimeout(r, 30));
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error("sshd exited");
      this.ns = fs.readlinkSync(`/proc/${proc.pid}/ns/mnt`);
      if (this.network) await this.startRelays(0);
    } catch (e) {
      this.proc = null;
      this.stopRelays();
      proc.kill("SIGKILL");
      throw new Error(`sshd for ${this.ip}:${this.port} could not start: ${(e as Error).message} ${err.trim()}`);
    }
  }

  private async stopSshd(): Promise<void> {
    const p = this.proc;
    const ns = this.ns;
    this.proc = null;
    this.ns = null;
    this.stopRelays();
    if (p && p.exitCode === null && p.signalCode === null) {
      await new Promise<void>((resolve) => {
        p.once("exit", () => resolve());
        try {
          process.kill(-p.pid!, "SIGTERM");
        } catch {
          p.kill("SIGTERM");
        }
        setTimeout(() => {
          try {
            process.kill(-p.pid!, "SIGKILL");
          } catch {
            /* gone */
          }
        }, 2000).unref();
      });
    }
    // sessions still running in the namespace (hung commands, `logs -f`) keep its mounts alive
    killNamespace(ns);
    // unreachable means refused from the moment this returns: wait until no port of the node's address accepts
    // (a plan-time probe right after setReachable(false) once still got through)
    const deadline = Date.now() + 5000;
    for (const port of this.sshPorts()) {
      while ((await acceptsTcp(this.addr, port, 500)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    }
  }

  get running(): boolean {
    return this.proc !== null;
  }

  /** Stops the machine: sshd and every session; the namespace and its mounts go with them. */
  async stop(): Promise<void> {
    await this.stopSshd();
  }

  /** A reboot: the sidecar stops gracefully (unregisters), the machine goes away and comes back, containers restart. */
  async reboot(downMs = 3000): Promise<void> {
    await this.inNode("docker __daemon-restart --reboot >/dev/null 2>&1 || true");
    await this.stopSshd();
    await new Promise((r) => setTimeout(r, downMs));
    await this.startSshd();
  }

  /**
   * The cloud provider gives the machine another public address (a Lightsail static IP attached
   * or detached): sshd stops listening on the old address (connection refused there) and listens
   * on `newIp`, same ports, same host keys; open sessions end, as their connections to the old
   * address do. node.env IP becomes `newIp`, so what runs from now on sees it (the public-IP echo
   * services, a sidecar's next start: its registration, its sslip domain); a sidecar already
   * running keeps the address it started with (_sidecar.sh SC_IP) until it restarts. The state
   * dir stays where it is. A machine that is off (unreachable) is moved without starting it.
   */
  async moveAddress(newIp: string): Promise<void> {
    if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(newIp)) throw new Error(`not an IPv4 address: ${newIp}`);
    const old = this.addr;
    if (newIp === old) return;
    const up = this.nsPid() !== null;
    if (up) await this.stopSshd();
    this.setNodeEnvIp(newIp);
    if (!up) return;
    try {
      await this.startSshd();
    } catch (e) {
      // the new address is taken (someone else listens there): the machine stays where it was
      this.setNodeEnvIp(old);
      await this.startSshd();
      throw e;
    }
  }

  private setNodeEnvIp(ip: string): void {
    const file = this.p("node.env");
    const text = fs.readFileSync(file, "utf8");
    const next = /^IP=.*$/m.test(text) ? text.replace(/^IP=.*$/m, `IP=${q(ip)}`) : `IP=${q(ip)}\n${text}`;
    // renamed into place, as the shims' setvar does: a shim never reads half a file
    const tmp = this.p(`.node.env.move.${process.pid}`);
    fs.writeFileSync(tmp, next, { mode: 0o666 });
    fs.chmodSync(tmp, 0o666);
    fs.renameSync(tmp, file);
    this.addr = ip;
  }

  async setReachable(reachable: boolean): Promise<void> {
    if (reachable) await this.startSshd();
    else await this.stopSshd();
  }

  /** The node's network profile now (null: none). */
  networkProfile(): NetworkProfile | null {
    return this.network;
  }

  /**
   * The network between the console and the node from now on (latency-relay.ts: rttMs and jitterMs
   * in ms, bandwidthKbps in kbit/s; null: none). With a profile the node's address is a delaying
   * relay in front of its sshd, which listens on innerAddress(ip) instead, on the same ports:
   * the relays follow the ports sshd moves to (node.env SSH_PORT, checked every RELAY_POLL_MS),
   * stop listening when sshd does (unreachable, stop, reboot: connection refused) and move with
   * the node (moveAddress). A change from one profile to another applies to data sent from then
   * on; a change between none and a profile moves sshd's listener (as `systemctl restart ssh`
   * does: open sessions go on, on the path they were opened on). A stopped node takes it at its
   * next start.
   */
  async setNetwork(profile: NetworkProfile | null): Promise<void> {
    const had = this.network;
    this.network = profile ? checkProfile(profile) : null;
    const proc = this.proc;
    if (!proc || !this.nsPid()) return;
    if (had && this.network) return this.relays?.setProfile(this.network);
    if (!had && !this.network) return;
    // sshd moves: relays give the address back first (their open connections go on undelayed)
    if (!this.network) {
      this.relays?.setProfile({ rttMs: 0 });
      this.stopRelays(false);
    }
    const sshdIp = this.network ? innerAddress(this.addr) : this.addr;
    fs.writeFileSync(this.p("ssh/listen-ip"), sshdIp + "\n");
    // ssh.service's restart, as shims/sshd does it: the supervisor starts sshd again, the sessions go on
    fs.writeFileSync(this.p("ssh/restart"), "");
    try {
      process.kill(Number(fs.readFileSync(this.p("ssh/listener.pid"), "utf8")), "SIGTERM");
    } catch {
      /* between two listeners: the next one reads the new address */
    }
    for (const port of this.sshPorts()) await waitForPort(sshdIp, port, 15_000, proc);
    // the old listener lets go of the node's address in a moment
    if (this.network) await this.startRelays(3000);
  }

  /** Relays on the node's address for the ports its sshd listens on (trying `retryMs` while the address is still taken), then following its ports. */
  private async startRelays(retryMs: number): Promise<void> {
    const profile = this.network!;
    this.relays ??= new RelaySet(this.addr, innerAddress(this.addr), profile);
    this.relays.setProfile(profile);
    for (const until = Date.now() + retryMs; ; await new Promise((r) => setTimeout(r, 50))) {
      try {
        await this.relays.sync(this.sshPorts());
        break;
      } catch (e) {
        if (Date.now() > until) throw new Error(`the network relay for ${this.addr} could not listen: ${(e as Error).message}`);
      }
    }
    this.relayPoll ??= setInterval(() => void this.followPorts(), RELAY_POLL_MS);
    this.relayPoll.unref();
  }

  /** The relays follow sshd: its ports now (a new one once sshd listens there), none while its supervisor is gone (ssh.service down). */
  private async followPorts(): Promise<void> {
    const r = this.relays;
    if (!r || this.followingPorts) return;
    this.followingPorts = true;
    try {
      if (!this.nsPid()) return r.unlisten();
      const have = r.ports();
      const ports: number[] = [];
      for (const p of this.sshPorts()) if (have.includes(p) || (await acceptsTcp(r.targetHost, p, 300))) ports.push(p);
      // still following (not stopped or given back meanwhile)
      if (this.relays === r && this.relayPoll) await r.sync(ports);
    } catch {
      /* a port still taken: the next round tries again */
    } finally {
      this.followingPorts = false;
    }
  }

  /** Stops the relays following sshd; `close`: also their connections (the machine goes away), else they only stop listening. */
  private stopRelays(close = true): void {
    if (this.relayPoll) clearInterval(this.relayPoll);
    this.relayPoll = null;
    if (!close) return this.relays?.unlisten();
    this.relays?.close();
    this.relays = null;
  }

  async changeHostKey(): Promise<void> {
    const key = this.p("ssh/host_ed25519_key");
    fs.rmSync(key, { force: true });
    fs.rmSync(key + ".pub", { force: true });
    sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    if (this.proc) {
      await this.stopSshd();
      await this.startSshd();
    }
  }

  /**
   * The host key types sshd offers from now on (keys are made once and kept, so
   * a type that comes back presents its old key); sshd restarts with them.
   */
  async setHostKeyTypes(types: HostKeyType[]): Promise<void> {
    if (!types.length) throw new Error("a node needs at least one host key");
    for (const t of types) {
      const key = this.p(`ssh/host_${t}_key`);
      if (!fs.existsSync(key)) sh("ssh-keygen", ["-q", "-t", t, ...(t === "rsa" ? ["-b", "2048"] : []), "-N", "", "-f", key]);
    }
    this.hostKeyTypes = [...types];
    fs.writeFileSync(this.p("ssh/sshd_config"), this.sshdConfig());
    if (this.proc) {
      await this.stopSshd();
      await this.startSshd();
    }
  }

  /** The host key of one type as it is on disk ("ssh-rsa AAAA…"). */
  hostPublicKeyOf(type: HostKeyType): string {
    return fs.readFileSync(this.p(`ssh/host_${type}_key.pub`), "utf8").trim().split(" ").slice(0, 2).join(" ");
  }

  /** The host key the node presents ("ssh-ed25519 AAAA…"). */
  hostPublicKey(): string {
    return fs.readFileSync(this.p("ssh/host_ed25519_key.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
  }

  private putFault(name: string, on: boolean, content = ""): void {
    const p = this.p("faults", name);
    if (on) fs.writeFileSync(p, content, { mode: 0o666 });
    else fs.rmSync(p, { force: true });
  }

  /**
   * Makes provision-node.sh fail at `stage` from now on (null: it succeeds again). E.g.
   * failProvision("docker-install"): `apt-get install … docker-ce …` cannot fetch the packages,
   * the script ends "FATAL: Docker CE could not be installed" (exit 1) and Docker stays absent.
   * The other stages: see ProvisionFailure. Also `setFault({ provisionFails })`.
   */
  failProvision(stage: ProvisionFailure | null): void {
    this.putFault("provision-fails", !!stage, stage ?? "");
    this.faults = { ...this.faults, provisionFails: stage ?? undefined };
  }

  /**
   * From now on (until rekeyOnPortMove(false)) the node's sshd comes back with NEW host keys
   * whenever it starts listening on a port it did not listen on before: provision-node.sh's move
   * to 1022 then shows a different machine (rebuilt, or someone in between) there. The script's
   * own session goes on; k2ops' pin from port 22 (per host address) must refuse 1022.
   * Also `setFault({ rekeyOnPortMove: true })`.
   */
  rekeyOnPortMove(on = true): void {
    this.putFault("rekey-on-port-move", on);
    this.faults = { ...this.faults, rekeyOnPortMove: on || undefined };
  }

  /** Run-time fault injection (fields left out keep their current value; `{}` after `clearFaults()` semantics: see SimFleet.setFault). */
  async setFault(f: Fault): Promise<void> {
    const put = (name: string, on: boolean, content = "") => this.putFault(name, on, content);
    put("latency", !!f.latencyMs, String((f.latencyMs ?? 0) / 1000));
    put("hang", !!f.hangPattern, f.hangPattern ?? "");
    put("shim-hang", !!f.shimHang, f.shimHang ?? "");
    put("pull-fails", !!f.pullFails);
    put("unhealthy-after-update", !!f.unhealthyAfterUpdate);
    put("unhealthy-tag", !!f.unhealthyTag, f.unhealthyTag ?? "");
    put("k2s-not-ready", !!f.k2sNotReady);
    put("compose-version", !!f.composeVersion, f.composeVersion ?? "");
    put("provision-fails", !!f.provisionFails, f.provisionFails ?? "");
    put("rekey-on-port-move", !!f.rekeyOnPortMove);
    if (!f.unhealthyAfterUpdate) {
      put("unhealthy", false);
      put("unhealthy-once", false);
    }
    this.faults = { ...f };
    if (f.hostKeyChanged) await this.changeHostKey();
    if (f.unreachable === true) await this.stopSshd();
    if (f.unreachable === false || (f.unreachable === undefined && !this.proc)) await this.startSshd();
  }

  fault(): Fault {
    return { ...this.faults };
  }

  /** Every command line that arrived over SSH, in order. */
  commands(): CommandRecord[] {
    return fs
      .readFileSync(this.p("commands.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as CommandRecord);
  }

  state(): NodeState {
    return JSON.parse(fs.readFileSync(this.p("state.json"), "utf8")) as NodeState;
  }

  /** Replaces the node's container state (e.g. a container that started earlier than it did); the shims re-read it. */
  setState(st: NodeState): void {
    fs.writeFileSync(this.p("state.json"), JSON.stringify(st) + "\n");
    fs.rmSync(this.p("state.sh"), { force: true }); // the shims' cached rendering
  }

  /** The provider's counting error (1 = exact); default a small per-node drift (meter-init defaultProviderDrift). */
  providerDrift: number | null = null;

  private meterFacts(): { env: Record<string, string>; m: { nRun: number; nAt: number; bRx: number; bTx: number }; tunnelRunning: boolean } | null {
    const file = this.p("meter.sh");
    const m = fs.existsSync(file) ? parseMeterSh(fs.readFileSync(file, "utf8")) : null;
    if (!m) return null;
    const tunnelRunning = this.state().containers.some((c) => (c.name === "k2s" || c.name === "k2-slave") && c.state === "running");
    return { env: meterNodeEnv(this.spec), m, tunnelRunning };
  }

  /** The host NIC's counters now, as the node's /proc/net/dev shows them (null before its meter first ran). */
  nicCounters(nowMs = Date.now()): { rxBytes: number; txBytes: number } | null {
    const f = this.meterFacts();
    return f ? nicAt(f.env, f.m, f.tunnelRunning, nowMs) : null;
  }

  /**
   * The node's traffic over [fromSec, toSec) as its cloud provider counts it (Center's cloud
   * instance, Lightsail's NetworkIn/NetworkOut): the host NIC, a little off the node's meter
   * (meter-init providerTrafficOf). Null before the node's meter first ran.
   */
  providerTraffic(fromSec: number, toSec: number, nowMs = Date.now()): { inBytes: number; outBytes: number } | null {
    const f = this.meterFacts();
    // the drift belongs to the instance, whatever address it has now
    return f ? providerTrafficOf(f.env, f.m, f.tunnelRunning, nowMs, fromSec, toSec, this.providerDrift ?? defaultProviderDrift(this.spec.ip)) : null;
  }

  /**
   * Sets the node's clock to run `ms` milliseconds ahead of real time (negative: behind).
   * Every shim reads it (state times, log timestamps, the meter's billing cycle), so a test
   * can put a node just before its billing-cycle boundary. 0 restores real time.
   */
  setClockOffset(ms: number): void {
    fs.writeFileSync(this.p("clock-offset-ms"), `${Math.trunc(ms)}\n`, { mode: 0o666 });
  }

  /**
   * A file of the node (path inside the node: /apps/…, /var/lib/docker/…, /swapfile, and /etc/…,
   * /usr/bin/…, /usr/local/bin/… as the node sees them through its overlays), or /etc/kaitu/… as the
   * sidecar sees it: its config volume, /var/lib/docker/volumes/<project>_config/_data on the host
   * (there is no /etc/kaitu on a node's host). Read by the test process (root), not over SSH.
   */
  readFile(nodePath: string): string {
    const at = this.nodeFile(nodePath);
    if (at === null) throw Object.assign(new Error(`ENOENT: node ${this.ip} has no ${nodePath}`), { code: "ENOENT" });
    return fs.readFileSync(at, "utf8");
  }

  /** Does the node have this file (symlinks followed as the node follows them)? */
  hasFile(nodePath: string): boolean {
    return this.nodeFile(nodePath) !== null;
  }

  /**
   * Where a node's file is on the host, the overlays resolved (the node's own layer, else the
   * host's file it sees through; symlinks followed as the node follows them); null if it has none.
   */
  private nodeFile(nodePath: string, depth = 0): string | null {
    const ov = OVERLAYS.find(([, d]) => nodePath.startsWith(d + "/"));
    const kaitu = nodePath.startsWith("/etc/kaitu/");
    if (!ov || kaitu) {
      let p = nodePath; // elsewhere the node sees the host's own files (read-only for a reader here)
      if (kaitu || nodePath === SWAPFILE || nodePath.startsWith("/apps/") || nodePath.startsWith("/var/lib/docker/")) p = this.hostPath(nodePath);
      return lexists(p) ? p : null;
    }
    const [n, d] = ov;
    const rel = nodePath.slice(d.length + 1).split("/").filter(Boolean);
    let src: string | null = null;
    for (let i = 1; i <= rel.length; i++) {
      const up = this.p("overlay", n, "upper", ...rel.slice(0, i));
      let st: fs.Stats | null = null;
      try {
        st = fs.lstatSync(up);
      } catch {
        /* not in the node's layer */
      }
      if (st?.isCharacterDevice() && st.rdev === 0) return null; // a whiteout: the node deleted it
      src = st ? up : path.join(d, ...rel.slice(0, i));
      const at = fs.lstatSync(src, { throwIfNoEntry: false });
      if (!at) return null;
      if (at.isSymbolicLink()) {
        if (depth > 8) return null;
        const target = fs.readlinkSync(src);
        const abs = path.posix.resolve(path.posix.join(d, ...rel.slice(0, i - 1)), target);
        return this.nodeFile(path.posix.join(abs, ...rel.slice(i)), depth + 1);
      }
    }
    return src;
  }

  /** Where a node path is on the host: for /etc, /usr/bin, /usr/local/bin the node's own overlay layer (where its writes land). */
  hostPath(nodePath: string): string {
    if (nodePath.startsWith("/apps/")) return this.p("root/apps", nodePath.slice(6));
    if (nodePath.startsWith("/var/lib/docker/")) return this.p("root/var/lib/docker", nodePath.slice(16));
    if (nodePath.startsWith("/etc/kaitu/")) return this.p("root/var/lib/docker/volumes", `${this.configProject()}_config`, "_data", nodePath.slice(11));
    if (nodePath === SWAPFILE) return this.p("root/swapfile");
    const ov = OVERLAYS.find(([, d]) => nodePath.startsWith(d + "/"));
    if (ov) return this.p("overlay", ov[0], "upper", nodePath.slice(ov[1].length + 1));
    throw new Error("only /apps, /var/lib/docker, /swapfile, /etc, /usr/bin, /usr/local/bin and (the sidecar's) /etc/kaitu are simulated");
  }

  /** The project whose config volume the sidecar mounts (its container's, else the last project that was up). */
  private configProject(): string {
    const st = this.state() as NodeState & { volume?: string };
    const p = st.containers.find((c) => c.name === "k2-sidecar")?.project ?? st.volume;
    if (!p) throw new Error(`node ${this.ip} has no config volume yet (nothing was brought up)`);
    return p;
  }

  /**
   * Appends lines to the sidecar's container log as its process would write them
   * (stderr: slog lines, which carry their own `time=`; stdout: entrypoint lines).
   * For long-running nodes: e.g. hours of usage-reporter lines after registration.
   */
  appendSidecarLog(lines: string[], stream: "stdout" | "stderr" = "stderr"): void {
    const prefix = stream === "stdout" ? "1 " : "2 ";
    fs.appendFileSync(this.p("sidecar.log"), lines.map((l) => prefix + l + "\n").join(""));
  }

  /** docker logs k2-sidecar as the node shows it ("stdout" = entrypoint lines, "stderr" = slog lines). */
  sidecarLog(): { stdout: string; stderr: string } {
    const lines = fs.readFileSync(this.p("sidecar.log"), "utf8").split("\n").filter(Boolean);
    return {
      stdout: lines.filter((l) => l.startsWith("1 ")).map((l) => l.slice(2) + "\n").join(""),
      stderr: lines.filter((l) => l.startsWith("2 ")).map((l) => l.slice(2) + "\n").join(""),
    };
  }
}

/** Starts one simulated node (a real sshd on opts.ip:opts.port) and returns its handle. */
export async function startNode(opts: StartNodeOptions): Promise<SimNode> {
  const node = new SimNode(
    { ip: opts.ip, port: opts.port, name: opts.name, region: opts.region, country: opts.country ?? "JP", ipType: opts.ipType, scenario: opts.scenario, secret: opts.secret, centerUrl: opts.centerUrl, version: opts.version },
    opts.stateRoot,
    opts.clientPublicKey,
  );
  await node.start();
  return node;
}

export class SimFleet {
  private readonly nodes = new Map<string, SimNode>();
  private registry: readonly string[] | undefined;
  private network: NetworkProfile | null;
  constructor(
    readonly stateRoot: string,
    readonly clientPublicKey: string,
    /**
     * registryTags: the image tags the registry has for every node (a NodeSpec's own list wins);
     * network: the network between the console and every node (a NodeSpec's own wins; default none; see SimNode.setNetwork)
     */
    opts: { registryTags?: readonly string[]; network?: NetworkProfile } = {},
  ) {
    this.registry = opts.registryTags;
    this.network = opts.network ? checkProfile(opts.network) : null;
    prepareHost();
    fs.mkdirSync(stateRoot, { recursive: true });
    killStaleSshds(stateRoot);
  }

  /** Generates a client key pair for the console (ed25519) in `dir`. */
  static clientKey(dir: string): { privateKeyPath: string; publicKey: string } {
    return clientKey(dir);
  }

  async addNode(spec: NodeSpec): Promise<SimNode> {
    if (this.nodes.has(spec.ip)) throw new Error(`node ${spec.ip} already exists`);
    const own = { ...spec, ...(this.registry && !spec.registryTags ? { registryTags: [...this.registry] } : {}), ...(this.network && !spec.network ? { network: this.network } : {}) };
    const node = new SimNode(own, this.stateRoot, this.clientPublicKey);
    // a node that moved away still has its state dir under its first address: a new machine there would be it
    const owner = [...this.nodes.values()].find((n) => n.dir === node.dir);
    if (owner) throw new Error(`node ${spec.ip}: its state dir belongs to the node now at ${owner.ip}`);
    this.nodes.set(spec.ip, node);
    try {
      await node.start();
      // a node that moved in an earlier run comes back where it went
      if (node.ip !== spec.ip) {
        if (this.nodes.has(node.ip)) throw new Error(`node ${spec.ip} moved to ${node.ip}, where another node is`);
        this.nodes.delete(spec.ip);
        this.nodes.set(node.ip, node);
      }
    } catch (e) {
      if (this.nodes.get(spec.ip) === node) this.nodes.delete(spec.ip);
      await node.stop().catch(() => undefined);
      throw e;
    }
    return node;
  }

  /**
   * The machine at `oldIp` gets the public address `newIp` (SimNode.moveAddress): SSH refused at
   * the old address, the same host key at the new one; the fleet knows it by `newIp` from now on
   * (its provider traffic and drift go with it). Throws when no node is at `oldIp`, or one is
   * already at `newIp` (the fleet is unchanged then).
   */
  async moveNode(oldIp: string, newIp: string): Promise<SimNode> {
    const n = this.node(oldIp);
    if (oldIp === newIp) return n;
    if (this.nodes.has(newIp)) throw new Error(`node ${newIp} already exists`);
    this.nodes.delete(oldIp);
    this.nodes.set(newIp, n);
    try {
      await n.moveAddress(newIp);
    } catch (e) {
      this.nodes.delete(newIp);
      this.nodes.set(oldIp, n);
      throw e;
    }
    return n;
  }

  /** Starts many nodes, `parallel` at a time. */
  async addNodes(specs: NodeSpec[], parallel = 8): Promise<SimNode[]> {
    const queue = specs.map((s, i) => [s, i] as const);
    const out: SimNode[] = [];
    await Promise.all(
      Array.from({ length: Math.min(parallel, specs.length) }, async () => {
        for (let it = queue.shift(); it; it = queue.shift()) out[it[1]] = await this.addNode(it[0]);
      }),
    );
    return out;
  }

  /** The provider's traffic of a node over [fromSec, toSec) (SimNode.providerTraffic); null for an unknown node. Center's providerTraffic hook. */
  providerTraffic(ip: string, fromSec: number, toSec: number): { inBytes: number; outBytes: number } | null {
    return this.nodes.get(ip)?.providerTraffic(fromSec, toSec) ?? null;
  }

  /** Sets how far a node's provider counts off its NIC (1.5 = 50 % more; null = the default small drift). */
  setProviderDrift(ip: string, drift: number | null): void {
    this.node(ip).providerDrift = drift;
  }

  node(ip: string): SimNode {
    const n = this.nodes.get(ip);
    if (!n) throw new Error(`no simulated node ${ip}`);
    return n;
  }

  has(ip: string): boolean {
    return this.nodes.has(ip);
  }

  ips(): string[] {
    return [...this.nodes.keys()];
  }

  /** Run-time fault injection. Replaces the node's faults; `unreachable`/`hostKeyChanged` act at once. */
  setFault(ip: string, f: Fault): Promise<void> {
    return this.node(ip).setFault(f);
  }

  /**
   * The image tags the registry has from now on, for every node (or one): e.g. a release published
   * mid-test, or one withdrawn. `latest` names the first tag.
   */
  setRegistryTags(tags: readonly string[], ip?: string): void {
    if (!ip) this.registry = [...tags];
    for (const n of ip ? [this.node(ip)] : this.nodes.values()) n.setRegistryTags(tags);
  }

  /**
   * The network between the console and a node from now on (SimNode.setNetwork; null: none), or
   * with "*": every node's, and the default for nodes added later (whose NodeSpec.network still wins).
   */
  async setNetwork(ip: string, profile: NetworkProfile | null): Promise<void> {
    if (ip !== "*") return this.node(ip).setNetwork(profile);
    this.network = profile ? checkProfile(profile) : null;
    await Promise.all([...this.nodes.values()].map((n) => n.setNetwork(profile)));
  }

  /** The node stops answering SSH (connection refused), or comes back. */
  setReachable(ip: string, reachable: boolean): Promise<void> {
    return this.node(ip).setReachable(reachable);
  }

  /** The host key types the node's sshd offers from now on (see SimNode.setHostKeyTypes). */
  setHostKeyTypes(ip: string, types: HostKeyType[]): Promise<void> {
    return this.node(ip).setHostKeyTypes(types);
  }

  /** The node presents a new host key (rebuilt machine, or an attacker). */
  changeHostKey(ip: string): Promise<void> {
    return this.node(ip).changeHostKey();
  }

  commands(ip: string): CommandRecord[] {
    return this.node(ip).commands();
  }

  readNodeFile(ip: string, nodePath: string): string {
    return this.node(ip).readFile(nodePath);
  }

  /** Stops and forgets one node (its state dir stays). */
  async removeNode(ip: string): Promise<void> {
    const n = this.nodes.get(ip);
    if (!n) return;
    this.nodes.delete(ip);
    await n.stop();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.stop()));
    this.nodes.clear();
  }
}
