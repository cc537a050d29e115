// Center's node-facing API (/slave/*, center-api.md §8): registration and
// self-unregistration, tunnel upserts, status reports (loads.ts), usage
// reports, per-device traffic, device auth and the lookups nodes make. Every
// route but the registration authenticates the node (Basic ipv4:secret).
import { bindJson, fail, hex32, normProtocol, ok, optBool, optNum, optStr, Reply, reqNum, reqStr, typeErr, type RouteFn } from "./common";
import { issueCert } from "./certs";
import { bindHealth, loadRow, LOAD_ROWS_PER_NODE } from "./loads";
import { nextMonthStartUtc } from "../lightsail/traffic";
import type { CenterSimState, RegisterBody, SimNode, SimSub, SimInstance, SimTunnel } from "./types";

export type SlaveDeps = {
  state: CenterSimState;
  now: () => number;
  nextId: (k: string) => number;
  touch: () => void;
  log: (line: string) => void;
  nodeByIp: (ip: string) => SimNode | undefined;
  registerNode: (ipv4: string, b: RegisterBody) => { status: "ok"; data: Record<string, unknown> } | { status: "forbidden" };
  hardDeleteNode: (ip: string) => void;
  isServiceable: (s: SimSub) => boolean;
  isPrivateLineInstance: (i: SimInstance) => boolean;
  realCerts: boolean;
  /** /slave/usage next_report_interval */
  usageInterval: number;
  /** an HTTP status /slave/usage answers with (fault injection), or null */
  usageFault: () => number | null;
};

export function slaveRoutes(route: RouteFn, d: SlaveDeps): void {
  const { state, now, nextId, touch, log, nodeByIp, registerNode, hardDeleteNode, isServiceable, isPrivateLineInstance, realCerts, usageInterval } = d;
  route("PUT", "/slave/nodes/:ipv4", "none", undefined, (c) => {
    const ipv4 = c.params.ipv4;
    if (!ipv4) return fail(422, "ipv4 is required");
    const b = bindJson(c);
    const body: RegisterBody = {
      country: reqStr(b, "country"),
      name: reqStr(b, "name"),
      secretToken: reqStr(b, "secretToken"),
      region: optStr(b, "region"),
      ipv6: optStr(b, "ipv6"),
      ipType: optStr(b, "ipType"),
      privateClaim: optStr(b, "privateClaim"),
    };
    if (b.brands !== undefined && b.brands !== null) {
      if (!Array.isArray(b.brands)) throw typeErr("brands", "[]string", b.brands);
      body.brands = b.brands.filter((x): x is string => typeof x === "string");
    }
    if (b.meta !== undefined && b.meta !== null) {
      if (typeof b.meta !== "object" || Array.isArray(b.meta)) throw typeErr("meta", "map[string]interface {}", b.meta);
      body.meta = b.meta as Record<string, unknown>;
    }
    if (b.tunnels !== undefined && b.tunnels !== null) {
      if (!Array.isArray(b.tunnels)) throw typeErr("tunnels", "[]TunnelRequest", b.tunnels);
      body.tunnels = b.tunnels.map((raw, i) => {
        if (!raw || typeof raw !== "object") throw typeErr(`tunnels[${i}]`, "TunnelRequest", raw);
        const t = raw as Record<string, unknown>;
        return {
          domain: reqStr(t, "domain"),
          port: reqNum(t, "port"),
          protocol: optStr(t, "protocol"),
          hopPortStart: optNum(t, "hopPortStart"),
          hopPortEnd: optNum(t, "hopPortEnd"),
          isTest: optBool(t, "isTest"),
          hasRelay: optBool(t, "hasRelay"),
          hasTunnel: optBool(t, "hasTunnel"),
          serverUrl: optStr(t, "serverUrl"),
        };
      });
    }
    const r = registerNode(ipv4, body);
    if (r.status === "forbidden") return fail(403, "invalid secretToken");
    return ok(r.data);
  });
  route("DELETE", "/slave/nodes/:ipv4", "slave-path", undefined, (c) => {
    hardDeleteNode(c.node!.ipv4);
    log(`slave unregister ${c.node!.ipv4}`);
    touch();
    return ok({});
  });
  route("PUT", "/slave/nodes/:ipv4/tunnels/:domain", "slave-path", undefined, (c) => {
    const b = bindJson(c);
    const name = reqStr(b, "name");
    const port = reqNum(b, "port");
    const protocol = normProtocol(optStr(b, "protocol"));
    const secret = optStr(b, "secretToken");
    const domain = c.params.domain;
    const prev = state.tunnels.find((t) => t.domain === domain);
    if (prev) state.tunnels = state.tunnels.filter((t) => t !== prev);
    const t: SimTunnel = {
      id: nextId("tunnel"),
      nodeIpv4: c.node!.ipv4,
      domain,
      name,
      protocol,
      port,
      hopPortStart: 0,
      hopPortEnd: 0,
      isTest: false,
      hasRelay: false,
      hasTunnel: true,
      serverUrl: "",
      secretToken: secret || prev?.secretToken || hex32(),
    };
    state.tunnels.push(t);
    const pem = issueCert(domain, realCerts);
    touch();
    return ok({ tunnelId: t.id, domain, secretToken: t.secretToken, sslCert: pem.cert, sslKey: pem.key, created: !prev });
  });
  route("DELETE", "/slave/nodes/:ipv4/tunnels/:domain", "slave-path", undefined, (c) => {
    const t = state.tunnels.find((x) => x.domain === c.params.domain && x.nodeIpv4 === c.node!.ipv4);
    if (t) t.deleted = true;
    touch();
    return ok({});
  });
  route("POST", "/slave/nodes/:ipv4/route-diagnosis", "slave-path", undefined, (c) => {
    const b = bindJson(c);
    if (optStr(b, "direction") !== "inbound") return fail(422, "direction must be inbound");
    return ok({});
  });
  route("POST", "/slave/report/status", "slave", undefined, (c) => {
      // api_slave_report_status: bind (422), score, append a slave_node_loads row, {success: true}
      const b = bindJson(c);
      if (b.updatedAt !== undefined && b.updatedAt !== null && (typeof b.updatedAt !== "number" || !Number.isInteger(b.updatedAt))) throw typeErr("updatedAt", "int64", b.updatedAt);
      const health = bindHealth(b.health);
      const node = c.node!;
      const row = loadRow(nextId("load"), node.id, now(), health);
      state.loadRows.push(row);
      const mine = state.loadRows.filter((r) => r.nodeId === node.id);
      if (mine.length > LOAD_ROWS_PER_NODE) {
        const drop = new Set(mine.slice(0, mine.length - LOAD_ROWS_PER_NODE).map((r) => r.id));
        state.loadRows = state.loadRows.filter((r) => !drop.has(r.id));
      }
      log(`slave report ${node.ipv4} load=${row.load}`);
      touch();
      return ok({ success: true });
    });
    route("POST", "/slave/usage", "slave", undefined, (c) => {
    // fault injection: Center answering usage reports with an HTTP error (an outage, a bad deploy)
    const usageFault = d.usageFault();
      if (usageFault) return new Reply(usageFault, "upstream unavailable", "text/plain");
    let b: Record<string, unknown>;
    try {
      b = bindJson(c);
    } catch {
      return fail(422, "bad usage payload");
    }
    const nums = ["epoch_id", "cumulative_bytes", "quota_total_bytes", "seq", "ts"];
    for (const k of nums) if (b[k] !== undefined && (typeof b[k] !== "number" || !Number.isFinite(b[k] as number))) return fail(422, "bad usage payload");
    const epoch = (b.epoch_id as number) ?? 0;
    const cum = (b.cumulative_bytes as number) ?? 0;
    const quota = (b.quota_total_bytes as number) ?? 0;
    const node = c.node!;
    const t = now();
    const data: Record<string, unknown> = { next_report_interval: usageInterval };
    if (!node.ipv4) return ok(data);
    let u = state.usages[node.ipv4];
    if (!u) {
      u = { id: nextId("usage"), createdAt: t, updatedAt: t, nodeId: node.id, ipv4: node.ipv4, epoch, usedBytes: cum, quotaTotalBytes: quota, lastReportAt: t };
      state.usages[node.ipv4] = u;
      if (quota === 0) state.slack.push(`Node Uncapped: ${node.ipv4}`);
    } else {
      u.quotaTotalBytes = quota;
      u.lastReportAt = t;
      u.nodeId = node.id;
      u.updatedAt = t;
      if (epoch > u.epoch) {
        u.epoch = epoch;
        u.usedBytes = cum;
      } else if (epoch === u.epoch && cum > u.usedBytes) {
        u.usedBytes = cum;
      }
    }
    // AWS authoritative correction
    const nextReset = nextMonthStartUtc(t);
    if (epoch === nextReset) {
      const inst = state.instances.find((i) => !i.deletedAt && i.provider === "aws_lightsail" && i.ip_address === node.ipv4);
      if (inst && inst.traffic_reset_at === nextReset && t - inst.last_synced_at <= 7200 && !isPrivateLineInstance(inst) && inst.trafficUsedBytes > cum) {
        data.authoritative_used_bytes = inst.trafficUsedBytes;
        if (u.epoch === epoch && u.usedBytes < inst.trafficUsedBytes) u.usedBytes = inst.trafficUsedBytes;
      }
    }
    touch();
    return ok(data);
  });
  route("POST", "/slave/device-traffic", "slave", undefined, (c) => {
    const b = bindJson(c);
    const bootId = optStr(b, "boot_id") ?? "";
    const seq = optNum(b, "batch_seq") ?? 0;
    const ip = c.node!.ipv4;
    const cur = state.deviceTrafficCursor[ip];
    if (cur && cur.bootId === bootId && seq <= cur.batchSeq) return ok({});
    state.deviceTrafficCursor[ip] = { bootId, batchSeq: seq };
    const day = new Date((now() + 8 * 3600) * 1000).toISOString().slice(0, 10);
    for (const d of Array.isArray(b.devices) ? (b.devices as Record<string, unknown>[]) : []) {
      const key = `${day}|${String(d.udid)}|${ip}`;
      state.deviceTraffic[key] = (state.deviceTraffic[key] ?? 0) + (Number(d.rx) || 0) + (Number(d.tx) || 0);
    }
    touch();
    return ok({});
  });
  route("POST", "/slave/device-check-auth", "slave", undefined, (c) => {
    const b = bindJson(c);
    const udid = reqStr(b, "udid");
    const token = reqStr(b, "token");
    const mode = optStr(b, "mode") ?? "";
    const dev = state.devices.find((d) => d.token === token);
    if (!dev) return fail(401, "invalid token");
    if (dev.udid !== udid) return fail(401, "UDID mismatch");
    if (mode === "gateway" && !dev.isRouter) return fail(403, "device class mismatch");
    const user = state.endUsers.find((u) => u.id === dev.userId);
    if (!user) return fail(401, "invalid token");
    if (user.blocked) return fail(403, "account blocked");
    const node = c.node!;
    if (node.class === "private") {
      const sub = state.subs.find((s) => s.id === node.privateSubId);
      if (!sub) return fail(500, "private node has no subscription");
      if (sub.userId !== user.id || !isServiceable(sub)) return fail(402, "membership expired");
      return ok({ userID: user.id, udid, serviceExpiredAt: sub.expiresAt });
    }
    if (user.expiredAt <= now()) return fail(402, "membership expired");
    return ok({ userID: user.id, udid, serviceExpiredAt: user.expiredAt });
  });
  route("GET", "/slave/accelerate-tunnels", "slave", undefined, (c) => {
    const items = state.tunnels
      .filter((t) => !t.deleted && nodeByIp(t.nodeIpv4)?.class === "shared")
      .map((t) => ({ domain: t.domain, ip: t.nodeIpv4, port: t.port, protocol: t.protocol, is_current: t.nodeIpv4 === c.node!.ipv4 }));
    return ok({ items, pagination: null });
  });
  route("GET", "/slave/resolve-domain", "slave", undefined, (c) => {
    const domain = c.query.get("domain") || "";
    if (!domain) return fail(422, "domain is required");
    const shared = state.tunnels.filter((t) => !t.deleted && nodeByIp(t.nodeIpv4)?.class === "shared");
    const match =
      shared.find((t) => t.domain === domain) ??
      shared.find((t) => (t.domain.startsWith("*.") && domain.endsWith(t.domain.slice(1))) || (t.domain.startsWith("*") && !t.domain.startsWith("*.") && domain.endsWith(t.domain.slice(1))));
    if (!match) return ok({ found: false });
    return ok({ found: true, domain: match.domain, ip: match.nodeIpv4, port: match.port, protocol: match.protocol, is_current: match.nodeIpv4 === c.node!.ipv4 });
  });
}
