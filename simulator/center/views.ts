// How Center shows its rows: paging and time-filter helpers, the DTOs of the /app API, and the
// usage hiding rules (center-api §7.4).
import { displayProtocol, parseIntStrict } from "./common";
import { calculateNodeLoad, latestLoadRow } from "./loads";
import type { CenterCore } from "./core";
import type { CenterDomain } from "./domain";
import type { SimDeviceLog, SimNode, SimOp, SimReply, SimTicket, SimTunnel, SimUsage } from "./types";

const RESERVE = 500 * 1024 * 1024;

export function centerViews(core: CenterCore, dom: CenterDomain) {
  const { state } = core;
  const { nodeByIp, liveTunnelsOf } = dom;

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

  return { paged, totalOnly, rfc3339, adminNodeItem, dataSlaveNode, tunnelDto, opDto, deviceLogDto, ticketDto, replyDto };
}

export type CenterViews = ReturnType<typeof centerViews>;

/** Usage hiding rules (center-api §7.4), for tests and the console's simulated views. */
export function usageFlags(u: SimUsage | undefined, nowSec: number) {
  if (!u) return { overQuota: false, offline: false };
  return {
    overQuota: u.quotaTotalBytes > 0 && u.usedBytes >= u.quotaTotalBytes - RESERVE,
    offline: u.lastReportAt !== 0 && nowSec - u.lastReportAt > 180,
  };
}
