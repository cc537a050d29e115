// startCenterSim's options and the hooks through which the node simulator (and a linked
// Lightsail simulator) brings machines up, moves and removes them.
import type { CloudAccountCfg, DecommissionedSpec, FleetNodeSpec, SeedRole, SimProvider } from "./seed";

export type CreateInstanceRequest = {
  taskId: string;
  accountName: string;
  provider: SimProvider;
  region: string;
  plan: string;
  imageId: string;
  name: string;
};

export type CenterSimHooks = {
  /**
   * A deferred create ran: bring up a fresh machine and return its address.
   * The node simulator implements this by starting a new sshd on 127.0.0.N:22.
   * Throwing = provider failure (recorded in taskLog, invisible to the HTTP caller).
   */
  onCreateInstance?: (req: CreateInstanceRequest) => Promise<{ ipv4: string; ipv6?: string }>;
  /** A reboot was requested (Lightsail RebootInstance on a linked Lightsail sim, or sim.rebootInstance). */
  onRebootInstance?: (ipv4: string) => Promise<void>;
  /** A deferred delete ran: the machine goes away. */
  onDeleteInstance?: (ipv4: string, instance: { provider: string; instanceId: string; name: string }) => Promise<void>;
  /** The provider stopped the instance (Lightsail StopInstance): the machine is down, its disk kept. */
  onStopInstance?: (ipv4: string, instance: { provider: string; instanceId: string; name: string }) => Promise<void>;
  /**
   * The machine at `oldIpv4` gets another public address: a deferred change-ip ran (aws_lightsail /
   * bandwagon), or a Lightsail static IP was attached or detached (`wantedIpv4`: the address it
   * must get, one `onReserveAddress` handed out). Move the machine; return the new address.
   */
  onChangeIp?: (oldIpv4: string, instance: { provider: string; instanceId: string; name: string; targetRegion?: string; wantedIpv4?: string }) => Promise<{ ipv4: string }>;
  /** A free public address for the account (a Lightsail static IP, or a dynamic IP after a detach): never handed to a new machine. */
  onReserveAddress?: () => Promise<string>;
  /** PUT traffic-config on an ssh_standalone instance (Center writes the YAML over SSH). */
  onTrafficConfig?: (ipv4: string, trafficTotalBytes: number) => Promise<void>;
  /**
   * The instance's traffic over [fromSec, toSec) as its provider counts it (the host NIC, a little
   * off the node's own meter): the node simulator's SimFleet.providerTraffic. Null (or no hook):
   * the synthetic per-name profile (lightsail/traffic.ts), or the node's own reports for ssh_standalone.
   */
  providerTraffic?: (ipv4: string, fromSec: number, toSec: number) => { inBytes: number; outBytes: number } | null;
};

export type ProvisionSeed = { region: string; trafficTotalBytes: number; ipType: "residential" | "non_residential" };

export type CenterSimOptions = CenterSimHooks & {
  port?: number;
  host?: string;
  /** live fleet (default DEFAULT_FLEET, 12 nodes) */
  fleet?: FleetNodeSpec[];
  /** decommissioned records seeded as node rows (zero tunnels, IP as name) */
  decommissioned?: DecommissionedSpec[];
  /** pre-register the live fleet with fleetNodeSecret(ipv4) (default false: nodes register themselves) */
  registerFleet?: boolean;
  /** queued provision work items (default 3) */
  provisionQueue?: number | ProvisionSeed[];
  /** private subscriptions (by id, seeded by the fleet's privateSubId) given a queued change_ip item, as an admin creates it (default none) */
  changeIpQueue?: { subId: number; reason: string }[];
  /** "scheduled" = next 02:00 Asia/Shanghai (default); "immediate" = right after the response; "manual" = only runDeferredTasks() */
  deferred?: "scheduled" | "immediate" | "manual";
  /** /slave/usage next_report_interval (default 60) */
  usageReportIntervalSec?: number;
  /** provisioning timeout threshold (default 1800 s) */
  provisionTimeoutSec?: number;
  /** automatic timeout sweep period (default 10 min; 0 = off) */
  sweepIntervalMs?: number;
  /** automatic cloud sync period (default 30 min; 0 = off) */
  cloudSyncIntervalMs?: number;
  /** identity.centerUrl handed to claimers (default: the simulator's own URL) */
  centerUrlForNodes?: string;
  /** deterministic-key seed (default "k2ops-sim") */
  seed?: string;
  /** override seeded access keys */
  accessKeys?: Partial<Record<SeedRole, string>>;
  /** JSON snapshot file: loaded at start if present, written after changes and at close */
  snapshotPath?: string;
  /** issue real self-signed PEMs with openssl for tunnel domains (default true when openssl exists) */
  realCerts?: boolean;
  /** request log sink (never receives secrets) */
  log?: (line: string) => void;
  /** cloud accounts (default DEFAULT_ACCOUNTS; ssh_standalone is always listed first) */
  accounts?: CloudAccountCfg[];
};
