// A fresh Center's contents (seed.ts holds the data): seeded users and access keys, accounts,
// end users and devices, the fleet's cloud instances and private subscriptions, decommissioned
// node rows, queued provision work, feedback tickets with their device logs; and the empty state.
import { createHash, randomBytes } from "node:crypto";
import { DEFAULT_ACCOUNTS, DEFAULT_DECOMMISSIONED, SEED_USERS, defaultDomain, fleetNodeSecret, type FleetNodeSpec, type SeedRole } from "./seed";
import type { LogScenario } from "./logs";
import { hex32, sha256 } from "./common";
import { GiB, type CenterCore } from "./core";
import type { CenterDomain } from "./domain";
import type { CenterCloud } from "./cloud";
import type { ProvisionSeed } from "./options";
import type { CenterSimState, SimTicket } from "./types";

export function centerSeeding(core: CenterCore, dom: CenterDomain, cloud: CenterCloud, d: { fleet: FleetNodeSpec[]; seed: string; accessKeys: Record<SeedRole, string> }) {
  const { opts, state, now, nextId } = core;
  const { registerNode, createProvisionRequest, newOp } = dom;
  const { accountByName, blankInstance, syncCloud } = cloud;
  const { fleet, seed, accessKeys } = d;

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

  return { seedState, registerFleetNode };
}

export function emptyState(): CenterSimState {
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
