// The node simulator's vocabulary: scenarios, a node's spec and start options, injectable faults,
// its recorded commands and container state, and the release versions the registry holds.
import type { NetworkProfile } from "./latency-relay";

export const DEFAULT_VERSION = "v0.4.8-9d7c6f95";
/** The release the fleet ran before DEFAULT_VERSION (docs/test-matrix.md: 16 of 24 nodes were on c911d237). */
export const PREVIOUS_VERSION = "v0.4.8-c911d237";
/**
 * The image tags the simulated registry (public.ecr.aws/d6n9t2r2) holds by default: the demo's
 * current and previous releases (`latest` always names the first). A node's own version is added.
 */
export const DEFAULT_REGISTRY_TAGS: readonly string[] = [DEFAULT_VERSION, PREVIOUS_VERSION];

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
