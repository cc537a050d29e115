// Starts the demo fleet's simulated machines for simulator/launch.ts: one sshd
// node per Center fleet entry, a few of them in the failure states operators
// meet in practice, and Center hooks so "create instance" brings up a fresh,
// unprovisioned machine (sshd on 127.0.0.N:22, nothing deployed), a reboot
// restarts one, a delete stops one, and a change of public address (a Lightsail
// static IP attached or detached, Center's change-ip task) moves one.
import { createHash } from "node:crypto";
import path from "node:path";
import { countryOfRegion, fleetNodeSecret } from "../center/seed";
import { monthStartUtc, setTrafficProfile } from "../lightsail/traffic";
import { SimFleet, type NodeSpec, type Scenario } from "./fleet";
import { checkProfile, type NetworkProfile } from "./latency-relay";
import { acceptsTcp } from "./net";

type FleetEntry = { name: string; ipv4: string; country: string; region: string; ipType?: string; arch?: "k2v5" | "k2-slave" | "kaitu-slave"; privateSubId?: number };

// demo variety: each shows a distinct failing check in the console (by position among the k2v5 nodes)
const DEMO_ORDER: Scenario[] = ["healthy", "healthy", "wrong-timezone", "healthy", "cut", "restart-loop-net", "healthy", "metering-off", "k2-oc-orphan"];

/** Scenarios whose sidecar never registers with Center: Center does not list such a node, so the console gets it added by hand. */
export const NEVER_REGISTERS: readonly Scenario[] = ["restart-loop-net", "restart-loop-secret", "restart-loop-center", "nftables"];

/**
 * Machines beyond Center's fleet, so the demo holds every scenario of the node
 * simulator (SCENARIOS; "unprovisioned" comes with "create instance"). The ones
 * that never register are added to the console by hand (simulator/launch.ts);
 * the others register themselves and arrive with the next sync.
 */
export const DEMO_EXTRA: (FleetEntry & { scenario: Scenario })[] = [
  { name: "sg-singapore-02", ipv4: "127.0.0.23", country: "SG", region: "sg-singapore", scenario: "nftables" },
  { name: "jp-osaka-01", ipv4: "127.0.0.24", country: "JP", region: "jp-osaka", scenario: "restart-loop-secret" },
  { name: "us-oregon-01", ipv4: "127.0.0.25", country: "US", region: "us-oregon", scenario: "restart-loop-center" },
  { name: "de-frankfurt-02", ipv4: "127.0.0.26", country: "DE", region: "de-frankfurt", scenario: "bbr-off" },
  { name: "gb-london-01", ipv4: "127.0.0.27", country: "GB", region: "gb-london", scenario: "no-ipv6" },
];

/** The demo's network (README "The simulated fleet"): the fleet's profile and the nodes' own (by name or IPv4). */
export type DemoNetwork = { fleet?: NetworkProfile; nodes: Map<string, NetworkProfile> };

/**
 * The demo's network from the environment: K2SIM_RTT_MS (ms), K2SIM_JITTER_MS (ms) and
 * K2SIM_BANDWIDTH_KBPS (kbit/s) for every node; K2SIM_NODE_NETWORK for some nodes, winning over
 * those: comma-separated `<name or IPv4>=<rtt ms>[/<jitter ms>[/<kbit/s>]]`, e.g.
 * "jp-tokyo-01=80,us-oregon-01=180/20/8000". Nothing set: no network (loopback speed).
 * Throws on a value that is not a number.
 */
export function networkFromEnv(env: Record<string, string | undefined> = process.env): DemoNetwork {
  const num = (v: string | undefined, what: string) => {
    if (v === undefined || v.trim() === "") return undefined;
    if (!/^\d+(\.\d+)?$/.test(v.trim())) throw new Error(`${what} must be a number, not ${JSON.stringify(v)}`);
    return Number(v);
  };
  const profile = (rtt?: number, jitter?: number, bw?: number) => checkProfile({ rttMs: rtt ?? 0, ...(jitter ? { jitterMs: jitter } : {}), ...(bw ? { bandwidthKbps: bw } : {}) });
  const [rtt, jitter, bw] = [num(env.K2SIM_RTT_MS, "K2SIM_RTT_MS"), num(env.K2SIM_JITTER_MS, "K2SIM_JITTER_MS"), num(env.K2SIM_BANDWIDTH_KBPS, "K2SIM_BANDWIDTH_KBPS")];
  const nodes = new Map<string, NetworkProfile>();
  for (const item of (env.K2SIM_NODE_NETWORK ?? "").split(",").filter((x) => x.trim())) {
    const [who, what = ""] = item.split("=").map((x) => x.trim());
    const [r, j, b] = what.split("/").map((x, i) => num(x, `K2SIM_NODE_NETWORK ${who} (${["rtt", "jitter", "bandwidth"][i]})`));
    if (!who || r === undefined) throw new Error(`K2SIM_NODE_NETWORK: "${item}" is not <name or IPv4>=<rtt ms>[/<jitter ms>[/<kbit/s>]]`);
    nodes.set(who, profile(r, j, b));
  }
  return { ...(rtt !== undefined || jitter || bw ? { fleet: profile(rtt, jitter, bw) } : {}), nodes };
}

const describeProfile = (p: NetworkProfile) => `rtt ${p.rttMs} ms${p.jitterMs ? ` + jitter 0-${p.jitterMs} ms` : ""}${p.bandwidthKbps ? `, ${p.bandwidthKbps} kbit/s` : ""}`;

export function scenarioFor(f: FleetEntry, k2v5Index: number): Scenario {
  if (f.arch === "k2-slave") return "legacy-k2-slave";
  if (f.arch === "kaitu-slave") return "unmigrated";
  return DEMO_ORDER[k2v5Index] ?? "healthy";
}

/**
 * The machine addresses of a fleet (`<prefix>.N`, N from `first` to 254) and the Center hooks that
 * hand them out and move machines: `onReserveAddress` (a new static or dynamic IP at Lightsail),
 * `onChangeIp` (a machine gets another address: the wanted one, else a fresh one). An address once
 * handed out is never handed out again in this run, so no new machine lands where a moved one was
 * (its state dir is still named after that address), nor on a reserved static IP nobody uses yet.
 */
export function machineAddresses(fleet: SimFleet, o: { prefix: string; first: number; used?: Iterable<string> }) {
  const used = new Set(o.used ?? []);
  let next = o.first;
  /** A free address, marked used at once (two reservations at the same time never get the same one). */
  const reserve = async (): Promise<string> => {
    while (next < 255) {
      const ip = `${o.prefix}.${next++}`;
      if (used.has(ip) || fleet.has(ip)) continue;
      used.add(ip);
      // another run, or something else, may hold it
      if (await acceptsTcp(ip, 22, 300)) continue;
      return ip;
    }
    throw new Error(`no free ${o.prefix}.N address for a machine`);
  };
  return {
    reserve,
    used,
    hooks: {
      onReserveAddress: reserve,
      // the provider moved the instance (Lightsail static IP attach/detach, Center's change-ip task)
      onChangeIp: async (oldIp: string, inst: { wantedIpv4?: string }) => {
        const ip = inst.wantedIpv4 ?? (await reserve());
        used.add(ip);
        if (fleet.has(oldIp)) await fleet.moveNode(oldIp, ip);
        return { ipv4: ip };
      },
    },
  };
}

/**
 * The Center hook that brings up a machine for every instance created: an
 * "unprovisioned" simulated node (sshd on 22, nothing deployed) at an address
 * of `addresses`, geolocated in the country of the region it was created in.
 */
export function freshMachineHook(fleet: SimFleet, addresses: { reserve(): Promise<string> }, centerUrl: string) {
  return async (req: { name: string; region: string }): Promise<{ ipv4: string }> => {
    const ip = await addresses.reserve();
    await fleet.addNode({ ip, name: req.name, country: countryOfRegion(req.region), region: req.region, scenario: "unprovisioned", secret: "", centerUrl, port: 22 });
    return { ipv4: ip };
  };
}

export async function launchNodes(o: {
  stateDir: string;
  center: { url: string; setHooks(h: object): void; syncCloud?: () => unknown; state?: { instances: { name: string; ip_address: string; deletedAt?: number | null; trafficUsedBytes: number; trafficTotalBytes: number }[] } };
  fleet: FleetEntry[];
  /** also start DEMO_EXTRA, at `remap(ipv4)` (the demo's IP prefix) */
  extras?: { remap: (ip: string) => string };
  /** the image tags the simulated registry has (default DEFAULT_REGISTRY_TAGS: the current and previous releases) */
  registryTags?: readonly string[];
  /** the network between the console and the nodes (default: networkFromEnv(), none when nothing is set) */
  network?: DemoNetwork;
}): Promise<{ stop(): Promise<void>; sshEnv: Record<string, string>; describe(): string; unregistered: { ipv4: string; name: string; scenario: Scenario }[] }> {
  // a node's meter and its provider's traffic counter measure the same traffic: start each
  // node at what Center's cloud inventory says it used, with its plan's allowance as the limit
  // (otherwise Center's authoritative correction would push a "healthy" node over its quota)
  o.center.syncCloud?.();
  const live = (o.center.state?.instances ?? []).filter((i) => !i.deletedAt && i.trafficTotalBytes > 0 && o.fleet.some((f) => f.ipv4 === i.ip_address));
  // the demo's healthy machines have used 25-65 % of their plan this month (the synthetic
  // default rates would put a small plan over its allowance by the 20th)
  const days = Math.max(0.5, (Date.now() / 1000 - monthStartUtc(Date.now() / 1000)) / 86_400);
  for (const i of live) {
    const frac = 0.25 + (parseInt(i.ip_address.split(".").pop()!, 10) % 9) * 0.05;
    const perDayGiB = (frac * i.trafficTotalBytes) / 2 ** 30 / days;
    setTrafficProfile(i.name, { outGiBPerDay: perDayGiB * 0.6, inGiBPerDay: perDayGiB * 0.4, phase: 0 });
  }
  o.center.syncCloud?.();
  const cloud = new Map(live.map((i) => [i.ip_address, i] as const));
  const key = SimFleet.clientKey(path.join(o.stateDir, "keys"));
  const network = o.network ?? networkFromEnv();
  const fleet = new SimFleet(path.join(o.stateDir, "nodes"), key.publicKey, { registryTags: o.registryTags, network: network.fleet });
  const t0 = performance.now();
  let k2v5 = 0;
  const specs: NodeSpec[] = o.fleet.map((f) => ({
    ip: f.ipv4,
    name: f.name,
    country: f.country,
    region: f.region,
    ipType: f.ipType,
    scenario: scenarioFor(f, f.arch === "k2-slave" || f.arch === "kaitu-slave" ? -1 : k2v5++),
    secret: fleetNodeSecret(f.ipv4),
    centerUrl: o.center.url,
    // a private node keeps its (long spent) one-time claim in .env: Center re-binds it by its subscription's bound address
    ...(f.privateSubId ? { privateClaim: createHash("sha256").update(`k2ops-demo-claim:${f.privateSubId}`).digest("hex") } : {}),
    ...(cloud.has(f.ipv4) ? { usedBytes: cloud.get(f.ipv4)!.trafficUsedBytes, limitGb: Math.floor(cloud.get(f.ipv4)!.trafficTotalBytes / 2 ** 30) } : {}),
  }));
  for (const x of o.extras ? DEMO_EXTRA : []) {
    const ip = o.extras!.remap(x.ipv4);
    specs.push({ ip, name: x.name, country: x.country, region: x.region, ipType: x.ipType, scenario: x.scenario, secret: fleetNodeSecret(ip), centerUrl: o.center.url });
  }
  for (const s of specs) {
    const own = network.nodes.get(s.name) ?? network.nodes.get(s.ip);
    if (own) s.network = own;
  }
  try {
    await fleet.addNodes(specs, 8);
  } catch (e) {
    await fleet.stop();
    throw e;
  }
  const took = Math.round(performance.now() - t0);
  const addresses = machineAddresses(fleet, { prefix: "127.0.0", first: 100, used: specs.map((s) => s.ip) });
  o.center.setHooks({
    ...addresses.hooks,
    // a fresh machine: sshd on port 22, nothing deployed
    onCreateInstance: freshMachineHook(fleet, addresses, o.center.url),
    // a reboot: the sidecar unregisters gracefully, the machine goes away, comes back, re-registers
    onRebootInstance: async (ip: string) => {
      if (!fleet.has(ip)) return;
      void fleet
        .node(ip)
        .reboot(3000)
        .catch(() => undefined);
    },
    onDeleteInstance: async (ip: string) => {
      await fleet.removeNode(ip);
    },
    // a stopped instance: the machine is off (SSH refused)
    onStopInstance: async (ip: string) => {
      if (fleet.has(ip)) await fleet.setReachable(ip, false);
    },
    // the provider's own traffic figures (Center's cloud instances, Lightsail's metric data): the node's host NIC, a little off its meter
    providerTraffic: (ip: string, fromSec: number, toSec: number) => (fleet.has(ip) ? fleet.providerTraffic(ip, fromSec, toSec) : null),
  });
  return {
    stop: () => fleet.stop(),
    unregistered: specs.filter((s) => NEVER_REGISTERS.includes(s.scenario)).map((s) => ({ ipv4: s.ip, name: s.name, scenario: s.scenario })),
    sshEnv: { K2OPS_SSH_KEY_PATH: key.privateKeyPath, K2OPS_SSH_USER: "ubuntu", K2OPS_SSH_PORT: "1022" },
    describe: () =>
      `${specs.length} simulated nodes (real sshd on 127.0.0.N:1022; ${specs
        .filter((s) => s.scenario !== "healthy")
        .map((s) => `${s.ip} ${s.scenario}`)
        .join(", ")}) started in ${took} ms; console SSH key ${key.privateKeyPath}` +
      (network.fleet || network.nodes.size
        ? `; network: ${[...(network.fleet ? [describeProfile(network.fleet)] : []), ...[...network.nodes].map(([n, p]) => `${n} ${describeProfile(p)}`)].join(", ")}`
        : ""),
  };
}
