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
//
// Modules: node-types.ts (specs, scenarios, faults, state), node-env.ts (paths,
// node.env and the seeded files), host.ts (host preparation, live sshds),
// node-layout.ts (a node's state dir and files), sim-node.ts (SimNode: its sshd,
// network, host keys, faults); this file holds startNode and SimFleet.
import fs from "node:fs";
import { checkProfile, type NetworkProfile } from "./latency-relay";
import { clientKey, killStaleSshds, prepareHost } from "./host";
import { SimNode } from "./sim-node";
import type { CommandRecord, Fault, HostKeyType, NodeSpec, StartNodeOptions } from "./node-types";

export { PREVIOUS_VERSION, DEFAULT_REGISTRY_TAGS, SCENARIOS } from "./node-types";
export type { Scenario, NodeSpec, StartNodeOptions, Fault, ProvisionFailure, CommandRecord, HostKeyType, ContainerState, NodeState } from "./node-types";
export { prepareHost, clientKey } from "./host";
export { SimNode } from "./sim-node";

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
