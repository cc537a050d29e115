// Center's node and private-node domain logic: node registration (TOFU) and tunnels, private
// subscriptions and their claim, node operations, and the provisioning-timeout and lifecycle sweeps.
import { hex32, normIpType, normProtocol } from "./common";
import { issueCert } from "./certs";
import { GiB, type CenterCore } from "./core";
import type { ProvisionSeed } from "./options";
import type { RegisterBody, SimNode, SimOp, SimSub, SimTunnel } from "./types";

export function centerDomain(core: CenterCore, d: { realCerts: boolean; provisionTimeoutSec: number }) {
  const { state, now, nextId, touch, log } = core;
  const { realCerts, provisionTimeoutSec } = d;

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

  return { nodeByIp, liveTunnelsOf, hardDeleteNode, isServiceable, registerNode, createProvisionRequest, newOp, sweepProvisionTimeouts, runLifecycleSweep };
}

export type CenterDomain = ReturnType<typeof centerDomain>;
