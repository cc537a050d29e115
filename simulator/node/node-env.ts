// What a node's state dir is seeded with and where things are: the simulator's paths and
// package lists, node.env (the facts its shims read), the deploy dir's .env, the provisioned images.
import { createHash } from "node:crypto";
import path from "node:path";
import { meterNodeEnv } from "./meter-init";
import { DEFAULT_REGISTRY_TAGS, DEFAULT_VERSION, type NodeSpec, type Scenario } from "./node-types";

const HERE = import.meta.dirname;
export const SHIMS = path.join(HERE, "shims");
export const WRAPPER = path.join(HERE, "wrapper.sh");
export const COMPOSE_ASSET = path.join(HERE, "../../deploy-assets/docker/docker-compose.yml");
/** where a node sees its own simulator dir (a bind mount inside its namespace) */
export const SIM_MOUNT = "/var/lib/k2sim";
/** the node's swap file (a bind mount of its own file inside its namespace) */
export const SWAPFILE = "/swapfile";
/** how often a node's network relays look for ports its sshd moved to (ms) */
export const RELAY_POLL_MS = 200;
/** the host directories a node sees through an overlay of its own (node dir name → path) */
export const OVERLAYS: readonly (readonly [string, string])[] = [
  ["etc", "/etc"],
  ["usr-bin", "/usr/bin"],
  ["usr-local-bin", "/usr/local/bin"],
];
/** the shims a package brings: on a node only while that package is installed (apt-get installs and removes them) */
export const PACKAGE_SHIMS: Record<string, string> = { docker: "docker-ce-cli", snap: "snapd" };
/** host commands a fresh Ubuntu has not got (hidden in the node's overlays: a node's own come from its packages) */
export const HIDDEN_COMMANDS = ["docker", "dockerd", "docker-compose", "snap", "ufw", "containerd"];
/** A fresh Ubuntu cloud machine's packages that matter here (node.env APT_PKGS); a provisioned one's. */
export const FRESH_PACKAGES = "openssh-server iptables snapd ufw unattended-upgrades curl gnupg ca-certificates";
export const PROVISIONED_PACKAGES = "openssh-server iptables ufw curl gnupg ca-certificates docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin";
/** A fresh Lightsail/EC2 Ubuntu 22.04's snaps (node.env SNAPS). */
export const FRESH_SNAPS = "amazon-ssm-agent core18 core20 lxd snapd";

/** Reads a node.env (KEY='v' as the simulator writes it, KEY=v\ w as bash's printf %q does). */
export function parseNodeEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2];
    out[m[1]] = /^'.*'$/s.test(v) ? v.slice(1, -1).replace(/'\\''/g, "'") : v.replace(/\\(.)/g, "$1");
  }
  return out;
}
const IMAGE_REPO = "public.ecr.aws/d6n9t2r2";

export const isLegacyDir = (s: Scenario) => s === "legacy-k2-slave" || s === "unmigrated";

export function envFile(s: NodeSpec): string {
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
export function registryTagsOf(s: NodeSpec): string[] {
  return s.registryTags ? [...s.registryTags] : [...new Set([...DEFAULT_REGISTRY_TAGS, s.version ?? DEFAULT_VERSION])];
}

/** The images a provisioned node has pulled (state.json .images; IDs as the docker shim's image_id makes them). */
export function provisionedImages(s: NodeSpec, tags: string[]): { ref: string; id: string; created: number; size: number }[] {
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

export function q(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

export function nodeEnv(s: NodeSpec, dir: string): string {
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
