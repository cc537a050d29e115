import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import {
  DEFAULT_ACCOUNTS,
  DEFAULT_DECOMMISSIONED,
  DEFAULT_FLEET,
  BANDWAGON_PLANS,
  IMAGES,
  PLANS,
  SEED_USERS,
  defaultDomain,
  fleetNodeSecret,
  groupsFor,
  lightsailRegionOf,
  seedAccessKey,
  staticRegions,
  type CloudAccountCfg,
  type DecommissionedSpec,
  type FleetNodeSpec,
  type SeedRole,
  type SimProvider,
} from "./seed";
import { buildLogObject, type LogScenario } from "./logs";
import { monthStartUtc, nextMonthStartUtc, trafficBytes } from "../lightsail/traffic";
import { BindError, Reply, bindJson, displayProtocol, fail, hex32, normIpType, normProtocol, notFound, ok, optBool, optNum, optStr, parseIntStrict, reqNum, reqStr, required, sha256, typeErr, type Ctx, type Handler, type RouteAuth } from "./common";
import { issueCert } from "./certs";
import { calculateNodeLoad, latestLoadRow } from "./loads";
import { slaveRoutes } from "./slave";
import { lightsailAddresses } from "./provider";
import type { CenterSimState, RegisterBody, SimDeviceLog, SimInstance, SimNode, SimOp, SimReply, SimSub, SimTask, SimTaskResult, SimTicket, SimTunnel, SimUsage, SimUser } from "./types";

export { DEFAULT_FLEET, DEFAULT_DECOMMISSIONED, fleetNodeSecret, seedAccessKey, defaultDomain } from "./seed";
export type { FleetNodeSpec, DecommissionedSpec, SeedRole, SimProvider, CloudAccountCfg } from "./seed";
export type * from "./types";
export { calculateNodeLoad, calculateServerLoad } from "./loads";

// In-memory simulator of Kaitu Center (center-api.md, §12 checklist). One
// node:http server on 127.0.0.1 serves /app (X-Access-Key), /slave (Basic
// ipv4:secret), /healthy, /version and the public log bucket under /s3/.
// Modules: types.ts (state), common.ts (envelope, JSON binding), certs.ts,
// loads.ts (status rows and load scores), slave.ts (the node-facing /slave/* API);
// this file holds the domain logic, the /app admin routes and the server.

const GiB = 2 ** 30;
const TiB = 2 ** 40;
const RESERVE = 500 * 1024 * 1024;
const ROLE_V = 16 | 32;
const ROLE_E = 32;
const ROLE_S = 64;
const ROLE_A = 16 | 32 | 64;

// ---- options and hooks -----------------------------------------------------------

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

export type CenterSim = Awaited<ReturnType<typeof startCenterSim>>;

// ---- helpers ----

/** next 02:00 Asia/Shanghai (= 18:00 UTC) strictly after `sec` */
export function next0200Shanghai(sec: number): number {
  const d = new Date(sec * 1000);
  let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 18, 0, 0) / 1000;
  if (t <= sec) t += 86_400;
  return t;
}

// ---- the simulator -----------------------------------------------------------------

export async function startCenterSim(opts: CenterSimOptions = {}) {
  const seed = opts.seed ?? "k2ops-sim";
  const log = opts.log ?? (() => {});
  const deferredMode = opts.deferred ?? "scheduled";
  const usageInterval = opts.usageReportIntervalSec ?? 60;
  let usageFault: number | null = null;
  // every /app and /admin request (the console's side) answers with this status until cleared
  let appFault: number | null = null;
  // the next answers on matching paths are lost AFTER the handler ran (a proxy timing out on a write that happened)
  const lostAnswers: { path: RegExp; status: number; left: number }[] = [];
  const provisionTimeoutSec = opts.provisionTimeoutSec ?? 1800;
  const realCerts = opts.realCerts ?? true;
  const hooks: CenterSimHooks = {
    onCreateInstance: opts.onCreateInstance,
    onRebootInstance: opts.onRebootInstance,
    onDeleteInstance: opts.onDeleteInstance,
    onStopInstance: opts.onStopInstance,
    onChangeIp: opts.onChangeIp,
    onReserveAddress: opts.onReserveAddress,
    onTrafficConfig: opts.onTrafficConfig,
    providerTraffic: opts.providerTraffic,
  };
  const fleet = opts.fleet ?? DEFAULT_FLEET;
  const accessKeys: Record<SeedRole, string> = Object.fromEntries(
    SEED_USERS.map((u) => [u.role, opts.accessKeys?.[u.role] ?? seedAccessKey(u.role, seed)]),
  ) as Record<SeedRole, string>;

  let state: CenterSimState;
  const loaded = opts.snapshotPath && fs.existsSync(opts.snapshotPath);
  if (loaded) {
    state = JSON.parse(fs.readFileSync(opts.snapshotPath!, "utf8")) as CenterSimState;
    state.loadRows ??= []; // a snapshot from before status rows were kept
  } else {
    state = emptyState();
  }

  const nowMs = () => Date.now() + state.clockOffsetMs;
  const now = () => Math.floor(nowMs() / 1000);
  const nextId = (k: string) => (state.seq[k] = (state.seq[k] ?? 0) + 1);

  let selfUrl = "";
  let dirty = false;
  let saveTimer: NodeJS.Timeout | null = null;
  function touch() {
    dirty = true;
    if (!opts.snapshotPath || saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = null;
      saveSnapshot();
    }, 200);
  }
  function saveSnapshot() {
    if (!opts.snapshotPath || !dirty) return;
    fs.mkdirSync(path.dirname(opts.snapshotPath), { recursive: true });
    const tmp = `${opts.snapshotPath}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state));
    fs.renameSync(tmp, opts.snapshotPath);
    dirty = false;
  }
  function audit(user: SimUser | undefined, action: string, targetType: string, targetId: string, detail: unknown = {}) {
    state.audit.push({ at: now(), actorId: user?.id ?? 0, action, targetType, targetId, detail: JSON.stringify(detail) });
  }

  // ---- domain logic ----

  const nodeByIp = (ip: string) => state.nodes.find((n) => n.ipv4 === ip);
  const liveTunnelsOf = (ip: string) => state.tunnels.filter((t) => t.nodeIpv4 === ip && !t.deleted).sort((a, b) => a.id - b.id);

  function hardDeleteNode(ip: string) {
    state.tunnels = state.tunnels.filter((t) => t.nodeIpv4 !== ip);
    const n = nodeByIp(ip);
    if (n) state.loadRows = state.loadRows.filter((r) => r.nodeId !== n.id);
    state.nodes = state.nodes.filter((n) => n.ipv4 !== ip);
  }

  function tunnelName(country: string, isTest: boolean) {
    let name: string;
    do {
      name = `${country || "XX"} ${String(1000 + Math.floor(Math.random() * 9000))}${isTest ? " (test)" : ""}`;
    } while (state.tunnels.some((t) => !t.deleted && t.name === name));
    return name;
  }

  function isServiceable(s: SimSub) {
    return (s.status === "active" || s.status === "grace") && now() < s.expiresAt + 7 * 86_400;
  }

  function registerNode(ipv4: string, b: RegisterBody): { status: "ok"; data: Record<string, unknown> } | { status: "forbidden" } {
    const t = now();
    let node = nodeByIp(ipv4);
    const created = !node;
    if (node && node.secretToken !== b.secretToken) return { status: "forbidden" };
    const brands = (b.brands ?? []).filter((x) => x === "kaitu" || x === "overleap");
    const claim = b.privateClaim ?? "";
    // domains known before this registration (created=false for them) and their tunnel secrets
    const known = new Map(state.tunnels.map((x) => [x.domain, x.secretToken] as const));
    if (!node) {
      node = {
        id: nextId("node"),
        ipv4,
        secretToken: b.secretToken,
        country: b.country,
        region: b.region || b.country,
        name: b.name,
        ipv6: b.ipv6 ?? "",
        meta: JSON.stringify(b.meta ?? {}),
        class: claim ? "private" : "shared",
        privateOwnerUserId: null,
        privateSubId: null,
        ipType: normIpType(b.ipType),
        brands: brands.join(",") || "kaitu",
        visibleKaitu: true,
        visibleOverleap: true,
        createdAt: t,
        updatedAt: t,
      };
      state.nodes.push(node);
    } else {
      state.tunnels = state.tunnels.filter((x) => x.nodeIpv4 !== ipv4); // all tunnels hard-deleted
      Object.assign(node, {
        secretToken: b.secretToken,
        country: b.country,
        region: b.region || b.country,
        name: b.name,
        ipv6: b.ipv6 ?? "",
        meta: JSON.stringify(b.meta ?? {}),
        ipType: normIpType(b.ipType),
        brands: brands.join(",") || "kaitu",
        class: claim ? "private" : node.class,
        updatedAt: t,
      });
    }
    const outTunnels: Record<string, unknown>[] = [];
    for (const d of b.tunnels ?? []) {
      const previous = state.tunnels.find((x) => x.domain === d.domain);
      if (previous) state.tunnels = state.tunnels.filter((x) => x !== previous); // moves to this node
      const existed = known.has(d.domain);
      const hasRelay = !!d.hasRelay;
      let hasTunnel = !!d.hasTunnel;
      if (!hasRelay && !hasTunnel) hasTunnel = true;
      const tun: SimTunnel = {
        id: nextId("tunnel"),
        nodeIpv4: ipv4,
        domain: d.domain,
        name: tunnelName(node.country, !!d.isTest),
        protocol: normProtocol(d.protocol),
        port: d.port,
        hopPortStart: d.hopPortStart ?? 0,
        hopPortEnd: d.hopPortEnd ?? 0,
        isTest: !!d.isTest,
        hasRelay,
        hasTunnel,
        serverUrl: d.serverUrl ?? "",
        secretToken: known.get(d.domain) || hex32(),
      };
      state.tunnels.push(tun);
      const pem = issueCert(d.domain, realCerts);
      outTunnels.push({
        domain: tun.domain,
        protocol: tun.protocol,
        port: tun.port,
        hopPortStart: tun.hopPortStart,
        hopPortEnd: tun.hopPortEnd,
        sslCert: pem.cert,
        sslKey: pem.key,
        created: !existed,
        hasRelay,
        hasTunnel,
      });
    }
    if (claim) reconcilePrivate(node, claim);
    touch();
    const data: Record<string, unknown> = { ipv4, secretToken: node.secretToken, created };
    if (b.tunnels && b.tunnels.length) data.tunnels = outTunnels;
    log(`slave register ${ipv4} name=${node.name} created=${created} tunnels=${outTunnels.length}`);
    return { status: "ok", data };
  }

  function reconcilePrivate(node: SimNode, claim: string) {
    const t = now();
    const sub = state.subs.find((s) => s.provisionClaimToken !== "" && s.provisionClaimToken === claim && (s.status === "pending" || s.status === "provisioning"));
    if (sub) {
      sub.status = "active";
      sub.slaveNodeId = node.id;
      sub.boundIpv4 = node.ipv4;
      sub.provisionClaimToken = "";
      sub.updatedAt = t;
      node.class = "private";
      node.privateOwnerUserId = sub.userId;
      node.privateSubId = sub.id;
      const inst = state.instances.filter((i) => !i.deletedAt && i.ip_address === node.ipv4).sort((a, b) => b.id - a.id)[0];
      if (inst) sub.cloudInstanceId = inst.id;
      for (const op of state.ops) {
        if (op.subId === sub.id && op.action === "provision") {
          op.status = "done";
          op.completedAt = t;
          op.updatedAt = t;
          op.result = JSON.stringify({ ipv4: node.ipv4 });
        }
      }
      log(`private node ${node.ipv4} activated subscription ${sub.id}`);
      return;
    }
    const bound = state.subs.find((s) => s.boundIpv4 === node.ipv4 && isServiceable(s));
    if (bound) {
      node.privateOwnerUserId = bound.userId;
      node.privateSubId = bound.id;
      bound.slaveNodeId = node.id;
    }
  }

  /** Payment webhook path: a private-node subscription and its queued provision op. */
  function createProvisionRequest(p: Partial<ProvisionSeed> & { userId?: number } = {}) {
    const t = now();
    const user = state.endUsers[0];
    const sub: SimSub = {
      id: nextId("sub"),
      createdAt: t,
      updatedAt: t,
      userId: p.userId ?? user?.id ?? 1,
      planId: 7,
      orderId: nextId("order"),
      cloudInstanceId: null,
      slaveNodeId: null,
      boundIpv4: "",
      region: p.region ?? "ap-tokyo",
      ipType: p.ipType ?? "non_residential",
      trafficTotalBytes: p.trafficTotalBytes ?? 1000 * GiB,
      status: "provisioning",
      purchasedAt: t,
      expiresAt: t + 30 * 86_400,
      provisionClaimToken: hex32(),
      lastError: "",
    };
    state.subs.push(sub);
    const op = newOp("provision", sub, "system:order", { region: sub.region, trafficTotalBytes: sub.trafficTotalBytes, ipType: sub.ipType });
    state.tickets.push({
      id: nextId("ticket"),
      feedbackId: `pn-install-${sub.id}`,
      udid: `pn:sub:${sub.id}`,
      userId: sub.userId,
      email: user?.email ?? "",
      content: `Private node installation requested for subscription ${sub.id} (${sub.region}).`,
      status: "open",
      resolvedBy: "",
      resolvedAt: 0,
      lastReplyAt: 0,
      lastReplyBy: "",
      meta: JSON.stringify({ type: "private_node_install", subId: sub.id, orderId: sub.orderId, region: sub.region }),
      createdAt: t,
      autoGenerated: true,
      unread: 0,
    });
    state.slack.push(`new private node order: sub ${sub.id} region ${sub.region}`);
    touch();
    return { sub, op };
  }

  function newOp(action: SimOp["action"], sub: SimSub, createdBy: string, params: unknown): SimOp {
    const t = now();
    const op: SimOp = {
      id: nextId("op"),
      createdAt: t,
      updatedAt: t,
      action,
      subId: sub.id,
      cloudInstanceId: action === "provision" ? null : sub.cloudInstanceId,
      status: "queued",
      holder: "",
      leasedAt: 0,
      leaseDeadline: 0,
      params: JSON.stringify(params ?? {}),
      result: "{}",
      lastError: "",
      createdBy,
      completedAt: 0,
    };
    state.ops.push(op);
    return op;
  }

  /** The 10-minute cron: subs provisioning for > 30 min fail, and their open provision ops. */
  function sweepProvisionTimeouts(): { subs: number[]; ops: number[] } {
    const t = now();
    const out = { subs: [] as number[], ops: [] as number[] };
    for (const s of state.subs) {
      if (s.status !== "provisioning" || t - s.updatedAt <= provisionTimeoutSec) continue;
      s.status = "failed";
      s.lastError = "provisioning timed out: node never self-registered";
      s.updatedAt = t;
      out.subs.push(s.id);
      for (const op of state.ops) {
        if (op.subId === s.id && op.action === "provision" && (op.status === "queued" || op.status === "claimed" || op.status === "in_progress")) {
          op.status = "failed";
          op.lastError = "subscription provisioning timed out";
          op.completedAt = t;
          op.updatedAt = t;
          out.ops.push(op.id);
        }
      }
      state.slack.push(`private node provisioning timed out: sub ${s.id}`);
    }
    if (out.subs.length) touch();
    return out;
  }

  /**
   * The daily private-node lifecycle sweep (cron 0 19 * * * UTC), one step per sub per run:
   * active→grace, grace→suspended (+stop op), suspended→deprovisioned (stop ops canceled,
   * +destroy op, bindings cleared); renewed grace/suspended subs → active (their open stop/destroy canceled).
   */
  function runLifecycleSweep(): { changed: number[]; ops: number[] } {
    const t = now();
    const D = 86_400;
    const out = { changed: [] as number[], ops: [] as number[] };
    const open = (o: SimOp) => o.status === "queued" || o.status === "claimed" || o.status === "in_progress";
    const cancel = (sub: SimSub, actions: SimOp["action"][]) => {
      for (const o of state.ops) {
        if (o.subId === sub.id && actions.includes(o.action) && open(o)) {
          o.status = "canceled";
          o.completedAt = t;
          o.updatedAt = t;
        }
      }
    };
    const dispatch = (sub: SimSub, action: "stop" | "destroy", reason: string) => {
      if (sub.cloudInstanceId === null) return;
      if (state.ops.some((o) => o.subId === sub.id && o.action === action && open(o))) return;
      out.ops.push(newOp(action, sub, "system:lifecycle", { reason }).id);
    };
    for (const sub of state.subs) {
      const before = sub.status;
      if ((sub.status === "grace" || sub.status === "suspended") && sub.expiresAt > t) {
        sub.status = "active";
        cancel(sub, ["stop", "destroy"]);
      } else if (sub.status === "active" && t > sub.expiresAt) {
        sub.status = "grace";
      } else if (sub.status === "grace" && t > sub.expiresAt + 7 * D) {
        sub.status = "suspended";
        dispatch(sub, "stop", "grace ended");
      } else if (sub.status === "suspended" && t > sub.expiresAt + 21 * D) {
        sub.status = "deprovisioned";
        cancel(sub, ["stop"]);
        dispatch(sub, "destroy", "suspend ended");
        sub.slaveNodeId = null;
        sub.cloudInstanceId = null;
        sub.boundIpv4 = "";
      }
      if (sub.status !== before) {
        sub.updatedAt = t;
        out.changed.push(sub.id);
      }
    }
    if (out.changed.length) touch();
    return out;
  }

  // ---- cloud ----

  function accountsAll(): CloudAccountCfg[] {
    return [{ name: "ssh_standalone", provider: "ssh_standalone", region: "" }, ...state.accounts];
  }
  const accountByName = (n: string) => state.accounts.find((a) => a.name === n);

  function planTransferBytes(provider: SimProvider, plan: string): number {
    if (provider === "bandwagon") return (BANDWAGON_PLANS[plan]?.transferGb ?? 1000) * GiB;
    const p = PLANS[provider]?.find((x) => x.id === plan);
    return (p?.transferGb ?? 1024) * GiB;
  }

  function isPrivateLineInstance(inst: SimInstance) {
    return state.subs.some((s) => s.cloudInstanceId === inst.id && ["pending", "provisioning", "active", "grace", "suspended"].includes(s.status));
  }

  /** bytes in one direction over [a, b): the linked node's host NIC (hook), else the synthetic profile */
  function providerBytes(inst: SimInstance, direction: "in" | "out", a: number, b: number): number {
    const linked = hooks.providerTraffic?.(inst.ip_address, Math.max(a, inst.createdAt), b);
    if (linked) return Math.round(direction === "in" ? linked.inBytes : linked.outBytes);
    return trafficBytes(inst.name, direction, a, b, inst.createdAt);
  }

  function refreshTraffic(inst: SimInstance) {
    const t = now();
    if (isPrivateLineInstance(inst)) {
      inst.last_synced_at = t;
      return;
    }
    switch (inst.provider) {
      case "aws_lightsail": {
        const from = monthStartUtc(t);
        inst.trafficUsedBytes = providerBytes(inst, "in", from, t) + providerBytes(inst, "out", from, t);
        inst.trafficTotalBytes = planTransferBytes("aws_lightsail", inst.plan);
        inst.traffic_reset_at = nextMonthStartUtc(t);
        inst.expires_at = 0;
        break;
      }
      case "bandwagon": {
        // plan resets monthly on the instance's own day (creation day), counter = max-ish total
        const day = new Date(inst.createdAt * 1000).getUTCDate();
        const d = new Date(t * 1000);
        let reset = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), Math.min(day, 28)) / 1000;
        if (reset <= t) reset = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, Math.min(day, 28)) / 1000;
        const start = Date.UTC(new Date(reset * 1000).getUTCFullYear(), new Date(reset * 1000).getUTCMonth() - 1, Math.min(day, 28)) / 1000;
        inst.trafficUsedBytes = Math.min(
          providerBytes(inst, "in", start, t) + providerBytes(inst, "out", start, t),
          planTransferBytes("bandwagon", inst.plan),
        );
        inst.trafficTotalBytes = planTransferBytes("bandwagon", inst.plan);
        inst.traffic_reset_at = reset;
        inst.expires_at = 0;
        break;
      }
      case "alibaba_swas":
      case "aliyun_swas": {
        const from = monthStartUtc(t);
        inst.trafficUsedBytes = providerBytes(inst, "out", from, t);
        inst.trafficTotalBytes = planTransferBytes(inst.provider, inst.plan);
        inst.traffic_reset_at = 0;
        if (!inst.expires_at || inst.expires_at < t) inst.expires_at = t + 20 * 86_400;
        break;
      }
      case "tencent_lighthouse":
      case "qcloud_lighthouse": {
        const from = monthStartUtc(t);
        inst.trafficUsedBytes = providerBytes(inst, "out", from, t);
        inst.trafficTotalBytes = planTransferBytes(inst.provider, inst.plan);
        inst.traffic_reset_at = nextMonthStartUtc(t);
        if (!inst.expires_at || inst.expires_at < t) inst.expires_at = t + 12 * 86_400;
        break;
      }
      case "ssh_standalone": {
        // vnstat RX + TX of the calendar month on the host NIC (the linked node's), else the node's own reports
        const linked = hooks.providerTraffic?.(inst.ip_address, monthStartUtc(t), t);
        const u = state.usages[inst.ip_address];
        inst.trafficUsedBytes = linked ? Math.round(linked.inBytes + linked.outBytes) : (u?.usedBytes ?? 0);
        inst.trafficTotalBytes = state.standaloneTotals[inst.ip_address] ?? 2 * TiB;
        inst.traffic_reset_at = monthStartUtc(t);
        inst.expires_at = 0;
        break;
      }
    }
    inst.last_synced_at = t;
    inst.sync_error = "";
  }

  /** The cloud sync job: ssh_standalone synthesis + refresh of every configured account. */
  function syncCloud(account?: string) {
    const t = now();
    if (!account) {
      const withRow = new Set(state.instances.filter((i) => !i.deletedAt && i.provider !== "ssh_standalone").map((i) => i.ip_address));
      const liveIps = new Set(state.nodes.map((n) => n.ipv4));
      for (const n of state.nodes) {
        if (withRow.has(n.ipv4)) continue;
        let row = state.instances.find((i) => i.provider === "ssh_standalone" && i.instance_id === n.ipv4);
        if (!row) {
          row = blankInstance("ssh_standalone", "ssh_standalone", n.ipv4, n.name, n.ipv4, n.region, "", "");
          state.instances.push(row);
        }
        row.deletedAt = 0;
        row.name = n.name;
        row.region = n.region;
      }
      for (const i of state.instances) {
        if (i.provider === "ssh_standalone" && !i.deletedAt && (!liveIps.has(i.ip_address) || withRow.has(i.ip_address))) i.deletedAt = t;
      }
    }
    for (const i of state.instances) {
      if (i.deletedAt) continue;
      if (account && i.account_name !== account) continue;
      refreshTraffic(i);
    }
    touch();
  }

  function blankInstance(provider: SimProvider, account: string, instanceId: string, name: string, ip: string, region: string, plan: string, image: string): SimInstance {
    const t = now();
    return {
      id: nextId("instance"),
      provider,
      account_name: account,
      instance_id: instanceId,
      name,
      ip_address: ip,
      ipv6_address: "",
      region,
      plan,
      image_id: image,
      createdAt: t,
      trafficUsedBytes: 0,
      trafficTotalBytes: 0,
      traffic_reset_at: 0,
      expires_at: 0,
      last_synced_at: 0,
      sync_error: "",
      deletedAt: 0,
      state: "running",
    };
  }

  let ipCounter = 0;
  function allocateIp(): string {
    for (;;) {
      ipCounter++;
      const ip = `198.51.100.${(ipCounter % 250) + 2}`;
      if (!state.instances.some((i) => !i.deletedAt && i.ip_address === ip) && !nodeByIp(ip)) return ip;
      if (ipCounter > 10_000) throw new Error("IP pool exhausted");
    }
  }

  function instanceDto(i: SimInstance) {
    const t = now();
    const total = i.trafficTotalBytes;
    const ratio = total > 0 ? Math.min(1, Math.max(0, i.trafficUsedBytes / total)) : 0;
    const end = i.traffic_reset_at || i.expires_at;
    const window = 30 * 86_400;
    const timeRatio = end ? Math.min(1, Math.max(0, (t - (end - window)) / window)) : 0;
    const node = nodeByIp(i.ip_address);
    const dto: Record<string, unknown> = {
      id: i.id,
      provider: i.provider,
      account_name: i.account_name,
      instance_id: i.instance_id,
      name: i.name,
      ip_address: i.ip_address,
    };
    if (i.ipv6_address) dto.ipv6_address = i.ipv6_address;
    Object.assign(dto, {
      region: i.region,
      traffic_used_gb: i.trafficUsedBytes / GiB,
      traffic_total_gb: total / GiB,
      traffic_ratio: ratio,
      traffic_reset_at: i.traffic_reset_at,
      expires_at: i.expires_at,
      time_ratio: timeRatio,
      last_synced_at: i.last_synced_at,
    });
    if (i.sync_error) dto.sync_error = i.sync_error;
    if (node) dto.node_name = node.name;
    return dto;
  }

  function enqueue(kind: SimTask["kind"], body: Record<string, unknown>, instanceId?: number): string {
    const task: SimTask = { task_id: randomUUID(), kind, enqueuedAt: now(), runAt: next0200Shanghai(now()), body, instanceId };
    state.tasks.push(task);
    touch();
    if (deferredMode === "immediate") setImmediate(() => void runTask(task.task_id));
    return task.task_id;
  }

  const running = new Set<string>();
  async function runTask(taskId: string): Promise<SimTaskResult | null> {
    const task = state.tasks.find((x) => x.task_id === taskId);
    if (!task || running.has(taskId)) return null;
    running.add(taskId);
    let res: SimTaskResult;
    try {
      res = await executeTask(task);
    } catch (e) {
      res = { task_id: task.task_id, kind: task.kind, at: now(), ok: false, error: e instanceof Error ? e.message : String(e) };
    } finally {
      running.delete(taskId);
    }
    state.tasks = state.tasks.filter((x) => x.task_id !== taskId);
    state.taskLog.push(res);
    if (!res.ok) state.slack.push(`cloud task ${task.kind} failed: ${res.error}`);
    log(`cloud task ${task.kind} ${res.ok ? "done" : "failed"}${res.error ? `: ${res.error}` : ""}`);
    touch();
    return res;
  }

  async function executeTask(task: SimTask): Promise<SimTaskResult> {
    const base = { task_id: task.task_id, kind: task.kind, at: now() };
    if (task.kind === "create") {
      const b = task.body as { account_name: string; region: string; plan: string; image_id: string; name: string };
      const acct = accountByName(b.account_name);
      if (!acct) return { ...base, ok: false, error: "account not found" };
      const req: CreateInstanceRequest = { taskId: task.task_id, accountName: acct.name, provider: acct.provider, region: b.region, plan: b.plan, imageId: b.image_id, name: b.name };
      const got = hooks.onCreateInstance ? await hooks.onCreateInstance(req) : { ipv4: allocateIp() };
      const region = acct.provider === "aws_lightsail" ? lightsailRegionOf(b.region) : b.region;
      const instanceId = acct.provider === "aws_lightsail" ? b.name : `${acct.provider === "bandwagon" ? "veid-" : "ins-"}${randomBytes(5).toString("hex")}`;
      const inst = blankInstance(acct.provider, acct.name, instanceId, b.name, got.ipv4, region, b.plan, b.image_id);
      if ("ipv6" in got && got.ipv6) inst.ipv6_address = got.ipv6;
      state.instances.push(inst);
      refreshTraffic(inst);
      return { ...base, at: now(), ok: true, ipv4: got.ipv4, instanceId: inst.id };
    }
    const inst = state.instances.find((i) => i.id === task.instanceId);
    if (!inst || inst.deletedAt) return { ...base, ok: false, error: "instance not found" };
    const ref = { provider: inst.provider, instanceId: inst.instance_id, name: inst.name };
    if (task.kind === "delete") {
      if (hooks.onDeleteInstance) await hooks.onDeleteInstance(inst.ip_address, ref);
      inst.deletedAt = now();
      inst.state = "stopped";
      return { ...base, at: now(), ok: true, instanceId: inst.id, ipv4: inst.ip_address };
    }
    // change_ip
    const targetRegion = typeof task.body.target_region === "string" ? task.body.target_region : undefined;
    if (inst.provider === "bandwagon" && !targetRegion) return { ...base, ok: false, error: "bandwagon change-ip requires target_region" };
    if (inst.provider !== "aws_lightsail" && inst.provider !== "bandwagon") return { ...base, ok: false, error: `change ip not supported by ${inst.provider}` };
    const old = inst.ip_address;
    const got = hooks.onChangeIp ? await hooks.onChangeIp(old, { ...ref, targetRegion }) : { ipv4: allocateIp() };
    inst.ip_address = got.ipv4;
    if (inst.provider === "bandwagon" && targetRegion) inst.region = targetRegion;
    return { ...base, at: now(), ok: true, instanceId: inst.id, ipv4: got.ipv4 };
  }

  /** Runs every pending deferred cloud task now (what 02:00 Asia/Shanghai does in production). */
  async function runDeferredTasks(filter?: (t: SimTask) => boolean): Promise<SimTaskResult[]> {
    const due = state.tasks.filter((t) => !filter || filter(t)).map((t) => t.task_id);
    const out: SimTaskResult[] = [];
    for (const id of due) {
      const r = await runTask(id);
      if (r) out.push(r);
    }
    return out;
  }

  // ---- list helpers ----

  function pageOf(q: URLSearchParams, defaultSize = 10, absentSize?: number) {
    let page = parseIntStrict(q.get("page") ?? undefined) ?? 1;
    if (page < 1) page = 1;
    let pageSize: number;
    if (!q.has("pageSize") && absentSize) pageSize = absentSize;
    else {
      pageSize = parseIntStrict(q.get("pageSize") ?? undefined) ?? 0;
      if (pageSize <= 0) pageSize = defaultSize;
      if (pageSize > 100) pageSize = 100;
    }
    return { page, pageSize };
  }
  function paged<T>(items: T[], q: URLSearchParams, absentSize?: number) {
    const { page, pageSize } = pageOf(q, 10, absentSize);
    return { items: items.slice((page - 1) * pageSize, page * pageSize), pagination: { page, pageSize, total: items.length } };
  }
  const totalOnly = <T>(items: T[]) => ({ items, pagination: { page: 0, pageSize: 0, total: items.length } });

  function rfc3339(s: string | null): number | null {
    if (!s) return null;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return null;
    const t = Date.parse(s);
    return Number.isNaN(t) ? null : Math.floor(t / 1000);
  }

  // ---- DTOs ----

  function adminNodeItem(n: SimNode) {
    const item: Record<string, unknown> = { id: n.id, name: n.name, country: n.country, region: n.region, ipv4: n.ipv4, ipv6: n.ipv6 };
    if (n.ipType) item.ipType = n.ipType;
    item.class = n.class;
    if (n.privateOwnerUserId) item.privateOwnerUserId = n.privateOwnerUserId;
    item.updatedAt = n.updatedAt;
    item.tunnels = liveTunnelsOf(n.ipv4).map((t) => {
      const o: Record<string, unknown> = { id: t.id, name: t.name, domain: t.domain, protocol: displayProtocol(t.protocol), port: t.port };
      if (t.serverUrl) o.serverUrl = t.serverUrl;
      return o;
    });
    return item;
  }
  function dataSlaveNode(n: { id?: number; name: string; country: string; region: string; ipv4: string; ipv6: string; ipType?: string }, load = 0, updatedAt = 0) {
    const o: Record<string, unknown> = { id: n.id ?? 0, name: n.name, country: n.country, region: n.region, ipv4: n.ipv4, ipv6: n.ipv6 };
    if (n.ipType) o.ipType = n.ipType;
    Object.assign(o, { load, updatedAt, trafficUsagePercent: 0, bandwidthUsagePercent: 0 });
    return o;
  }
  /** GetNodeLoads: CalculateNodeLoad of the node's latest status row, 100 without one (or without a node) */
  function tunnelLoad(ip: string): number {
    const n = nodeByIp(ip);
    return calculateNodeLoad(n ? latestLoadRow(state.loadRows, n.id) : undefined);
  }
  function tunnelDto(t: SimTunnel, raw = false) {
    const n = nodeByIp(t.nodeIpv4);
    const o: Record<string, unknown> = {
      id: t.id,
      domain: t.domain,
      name: t.name,
      protocol: raw ? t.protocol : displayProtocol(t.protocol),
      port: t.port,
      hopPortStart: 0,
      hopPortEnd: 0,
    };
    if (n?.ipType && !raw) o.ipType = n.ipType;
    const nodePart = n
      ? { name: n.name, country: n.country, region: n.region, ipv4: n.ipv4, ipv6: n.ipv6 }
      : { name: "", country: "", region: "", ipv4: t.nodeIpv4, ipv6: "" };
    o.node = dataSlaveNode({ id: 0, ...nodePart }, raw ? 0 : tunnelLoad(t.nodeIpv4), 0);
    o.recommendScore = 0;
    if (t.serverUrl) o.serverUrl = t.serverUrl;
    return o;
  }
  function opDto(op: SimOp) {
    const o: Record<string, unknown> = {
      id: op.id,
      createdAt: op.createdAt,
      updatedAt: op.updatedAt,
      action: op.action,
      subId: op.subId,
      cloudInstanceId: op.cloudInstanceId,
      status: op.status,
      holder: op.holder,
      leasedAt: op.leasedAt,
      leaseDeadline: op.leaseDeadline,
      params: op.params,
      result: op.result,
    };
    if (op.lastError) o.lastError = op.lastError;
    o.createdBy = op.createdBy;
    o.completedAt = op.completedAt;
    return o;
  }
  function deviceLogDto(d: SimDeviceLog) {
    const o: Record<string, unknown> = { id: d.id, udid: d.udid };
    if (d.userId) o.userId = d.userId;
    if (d.feedbackId) o.feedbackId = d.feedbackId;
    Object.assign(o, { s3Key: d.s3Key, logType: d.logType, reason: d.reason });
    if (d.meta) o.meta = d.meta;
    o.createdAt = d.createdAt;
    return o;
  }
  function ticketDto(t: SimTicket) {
    const o: Record<string, unknown> = { id: t.id, feedbackId: t.feedbackId, udid: t.udid };
    if (t.userId) o.userId = t.userId;
    Object.assign(o, { email: t.email, content: t.content, status: t.status });
    if (t.resolvedBy) o.resolvedBy = t.resolvedBy;
    if (t.resolvedAt) o.resolvedAt = t.resolvedAt;
    if (t.lastReplyAt) o.lastReplyAt = t.lastReplyAt;
    if (t.lastReplyBy) o.lastReplyBy = t.lastReplyBy;
    if (t.meta) o.meta = t.meta;
    o.createdAt = t.createdAt;
    o.logCount = t.feedbackId ? state.deviceLogs.filter((d) => d.feedbackId === t.feedbackId).length : 0;
    o.autoGenerated = t.autoGenerated;
    return o;
  }
  const replyDto = (r: SimReply) => ({ id: r.id, senderType: r.senderType, senderName: r.senderName, content: r.content, createdAt: r.createdAt });

  // ---- routes ----

  const routes: { method: string; parts: string[]; auth: RouteAuth; mask?: number; h: Handler }[] = [];
  const route = (method: string, p: string, auth: RouteAuth, mask: number | undefined, h: Handler) =>
    routes.push({ method, parts: p.split("/").filter(Boolean), auth, mask, h });

  route("GET", "/healthy", "none", undefined, () => new Reply(200, JSON.stringify({ status: "ok" })));
  route("GET", "/version", "none", undefined, () => new Reply(200, JSON.stringify({ version: "sim-1.0.0", commit: "f1847ab7", simulator: true })));

  // §1.3
  route("GET", "/app/my-permissions", "app", undefined, (c) => ok({ is_admin: c.user!.isAdmin, roles: c.user!.roles, groups: groupsFor(c.user!.isAdmin, c.user!.roles) }));
  route("POST", "/app/users/:uuid/access-key", "admin", undefined, (c) => {
    const u = state.users.find((x) => x.uuid === c.params.uuid);
    if (!u) return fail(404, "user not found");
    const key = "ktu_" + hex32();
    const action = u.accessKeyHash ? "access_key_reset" : "access_key_generate";
    u.accessKeyHash = sha256(key);
    audit(c.user, action, "user", u.uuid);
    touch();
    return ok({ accessKey: key });
  });
  route("DELETE", "/app/users/:uuid/access-key", "admin", undefined, (c) => {
    const u = state.users.find((x) => x.uuid === c.params.uuid);
    if (!u) return fail(404, "user not found");
    if (!u.accessKeyHash) return fail(400, "user has no access key");
    u.accessKeyHash = "";
    audit(c.user, "access_key_revoke", "user", u.uuid);
    touch();
    return ok({});
  });

  // §2 nodes
  route("GET", "/app/nodes", "app", ROLE_V, (c) => {
    const items = [...state.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id)).map(adminNodeItem);
    return ok(paged(items, c.query, 500));
  });
  route("PUT", "/app/nodes/:ipv4", "app", ROLE_E, (c) => {
    const b = bindJson(c);
    const name = optStr(b, "name"), country = optStr(b, "country"), ipv6 = optStr(b, "ipv6"), ipType = optStr(b, "ipType");
    const vk = optBool(b, "visibleKaitu"), vo = optBool(b, "visibleOverleap");
    const n = nodeByIp(c.params.ipv4);
    if (!n) return fail(404, "node not found");
    if (name !== undefined) n.name = name;
    if (country !== undefined) n.country = country;
    if (ipv6 !== undefined) n.ipv6 = ipv6;
    if (ipType !== undefined) n.ipType = normIpType(ipType);
    if (vk !== undefined) n.visibleKaitu = vk;
    if (vo !== undefined) n.visibleOverleap = vo;
    n.updatedAt = now();
    audit(c.user, "node_update", "node", n.ipv4, b);
    touch();
    return ok(dataSlaveNode(n, 0, n.updatedAt));
  });
  route("DELETE", "/app/nodes/:ipv4", "app", ROLE_E, (c) => {
    const n = nodeByIp(c.params.ipv4);
    if (!n) return fail(404, "node not found");
    hardDeleteNode(n.ipv4);
    audit(c.user, "node_delete", "node", n.ipv4);
    touch();
    return ok({});
  });

  // §3 tunnels
  route("GET", "/app/tunnels", "app", ROLE_V, (c) => {
    let proto = (c.query.get("protocol") ?? "").replace(/[+\s]/g, "");
    if (proto === "k2s") proto = "k2v5";
    const nameOf = (t: SimTunnel) => nodeByIp(t.nodeIpv4)?.name ?? "";
    const items = state.tunnels
      .filter((t) => !t.deleted && (!proto || t.protocol === proto))
      .sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : a.id - b.id))
      .map((t) => tunnelDto(t));
    return ok(paged(items, c.query));
  });
  route("PUT", "/app/tunnels/:id", "app", ROLE_E, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid tunnel id");
    const b = bindJson(c);
    const protocol = optStr(b, "protocol"), port = optNum(b, "port"), url = optStr(b, "url");
    const t = state.tunnels.find((x) => x.id === id && !x.deleted);
    if (!t) return fail(404, "tunnel not found");
    if (protocol !== undefined) t.protocol = protocol;
    if (port !== undefined) t.port = port;
    if (url !== undefined) t.serverUrl = url;
    audit(c.user, "tunnel_update", "tunnel", String(id), b);
    touch();
    return ok(tunnelDto(t, true));
  });
  route("DELETE", "/app/tunnels/:id", "app", ROLE_E, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid tunnel id");
    state.tunnels = state.tunnels.filter((x) => x.id !== id);
    audit(c.user, "tunnel_delete", "tunnel", String(id));
    touch();
    return ok({});
  });

  // §5 node operations
  route("GET", "/app/node-operations", "app", ROLE_V, (c) => {
    const status = c.query.get("status") || "";
    const action = c.query.get("action") || "";
    const items = state.ops
      .filter((o) => (!status || o.status === status) && (!action || o.action === action))
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
      .map(opDto);
    return ok(paged(items, c.query));
  });
  route("POST", "/app/node-operations", "app", ROLE_E, (c) => {
    const b = bindJson(c);
    const subId = reqNum(b, "subId");
    const action = reqStr(b, "action");
    if (!["change_ip", "stop", "destroy"].includes(action)) {
      throw new BindError("Key: 'Request.Action' Error:Field validation for 'Action' failed on the 'oneof' tag");
    }
    const params = b.params;
    if (params !== undefined && params !== null && (typeof params !== "object" || Array.isArray(params))) throw typeErr("params", "map[string]interface {}", params);
    const sub = state.subs.find((s) => s.id === subId);
    if (!sub) return fail(404, "subscription not found");
    if (sub.cloudInstanceId === null) return fail(400, "subscription has no cloud instance to operate on");
    if (state.ops.some((o) => o.subId === subId && o.action === action && ["queued", "claimed", "in_progress"].includes(o.status))) {
      return fail(409, "an open operation of this action already exists for the subscription");
    }
    const op = newOp(action as SimOp["action"], sub, `admin:${c.user!.email || c.user!.uuid}`, params ?? {});
    touch();
    return ok(opDto(op));
  });
  route("POST", "/app/node-operations/:id/claim", "app", ROLE_E, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid operation id");
    const b = bindJson(c);
    const holder = optStr(b, "holder") || `admin:${c.user!.email || c.user!.uuid}`;
    let lease = optNum(b, "leaseSeconds") ?? 0;
    if (lease <= 0) lease = 600;
    const op = state.ops.find((o) => o.id === id);
    if (!op || op.status !== "queued") return fail(409, "operation not claimable (already claimed or not found)");
    const t = now();
    op.status = "claimed";
    op.holder = holder;
    op.leasedAt = t;
    op.leaseDeadline = t + Math.floor(lease);
    op.updatedAt = t;
    touch();
    const data: Record<string, unknown> = { operation: opDto(op) };
    if (op.action === "provision") {
      const sub = state.subs.find((s) => s.id === op.subId);
      if (!sub) return fail(500, "failed to load subscription");
      data.identity = { claimToken: sub.provisionClaimToken, centerUrl: opts.centerUrlForNodes ?? selfUrl, domain: "" };
    }
    return ok(data);
  });
  route("POST", "/app/node-operations/:id/update", "app", ROLE_E, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid operation id");
    const b = bindJson(c);
    const status = reqStr(b, "status");
    if (!["in_progress", "done", "failed", "canceled"].includes(status)) {
      throw new BindError("Key: 'Request.Status' Error:Field validation for 'Status' failed on the 'oneof' tag");
    }
    const result = b.result;
    if (result !== undefined && result !== null && (typeof result !== "object" || Array.isArray(result))) throw typeErr("result", "map[string]interface {}", result);
    const error = optStr(b, "error") ?? "";
    const op = state.ops.find((o) => o.id === id);
    if (!op) return fail(404, "operation not found");
    if (op.action === "provision" && status === "done") return fail(400, "provision completion is set by node self-registration, not by update");
    const t = now();
    op.status = status as SimOp["status"];
    op.lastError = error;
    if (result !== undefined && result !== null) op.result = JSON.stringify(result);
    if (status === "done" || status === "failed" || status === "canceled") op.completedAt = t;
    op.updatedAt = t;
    touch();
    return ok({});
  });

  // §6 cloud
  route("GET", "/app/cloud/accounts", "app", ROLE_V, () => ok(totalOnly(accountsAll().map((a) => ({ name: a.name, provider: a.provider, region: a.region })))));
  route("GET", "/app/cloud/regions", "app", ROLE_V, (c) => {
    const account = c.query.get("account") || "";
    const provider = c.query.get("provider") || "";
    if (account) {
      const a = accountByName(account);
      if (!a) return fail(404, "account not found");
      const list = staticRegions(a.provider).filter((r) => !a.region || r.providerId === a.region);
      return ok(totalOnly(list));
    }
    if (!provider) return ok(totalOnly(staticRegions()));
    return ok(totalOnly(staticRegions(provider)));
  });
  const planOrImage = (kind: "plans" | "images") => (c: Ctx) => {
    const account = c.query.get("account") || "";
    if (!account) return fail(422, "account is required");
    const a = accountByName(account);
    if (!a) return fail(404, "account not found");
    if (a.provider === "bandwagon") return fail(405, `${kind} listing not supported by provider bandwagon`);
    if (kind === "plans") return ok(totalOnly((PLANS[a.provider] ?? []).map(({ transferGb: _t, ...p }) => p)));
    return ok(totalOnly(IMAGES[a.provider] ?? []));
  };
  route("GET", "/app/cloud/plans", "app", ROLE_V, planOrImage("plans"));
  route("GET", "/app/cloud/images", "app", ROLE_V, planOrImage("images"));
  route("GET", "/app/cloud/instances", "app", ROLE_V, (c) => {
    const provider = c.query.get("provider") || "";
    const account = c.query.get("account") || "";
    const items = state.instances
      .filter((i) => !i.deletedAt && (!provider || i.provider === provider) && (!account || i.account_name === account))
      .sort((a, b) => b.id - a.id)
      .map(instanceDto);
    return ok(paged(items, c.query));
  });
  route("GET", "/app/cloud/instances/:id", "app", ROLE_V, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid instance id");
    const i = state.instances.find((x) => x.id === id && !x.deletedAt);
    if (!i) return fail(404, "instance not found");
    return ok(instanceDto(i));
  });
  route("POST", "/app/cloud/instances/sync", "app", ROLE_E, (c) => {
    audit(c.user, "cloud_sync_instances", "cloud", "all");
    setImmediate(() => syncCloud());
    return ok({ task_id: randomUUID() });
  });
  route("POST", "/app/cloud/instances", "app", ROLE_E, (c) => {
    const b = bindJson(c);
    const body = { account_name: reqStr(b, "account_name"), region: reqStr(b, "region"), plan: reqStr(b, "plan"), image_id: reqStr(b, "image_id"), name: reqStr(b, "name") };
    if (body.account_name === "ssh_standalone") return fail(405, "provider ssh_standalone does not support instance creation");
    const a = accountByName(body.account_name);
    if (!a) return fail(404, "account not found");
    if (a.provider === "ssh_standalone") return fail(405, "provider ssh_standalone does not support instance creation");
    audit(c.user, "cloud_create_instance", "cloud_instance", `${body.account_name}/${body.name}`, body);
    return ok({ task_id: enqueue("create", body) });
  });
  route("DELETE", "/app/cloud/instances/:id", "app", ROLE_E, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid instance id");
    const i = state.instances.find((x) => x.id === id && !x.deletedAt);
    if (!i) return fail(404, "instance not found");
    if (i.provider === "ssh_standalone") return fail(405, "provider ssh_standalone does not support instance deletion");
    audit(c.user, "cloud_delete_instance", "cloud_instance", String(id));
    return ok({ task_id: enqueue("delete", {}, id) });
  });
  route("POST", "/app/cloud/instances/:id/change-ip", "app", ROLE_E, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid instance id");
    let body: Record<string, unknown> = {};
    if (c.body.trim() !== "") body = bindJson(c);
    const target = optStr(body, "target_region");
    const i = state.instances.find((x) => x.id === id && !x.deletedAt);
    if (!i) return fail(404, "instance not found");
    audit(c.user, "cloud_change_ip", "cloud_instance", String(id), body);
    return ok({ task_id: enqueue("change_ip", target ? { target_region: target } : {}, id) });
  });
  route("PUT", "/app/cloud/instances/:id/traffic-config", "app", ROLE_E, async (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid instance id");
    const b = bindJson(c);
    const gb = optNum(b, "traffic_total_gb");
    if (!gb) throw required("traffic_total_gb");
    if (gb < 0) throw new BindError("Key: 'Request.TrafficTotalGb' Error:Field validation for 'TrafficTotalGb' failed on the 'min' tag");
    const i = state.instances.find((x) => x.id === id && !x.deletedAt);
    if (!i) return fail(404, "instance not found");
    if (i.provider !== "ssh_standalone") return fail(405, "traffic config is only supported for ssh_standalone instances");
    const bytes = Math.round(gb * GiB);
    if (hooks.onTrafficConfig) {
      try {
        await hooks.onTrafficConfig(i.ip_address, bytes);
      } catch (e) {
        return fail(500, `failed to write traffic config: ${e instanceof Error ? e.message : "ssh error"}`);
      }
    }
    state.standaloneTotals[i.ip_address] = bytes;
    i.trafficTotalBytes = bytes;
    audit(c.user, "cloud_update_traffic_config", "cloud_instance", String(id), b);
    touch();
    return ok({ traffic_total_gb: gb, message: "traffic config updated" });
  });

  // §9 device logs and tickets
  route("GET", "/app/device-logs", "app", ROLE_A, (c) => {
    const q = c.query;
    const udid = q.get("udid") || "", fid = q.get("feedback_id") || "", reason = q.get("reason") || "";
    const uid = parseIntStrict(q.get("user_id") ?? undefined);
    const from = rfc3339(q.get("from")), to = rfc3339(q.get("to"));
    const items = state.deviceLogs
      .filter((d) => (!udid || d.udid === udid) && (!fid || d.feedbackId === fid) && (!reason || d.reason === reason) && (uid === null || d.userId === uid))
      .filter((d) => (from === null || d.createdAt >= from) && (to === null || d.createdAt <= to))
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
      .map(deviceLogDto);
    return ok(paged(items, q));
  });
  route("GET", "/app/feedback-tickets", "app", ROLE_A, (c) => {
    const q = c.query;
    const udid = q.get("udid") || "", email = q.get("email") || "", status = q.get("status") || "", lrb = q.get("lastReplyBy") || "";
    const ag = q.get("auto_generated");
    const uid = parseIntStrict(q.get("user_id") ?? undefined);
    const from = rfc3339(q.get("from")), to = rfc3339(q.get("to"));
    const items = state.tickets
      .filter((t) => (!udid || t.udid === udid) && (!email || t.email.includes(email)) && (!status || t.status === status) && (!lrb || t.lastReplyBy === lrb))
      .filter((t) => (uid === null || t.userId === uid) && (ag !== "true" || t.autoGenerated) && (ag !== "false" || !t.autoGenerated))
      .filter((t) => (from === null || t.createdAt >= from) && (to === null || t.createdAt <= to))
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
      .map(ticketDto);
    return ok(paged(items, q));
  });
  route("GET", "/app/feedback-tickets/:id/replies", "app", ROLE_A, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid ticket id");
    const items = state.replies.filter((r) => r.ticketId === id).sort((a, b) => a.createdAt - b.createdAt || a.id - b.id).map(replyDto);
    return ok({ items, pagination: null });
  });
  route("PUT", "/app/feedback-tickets/:id/resolve", "app", ROLE_S, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid ticket id");
    const b = bindJson(c);
    const by = reqStr(b, "resolvedBy");
    const t = state.tickets.find((x) => x.id === id);
    if (!t) return fail(404, "ticket not found");
    t.status = "resolved";
    t.resolvedBy = by;
    t.resolvedAt = now();
    audit(c.user, "ticket_resolve", "ticket", String(id), b);
    touch();
    return ok({});
  });
  route("PUT", "/app/feedback-tickets/:id/close", "app", ROLE_S, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid ticket id");
    const t = state.tickets.find((x) => x.id === id);
    if (!t || t.status === "closed") return fail(404, "ticket not found");
    t.status = "closed";
    audit(c.user, "ticket_close", "ticket", String(id));
    touch();
    return ok({});
  });
  route("POST", "/app/feedback-tickets/:id/reply", "app", ROLE_S, (c) => {
    const id = parseIntStrict(c.params.id);
    if (id === null) return fail(422, "invalid ticket id");
    const b = bindJson(c);
    const content = reqStr(b, "content");
    if ([...content].length > 2000) throw new BindError("Key: 'Request.Content' Error:Field validation for 'Content' failed on the 'max' tag");
    const senderName = optStr(b, "senderName") || "客服";
    const t = state.tickets.find((x) => x.id === id);
    if (!t) return fail(404, "ticket not found");
    const r: SimReply = { id: nextId("reply"), ticketId: id, senderType: "admin", senderName, content, createdAt: now() };
    state.replies.push(r);
    t.lastReplyAt = r.createdAt;
    t.lastReplyBy = "admin";
    t.unread++;
    audit(c.user, "ticket_reply", "ticket", String(id));
    touch();
    return ok(replyDto(r));
  });

  // End-user view (simulator-specific shape; only here so that the §7.4 hiding
  // rules are observable): device bearer token, shared nodes, over-quota or
  // offline nodes dropped.
  route("GET", "/api/tunnels", "none", undefined, (c) => {
    const m = /^Bearer\s+(.+)$/i.exec(String(c.headers.authorization ?? ""));
    const dev = m ? state.devices.find((d) => d.token === m[1].trim()) : undefined;
    if (!dev) return fail(401, "invalid device token");
    const t = now();
    const items = state.tunnels
      .filter((x) => !x.deleted && !x.isTest)
      .filter((x) => {
        const n = nodeByIp(x.nodeIpv4);
        if (!n || n.class !== "shared" || !n.visibleKaitu) return false;
        const f = usageFlags(state.usages[n.ipv4], t);
        return !f.overQuota && !f.offline;
      })
      .map((x) => {
        const n = nodeByIp(x.nodeIpv4)!;
        const o: Record<string, unknown> = { domain: x.domain, name: x.name, protocol: displayProtocol(x.protocol), port: x.port, node: { ipv4: n.ipv4, country: n.country, region: n.region } };
        if (x.serverUrl) o.serverUrl = x.serverUrl;
        return o;
      });
    return ok({ items, pagination: null });
  });

  // §8 slave API (slave.ts)
  slaveRoutes(route, {
    state,
    now,
    nextId,
    touch,
    log,
    nodeByIp,
    registerNode,
    hardDeleteNode,
    isServiceable,
    isPrivateLineInstance,
    realCerts,
    usageInterval,
    usageFault: () => usageFault,
  });

  // ---- dispatch ----

  function match(method: string, p: string) {
    const parts = p.split("/").filter(Boolean).map((x) => {
      try {
        return decodeURIComponent(x);
      } catch {
        return x;
      }
    });
    for (const r of routes) {
      if (r.method !== method || r.parts.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let okm = true;
      for (let i = 0; i < parts.length; i++) {
        if (r.parts[i].startsWith(":")) params[r.parts[i].slice(1)] = parts[i];
        else if (r.parts[i] !== parts[i]) {
          okm = false;
          break;
        }
      }
      if (okm) return { r, params };
    }
    return null;
  }

  function authApp(c: Ctx): Reply | SimUser {
    const key = c.headers["x-access-key"];
    const k = Array.isArray(key) ? key[0] : key;
    if (!k) return fail(401, "authentication failed");
    const h = sha256(k.trim());
    const u = state.users.find((x) => x.accessKeyHash && x.accessKeyHash === h);
    if (!u) return fail(401, "authentication failed");
    const brandHdr = String(c.headers["x-k2-brand"] ?? "").toLowerCase();
    const host = String(c.headers.host ?? "");
    const brand = /overleap\.io/.test(host) ? "overleap" : /kaitu\.io/.test(host) ? "kaitu" : brandHdr === "overleap" ? "overleap" : "kaitu";
    if (!u.isAdmin && u.brand !== brand) return fail(403003, "account belongs to a different brand");
    if (u.blocked) return fail(403, "account blocked");
    return u;
  }

  function authSlave(c: Ctx): Reply | SimNode {
    const a = String(c.headers.authorization ?? "");
    const m = /^Basic\s+(.+)$/i.exec(a);
    if (!m) return fail(500, "invalid authorization format");
    const dec = Buffer.from(m[1], "base64").toString("utf8");
    const i = dec.indexOf(":");
    if (i <= 0) return fail(500, "invalid authorization format");
    const ip = dec.slice(0, i);
    const secret = dec.slice(i + 1);
    const n = nodeByIp(ip);
    if (!n) return fail(500, "invalid node credentials");
    if (n.secretToken !== secret) return fail(500, "invalid secret token");
    return n;
  }

  async function handle(req: http.IncomingMessage, body: string): Promise<Reply> {
    const u = new URL(req.url ?? "/", "http://sim.local");
    const method = (req.method ?? "GET").toUpperCase();
    if (method === "OPTIONS") return new Reply(204, "", "text/plain");
    if (method === "GET" && u.pathname.startsWith("/s3/")) return serveLog(u.pathname.slice(4));
    const m = match(method, u.pathname);
    if (!m) return notFound();
    const c: Ctx = { method, path: u.pathname, query: u.searchParams, params: m.params, headers: req.headers, body };
    if (m.r.auth === "app" || m.r.auth === "admin") {
      if (appFault) return new Reply(appFault, "upstream unavailable", "text/plain");
      const a = authApp(c);
      if (a instanceof Reply) return a;
      c.user = a;
      if (m.r.auth === "admin" && !a.isAdmin) return fail(403, "admin required");
      if (m.r.mask && !a.isAdmin && (a.roles & m.r.mask) === 0) return fail(403, "permission denied");
    } else if (m.r.auth === "slave" || m.r.auth === "slave-path") {
      const n = authSlave(c);
      if (n instanceof Reply) return n;
      c.node = n;
      if (m.r.auth === "slave-path" && m.params.ipv4 !== n.ipv4) return fail(403, "ipv4 mismatch with authenticated node");
    }
    try {
      const reply = await m.r.h(c);
      const lost = lostAnswers.find((l) => l.left > 0 && l.path.test(`${method} ${u.pathname}`));
      if (lost) {
        lost.left--;
        return new Reply(lost.status, "upstream timed out", "text/plain");
      }
      return reply;
    } catch (e) {
      if (e instanceof BindError) return fail(422, e.message);
      log(`handler error ${method} ${u.pathname}: ${e instanceof Error ? e.message : String(e)}`);
      return new Reply(500, "");
    }
  }

  function serveLog(key: string): Reply {
    let k: string;
    try {
      k = decodeURIComponent(key);
    } catch {
      return new Reply(400, "bad key", "text/plain");
    }
    const spec = state.logObjects[k];
    if (!spec) return new Reply(404, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${k.replace(/[<&>]/g, "")}</Key></Error>`, "application/xml");
    return new Reply(200, buildLogObject(spec), k.endsWith(".tar.gz") ? "application/gzip" : "application/octet-stream");
  }

  // ---- seed ----

  if (!loaded) seedState();

  function seedState() {
    const t = now();
    for (const [i, su] of SEED_USERS.entries()) {
      state.users.push({
        id: 9000 + i,
        uuid: `sim-${su.role}-${createHash("sha256").update(seed + su.role).digest("hex").slice(0, 12)}`,
        email: su.email,
        isAdmin: su.isAdmin,
        roles: su.roles,
        blocked: !!su.blocked,
        brand: "kaitu",
        accessKeyHash: sha256(accessKeys[su.role]),
        role: su.role,
      });
    }
    state.accounts = (opts.accounts ?? DEFAULT_ACCOUNTS).map((a) => ({ ...a }));
    // end users and devices (for /slave/device-check-auth)
    state.endUsers.push(
      { id: 501, uuid: "u-501", email: "alice@example.com", expiredAt: t + 90 * 86_400, blocked: false },
      { id: 502, uuid: "u-502", email: "bob@example.com", expiredAt: t - 86_400, blocked: false },
      { id: 503, uuid: "u-503", email: "mallory@example.com", expiredAt: t + 90 * 86_400, blocked: true },
      { id: 504, uuid: "u-504", email: "router-owner@example.com", expiredAt: t + 30 * 86_400, blocked: false },
    );
    state.devices.push(
      { udid: "udid-alice-mac", token: "sim-device-token-alice", userId: 501, isRouter: false },
      { udid: "udid-bob-phone", token: "sim-device-token-bob", userId: 502, isRouter: false },
      { udid: "udid-mallory", token: "sim-device-token-mallory", userId: 503, isRouter: false },
      { udid: "udid-router-1", token: "sim-device-token-router", userId: 504, isRouter: true },
    );
    // cloud instances of the live fleet
    for (const f of fleet) {
      if (f.provider === "ssh_standalone" || !f.account) continue;
      const region = f.provider === "aws_lightsail" ? (accountByName(f.account)?.region || regionGuess(f.country)) : regionGuess(f.country);
      const instanceId = f.provider === "aws_lightsail" ? f.name : `${f.provider === "bandwagon" ? "veid-" : "ins-"}${createHash("sha256").update(f.ipv4).digest("hex").slice(0, 10)}`;
      const inst = blankInstance(f.provider, f.account, instanceId, f.name, f.ipv4, region, f.plan ?? "", "ubuntu_22_04");
      inst.createdAt = t - (40 + (Number(f.ipv4.split(".")[3]) % 50)) * 86_400;
      state.instances.push(inst);
      if (f.privateSubId) {
        state.subs.push({
          id: f.privateSubId,
          createdAt: inst.createdAt,
          updatedAt: inst.createdAt,
          userId: 504,
          planId: 7,
          orderId: nextId("order"),
          cloudInstanceId: inst.id,
          slaveNodeId: null,
          boundIpv4: f.ipv4,
          region: "ap-tokyo",
          ipType: f.ipType ?? "non_residential",
          trafficTotalBytes: 1000 * GiB,
          status: "active",
          purchasedAt: inst.createdAt,
          expiresAt: t + 25 * 86_400,
          provisionClaimToken: "",
          lastError: "",
        });
        state.seq.sub = Math.max(state.seq.sub ?? 0, f.privateSubId);
        const done = newOp("provision", state.subs[state.subs.length - 1], "system:order", { region: "ap-tokyo", trafficTotalBytes: 1000 * GiB, ipType: f.ipType ?? "non_residential" });
        Object.assign(done, { status: "done", holder: "agent:provisioner", leasedAt: inst.createdAt, leaseDeadline: inst.createdAt + 600, createdAt: inst.createdAt, updatedAt: inst.createdAt + 900, completedAt: inst.createdAt + 900, result: JSON.stringify({ ipv4: f.ipv4 }) });
      }
    }
    // decommissioned records
    for (const d of opts.decommissioned ?? DEFAULT_DECOMMISSIONED) {
      state.nodes.push({
        id: nextId("node"),
        ipv4: d.ipv4,
        secretToken: hex32(),
        country: d.country,
        region: d.region ?? d.country,
        name: d.ipv4,
        ipv6: "",
        meta: "{}",
        class: "shared",
        privateOwnerUserId: null,
        privateSubId: null,
        ipType: "unknown",
        brands: "kaitu",
        visibleKaitu: true,
        visibleOverleap: true,
        createdAt: t - 200 * 86_400,
        updatedAt: t - 120 * 86_400,
      });
    }
    if (opts.registerFleet) for (const f of fleet) registerFleetNode(f);
    // queued provision work items
    const pq = opts.provisionQueue ?? 3;
    const seeds: ProvisionSeed[] = Array.isArray(pq)
      ? pq
      : [
          { region: "ap-tokyo", trafficTotalBytes: 1000 * GiB, ipType: "non_residential" as const },
          { region: "ap-singapore", trafficTotalBytes: 500 * GiB, ipType: "non_residential" as const },
          { region: "us-virginia", trafficTotalBytes: 2000 * GiB, ipType: "residential" as const },
        ].slice(0, pq);
    for (const s of seeds) createProvisionRequest(s);
    for (const c of opts.changeIpQueue ?? []) {
      const sub = state.subs.find((x) => x.id === c.subId);
      if (sub?.cloudInstanceId) newOp("change_ip", sub, "admin:ops@kaitu.example", { reason: c.reason });
    }
    seedTickets(t);
    syncCloud();
  }

  function regionGuess(country: string): string {
    const map: Record<string, string> = { JP: "ap-northeast-1", SG: "ap-southeast-1", US: "us-east-1", AU: "ap-southeast-2", HK: "cn-hongkong", KR: "ap-seoul", DE: "eu-central-1" };
    return map[country] ?? "us-east-1";
  }

  function registerFleetNode(f: FleetNodeSpec, secret = fleetNodeSecret(f.ipv4, seed)) {
    const domain = f.domain ?? defaultDomain(f.ipv4);
    const legacy = f.arch && f.arch !== "k2v5";
    const r = registerNode(f.ipv4, {
      country: f.country,
      name: f.name,
      secretToken: secret,
      region: f.region,
      ipType: f.ipType,
      meta: { arch: f.arch ?? "k2v5" },
      privateClaim: f.privateSubId ? "spent-claim" : undefined,
      tunnels: [
        legacy
          ? { domain, port: 443, protocol: "k2v4" }
          : { domain, port: 443, protocol: "k2v5", serverUrl: `k2v5://${domain}:443?ech=AEX+0gBBfgAgACBsim&pin=sha256:${sha256(domain).slice(0, 43)}` },
      ],
    });
    return r;
  }

  function seedTickets(t: number) {
    const day = 86_400;
    const mk = (o: Partial<SimTicket> & { feedbackId: string; email: string; content: string; createdAt: number }) => {
      const tk: SimTicket = { id: nextId("ticket"), udid: "", userId: null, status: "open", resolvedBy: "", resolvedAt: 0, lastReplyAt: 0, lastReplyBy: "", meta: "", autoGenerated: false, unread: 0, ...o };
      state.tickets.push(tk);
      return tk;
    };
    const meta = (os: string, v: string, vpn: string) => JSON.stringify({ os, appVersion: v, commit: "f1847ab7", channel: "stable", vpnState: vpn, language: "zh-CN", source: "app", submitTime: new Date((t - day) * 1000).toISOString() });
    const addLogs = (udid: string, userId: number | null, feedbackId: string, createdAt: number, scenario: LogScenario, reason: string, server: string) => {
      const d = new Date(createdAt * 1000);
      const ymd = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${String(d.getUTCDate()).padStart(2, "0")}`;
      const hms = d.toISOString().slice(11, 19).replace(/:/g, "");
      const tag = feedbackId || randomBytes(4).toString("hex");
      const bundleKey = `desktop/0.4.6/${udid}/${ymd}/logs-${hms}-${tag}.tar.gz`;
      const serviceKey = `service/${udid}/${ymd}/k2-${hms}-${tag}.log.gz`;
      const m = JSON.stringify({ os: "macos 15.1", appVersion: "0.4.6", reason });
      state.logObjects[bundleKey] = { s3Key: bundleKey, kind: "desktop-bundle", scenario, startSec: createdAt - 1800, server };
      state.logObjects[serviceKey] = { s3Key: serviceKey, kind: "service-gz", scenario, startSec: createdAt - 1800, server };
      state.deviceLogs.push({ id: nextId("dlog"), udid, userId, feedbackId, s3Key: bundleKey, logType: "desktop", reason, meta: m, createdAt });
      state.deviceLogs.push({ id: nextId("dlog"), udid, userId, feedbackId, s3Key: serviceKey, logType: "service", reason, meta: m, createdAt });
      if (scenario === "panic") {
        const crashKey = `crash/${udid}/${ymd}/panic-${hms}-${tag}.log.gz`;
        state.logObjects[crashKey] = { s3Key: crashKey, kind: "crash-gz", scenario, startSec: createdAt - 60 };
        state.deviceLogs.push({ id: nextId("dlog"), udid, userId, feedbackId, s3Key: crashKey, logType: "crash", reason, meta: m, createdAt });
      }
    };
    const t1 = mk({ feedbackId: "fb-7f3a2c91", email: "alice@example.com", userId: 501, content: "连接上以后网页打不开，测速很慢。Connected but pages do not load.", createdAt: t - 2 * day, meta: meta("macos", "0.4.6", "connected") });
    addLogs("udid-alice-mac", 501, t1.feedbackId, t1.createdAt, "udp-blocked", "user_feedback_report", "jp-tokyo-01.sim");
    state.replies.push({ id: nextId("reply"), ticketId: t1.id, senderType: "user", senderName: "alice", content: "It started after I changed Wi-Fi.", createdAt: t1.createdAt + 600 });
    t1.lastReplyAt = t1.createdAt + 600;
    t1.lastReplyBy = "user";
    const t2 = mk({ feedbackId: "fb-19bd44e0", email: "bob@example.com", userId: 502, content: "App crashed when switching nodes.", createdAt: t - 5 * day, meta: meta("macos", "0.4.5", "disconnected") });
    addLogs("udid-bob-phone", 502, t2.feedbackId, t2.createdAt, "panic", "user_feedback_report", "sg-singapore-01.sim");
    state.replies.push({ id: nextId("reply"), ticketId: t2.id, senderType: "admin", senderName: "客服", content: "Thanks, we are looking into it.", createdAt: t2.createdAt + 3600 });
    Object.assign(t2, { status: "resolved", resolvedBy: "support@sim.kaitu.io", resolvedAt: t2.createdAt + 7200, lastReplyAt: t2.createdAt + 3600, lastReplyBy: "admin" });
    const t3 = mk({ feedbackId: "fb-c0ffee42", email: "carol@example.org", content: "DNS lookups fail sometimes in the morning.", createdAt: t - 1 * day, meta: meta("windows", "0.4.6", "connected") });
    addLogs("udid-carol-win", null, t3.feedbackId, t3.createdAt, "dns-trouble", "user_feedback_report", "hk.aliyun.wm01.sim");
    const t4 = mk({ feedbackId: "fb-5ca1ab1e", email: "erin@example.com", userId: null, content: "iPhone: connection drops every few minutes on 4G.", createdAt: t - 3 * day, meta: meta("ios", "0.4.6", "reconnecting") });
    {
      const d = new Date(t4.createdAt * 1000);
      const ymd = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${String(d.getUTCDate()).padStart(2, "0")}`;
      const key = `mobile/0.4.6/udid-erin-iphone/${ymd}/logs-${d.toISOString().slice(11, 19).replace(/:/g, "")}-${t4.feedbackId}.zip`;
      state.logObjects[key] = { s3Key: key, kind: "mobile-zip", scenario: "udp-blocked", startSec: t4.createdAt - 1800, server: "sg-singapore-01.sim" };
      state.deviceLogs.push({ id: nextId("dlog"), udid: "udid-erin-iphone", userId: null, feedbackId: t4.feedbackId, s3Key: key, logType: "service", reason: "user_feedback_report", meta: JSON.stringify({ os: "ios 18.1", appVersion: "0.4.6" }), createdAt: t4.createdAt });
    }
    mk({ feedbackId: "fb-0d15ea5e", email: "dave@example.net", content: "How do I change my plan?", createdAt: t - 9 * day, status: "closed", meta: meta("ios", "0.4.6", "disconnected") });
    // beta auto uploads without a ticket
    addLogs("udid-alice-mac", 501, "", t - 3 * 3600, "healthy", "beta-auto-upload", "jp-tokyo-02.sim");
  }

  // ---- server ----

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (d: Buffer) => {
      size += d.length;
      if (size <= 8 * 1024 * 1024) chunks.push(d);
    });
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      handle(req, body)
        .catch(() => new Reply(500, ""))
        .then((r) => {
          log(`${req.method} ${(req.url ?? "").split("?")[0]} -> ${r.status}`);
          res.writeHead(r.status, r.body.length || r.status !== 204 ? { "Content-Type": r.contentType } : {});
          res.end(r.body);
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  selfUrl = `http://${opts.host ?? "127.0.0.1"}:${port}`;

  const timers: NodeJS.Timeout[] = [];
  const sweepMs = opts.sweepIntervalMs ?? 600_000;
  if (sweepMs > 0) timers.push(setInterval(() => sweepProvisionTimeouts(), sweepMs));
  if (sweepMs > 0) {
    // daily lifecycle cron at 19:00 UTC (03:00 Beijing), by the simulated clock
    let lastLifecycle = now();
    timers.push(
      setInterval(() => {
        const t = now();
        const d = new Date(t * 1000);
        let slot = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 19) / 1000;
        if (slot > t) slot -= 86_400;
        if (lastLifecycle < slot) {
          lastLifecycle = t;
          runLifecycleSweep();
        }
      }, Math.min(sweepMs, 15_000)),
    );
  }
  const syncMs = opts.cloudSyncIntervalMs ?? 1_800_000;
  if (syncMs > 0) timers.push(setInterval(() => syncCloud(), syncMs));
  if (deferredMode === "scheduled") {
    timers.push(
      setInterval(() => {
        const t = now();
        void runDeferredTasks((x) => x.runAt <= t);
      }, 15_000),
    );
  }
  for (const tm of timers) tm.unref();

  let closed = false;
  const sim = {
    url: selfUrl,
    port,
    /** public log bucket base URL (GET <logBucketUrl>/<s3Key>) */
    logBucketUrl: `${selfUrl}/s3`,
    accessKeys,
    fleet,
    get state() {
      return state;
    },
    /** simulated clock, unix seconds */
    now,
    /** moves the simulated clock forward (timeouts, lease, usage offline windows) */
    advanceTime(seconds: number) {
      state.clockOffsetMs += seconds * 1000;
      touch();
    },
    runDeferredTasks,
    /** runs only the tasks whose 02:00 Asia/Shanghai has come (by the simulated clock); the scheduled mode does this every 15 s */
    runDueTasks: () => runDeferredTasks((x) => x.runAt <= now()),
    pendingTasks: () => [...state.tasks],
    sweepProvisionTimeouts,
    runLifecycleSweep,
    syncCloud,
    createProvisionRequest,
    /** registers a node exactly like PUT /slave/nodes/:ipv4 (TOFU applies) */
    registerNode: (ipv4: string, body: RegisterBody) => registerNode(ipv4, body),
    registerFleetNode,
    /** reboot through the hook (used by a linked Lightsail simulator) */
    async rebootInstance(ipv4: string) {
      if (hooks.onRebootInstance) await hooks.onRebootInstance(ipv4);
    },
    /**
     * Adds a cloud instance for a node (tests and demos whose nodes are not in `fleet`): the
     * provider, its account, plan and creation time; refreshed at once. Returns Center's id.
     */
    addCloudInstance(i: { provider: SimProvider; account: string; ipv4: string; name: string; plan: string; region?: string; createdAt?: number }): number {
      const region = i.region ?? (i.provider === "aws_lightsail" ? accountByName(i.account)?.region || "ap-northeast-1" : "");
      const instanceId = i.provider === "aws_lightsail" ? i.name : `${i.provider === "bandwagon" ? "veid-" : "ins-"}${createHash("sha256").update(i.ipv4).digest("hex").slice(0, 10)}`;
      const inst = blankInstance(i.provider, i.account, instanceId, i.name, i.ipv4, region, i.plan, "ubuntu_22_04");
      if (i.createdAt !== undefined) inst.createdAt = i.createdAt;
      state.instances.push(inst);
      refreshTraffic(inst);
      touch();
      return inst.id;
    },
    /**
     * A Lightsail instance created at the provider itself (the Lightsail simulator's
     * CreateInstances): a fresh machine comes up through `onCreateInstance` (the node
     * simulator: sshd on 22, nothing deployed) and the instance joins the provider's
     * inventory, under the aws_lightsail account that covers its region (the one Center's
     * sync lists it under). Returns its address; throws when the hook does.
     */
    async createLightsailInstance(req: { name: string; availabilityZone: string; bundleId: string; blueprintId: string }): Promise<{ ipv4: string; ipv6?: string; account: string }> {
      const region = lightsailRegionOf(req.availabilityZone);
      const acct = state.accounts.find((a) => a.provider === "aws_lightsail" && a.region === region) ?? state.accounts.find((a) => a.provider === "aws_lightsail" && !a.region);
      if (!acct) throw new Error(`no aws_lightsail account covers ${region}`);
      const got = hooks.onCreateInstance
        ? await hooks.onCreateInstance({ taskId: `lightsail:${req.name}`, accountName: acct.name, provider: "aws_lightsail", region: req.availabilityZone, plan: req.bundleId, imageId: req.blueprintId, name: req.name })
        : { ipv4: allocateIp() };
      const inst = blankInstance("aws_lightsail", acct.name, req.name, req.name, got.ipv4, region, req.bundleId, req.blueprintId);
      if (got.ipv6) inst.ipv6_address = got.ipv6;
      state.instances.push(inst);
      refreshTraffic(inst);
      touch();
      log(`lightsail created ${req.name} (${got.ipv4}) under ${acct.name}`);
      return { ...got, account: acct.name };
    },
    /**
     * A Lightsail instance stopped or deleted at the provider itself (the Lightsail simulator's
     * StopInstance / DeleteInstance): its machine goes away (`onStopInstance`, else
     * `onDeleteInstance`; the node simulator stops or removes it), and the instance is stopped, or
     * gone from the provider's inventory (Center's next sync drops it). False: no such instance.
     */
    async providerInstanceAction(name: string, action: "stop" | "delete"): Promise<boolean> {
      const inst = state.instances.find((i) => i.provider === "aws_lightsail" && i.instance_id === name && !i.deletedAt);
      if (!inst) return false;
      const ref = { provider: inst.provider, instanceId: inst.instance_id, name: inst.name };
      if (action === "stop") {
        if (hooks.onStopInstance) await hooks.onStopInstance(inst.ip_address, ref);
        inst.state = "stopped";
      } else {
        if (hooks.onDeleteInstance) await hooks.onDeleteInstance(inst.ip_address, ref);
        inst.deletedAt = now();
        inst.state = "stopped";
      }
      touch();
      log(`lightsail ${action} ${name} (${inst.ip_address})`);
      return true;
    },
    ...lightsailAddresses({ state: () => state, hooks, allocateIp, touch, log }),
    /** The provider's traffic of the instance at `ipv4` over [fromSec, toSec) (the Lightsail simulator's metric data); null: not linked. */
    providerTrafficOf(ipv4: string, fromSec: number, toSec: number): { inBytes: number; outBytes: number } | null {
      return hooks.providerTraffic?.(ipv4, fromSec, toSec) ?? null;
    },
    /** aws_lightsail instances as the provider sees them (feeds the Lightsail simulator) */
    lightsailInventory() {
      return state.instances
        .filter((i) => i.provider === "aws_lightsail" && !i.deletedAt)
        .map((i) => ({ name: i.name, ipv4: i.ip_address, ipv6: i.ipv6_address, region: i.region, bundleId: i.plan, blueprintId: i.image_id || "ubuntu_22_04", createdAt: i.createdAt, state: i.state }));
    },
    /** POST /slave/usage answers with this HTTP status until cleared (null) */
    setUsageFault(status: number | null) {
      usageFault = status;
    },
    /** the console's API (/app, /admin) answers with this HTTP status until cleared (null): a Center outage */
    setAppFault(status: number | null) {
      appFault = status;
    },
    /** the next `times` requests matching "METHOD /path" (regex) are handled, then answered with `status` instead: the write happened, its answer is lost */
    loseAnswers(path: RegExp, status = 504, times = 1) {
      lostAnswers.push({ path, status, left: times });
    },
    /** replaces hooks at run time (the node simulator may start after Center) */
    setHooks(h: CenterSimHooks) {
      Object.assign(hooks, h);
    },
    saveSnapshot() {
      dirty = true;
      saveSnapshot();
    },
    describe() {
      const lines = [`Center simulator on ${selfUrl} (deferred cloud tasks: ${deferredMode})`, "access keys (X-Access-Key):"];
      for (const u of SEED_USERS) lines.push(`  ${u.role.padEnd(9)} ${accessKeys[u.role]}  (${u.email}${u.isAdmin ? ", super-admin" : `, roles ${u.roles}`}${u.blocked ? ", blocked" : ""})`);
      lines.push(`fleet: ${fleet.length} live nodes (${opts.registerFleet ? "pre-registered" : "register themselves"}), ${state.nodes.length} node rows, ${state.ops.filter((o) => o.status === "queued").length} queued operations`);
      return lines.join("\n");
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const tm of timers) clearInterval(tm);
      if (saveTimer) clearTimeout(saveTimer);
      saveSnapshot();
      const done = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
      await done;
    },
  };
  return sim;
}

function emptyState(): CenterSimState {
  return {
    seq: {},
    clockOffsetMs: 0,
    users: [],
    nodes: [],
    tunnels: [],
    loadRows: [],
    usages: {},
    subs: [],
    ops: [],
    accounts: [],
    instances: [],
    standaloneTotals: {},
    tasks: [],
    taskLog: [],
    deviceLogs: [],
    logObjects: {},
    tickets: [],
    replies: [],
    endUsers: [],
    devices: [],
    deviceTrafficCursor: {},
    deviceTraffic: {},
    audit: [],
    slack: [],
  };
}

/** Usage hiding rules (center-api §7.4), for tests and the console's simulated views. */
export function usageFlags(u: SimUsage | undefined, nowSec: number) {
  if (!u) return { overQuota: false, offline: false };
  return {
    overQuota: u.quotaTotalBytes > 0 && u.usedBytes >= u.quotaTotalBytes - RESERVE,
    offline: u.lastReportAt !== 0 && nowSec - u.lastReportAt > 180,
  };
}
