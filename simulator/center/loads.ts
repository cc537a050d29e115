// Node status reports as Center stores and scores them (api/slave_api_report.go,
// api/logic_node_load.go, api/model.go SlaveNodeLoad). Every POST
// /slave/report/status appends one row with a 0–100 "server load" computed from
// the report; what admins see (GET /app/tunnels → node.load) is a second score
// computed from the node's LATEST row. Both are integer ports of the Go code.
import { typeErr } from "./common";

/** One slave_node_loads row (CPU is not stored: only the computed `load`). */
export type SimLoadRow = {
  id: number;
  /** Center's clock, unix seconds */
  createdAt: number;
  nodeId: number;
  load: number;
  networkSpeedMbps: number;
  bandwidthUpMbps: number;
  bandwidthDownMbps: number;
  networkLatencyMs: number;
  packetLossPercent: number;
  memoryUsagePercent: number;
  diskUsagePercent: number;
  connectionCount: number;
  totalBytesReceived: number;
  totalBytesSent: number;
  billingCycleEndAt: number;
  monthlyTrafficLimitBytes: number;
  usedTrafficBytes: number;
};

/** SlaveTunnelHealth (api/type.go) as bound from the request; absent fields are 0. */
export type SlaveHealth = {
  cpuUsage: number;
  memoryUsage: number;
  diskUsage: number;
  networkIn: number;
  networkOut: number;
  connections: number;
  networkSpeedMbps: number;
  bandwidthUpMbps: number;
  bandwidthDownMbps: number;
  networkLatencyMs: number;
  packetLossPercent: number;
  billingCycleEndAt: number;
  monthlyTrafficLimitBytes: number;
  usedTrafficBytes: number;
};

const FLOAT_FIELDS = ["cpuUsage", "memoryUsage", "diskUsage", "networkSpeedMbps", "bandwidthUpMbps", "bandwidthDownMbps", "networkLatencyMs", "packetLossPercent"] as const;
const INT_FIELDS = ["networkIn", "networkOut", "connections", "billingCycleEndAt", "monthlyTrafficLimitBytes", "usedTrafficBytes"] as const;

/**
 * The row history Center keeps is 30 days (a daily purge); nothing but the latest
 * row is ever read, so the simulator keeps only the newest rows of each node.
 */
export const LOAD_ROWS_PER_NODE = 100;

/** encoding/json into SlaveTunnelHealth: numbers only, integers for the int64/int fields (else gin's 422). */
export function bindHealth(v: unknown): SlaveHealth {
  const h = Object.fromEntries([...FLOAT_FIELDS, ...INT_FIELDS].map((k) => [k, 0])) as SlaveHealth;
  if (v === undefined || v === null) return h;
  if (typeof v !== "object" || Array.isArray(v)) throw typeErr("health", "center.SlaveTunnelHealth", v);
  const o = v as Record<string, unknown>;
  for (const k of FLOAT_FIELDS) {
    const x = o[k];
    if (x === undefined || x === null) continue;
    if (typeof x !== "number" || !Number.isFinite(x)) throw typeErr(`health.${k}`, "float64", x);
    h[k] = x;
  }
  for (const k of INT_FIELDS) {
    const x = o[k];
    if (x === undefined || x === null) continue;
    if (typeof x !== "number" || !Number.isInteger(x)) throw typeErr(`health.${k}`, k === "connections" ? "int" : "int64", x);
    h[k] = x;
  }
  return h;
}

const int = Math.trunc; // Go's int(float64) and integer division truncate toward zero

/** calculateServerLoad (slave_api_report.go): the `load` stored with each row. */
export function calculateServerLoad(h: SlaveHealth): number {
  if (h.cpuUsage >= 90) return 95;
  if (h.memoryUsage >= 95) return 95;
  if (h.diskUsage >= 95) return 90;
  if (h.packetLossPercent >= 10) return 90;
  const cpuLoad = int(h.cpuUsage);
  const memoryLoad = int(h.memoryUsage);
  const diskLoad = int(h.diskUsage);
  const loss = h.packetLossPercent;
  let packetLossLoad: number;
  if (loss >= 5) packetLossLoad = 70 + int(loss * 3);
  else if (loss >= 3) packetLossLoad = 50 + int((loss - 3) * 10);
  else if (loss >= 1) packetLossLoad = 20 + int((loss - 1) * 15);
  else packetLossLoad = int(loss * 20);
  if (packetLossLoad > 100) packetLossLoad = 100;
  const tb = h.bandwidthUpMbps + h.bandwidthDownMbps;
  let bandwidthLoad: number;
  if (tb >= 2000) bandwidthLoad = 90 + int((tb - 2000) / 200);
  else if (tb >= 1000) bandwidthLoad = 60 + int((tb - 1000) / 33);
  else if (tb >= 500) bandwidthLoad = 30 + int((tb - 500) / 17);
  else if (tb >= 100) bandwidthLoad = 10 + int((tb - 100) / 20);
  else bandwidthLoad = int(tb / 10);
  if (bandwidthLoad > 100) bandwidthLoad = 100;
  const c = h.connections;
  let connectionLoad: number;
  if (c >= 5000) connectionLoad = 90 + int((c - 5000) / 500);
  else if (c >= 2000) connectionLoad = 60 + int((c - 2000) / 100);
  else if (c >= 500) connectionLoad = 30 + int((c - 500) / 50);
  else if (c >= 100) connectionLoad = 10 + int((c - 100) / 20);
  else connectionLoad = int(c / 10);
  if (connectionLoad > 100) connectionLoad = 100;
  const maxLoad = Math.max(cpuLoad, memoryLoad, diskLoad, packetLossLoad);
  const weightedAvg = int(cpuLoad * 0.25 + memoryLoad * 0.25 + diskLoad * 0.1 + packetLossLoad * 0.15 + bandwidthLoad * 0.15 + connectionLoad * 0.1);
  const shortBoardScore = int((maxLoad * 7) / 10);
  return Math.min(100, Math.max(weightedAvg, shortBoardScore));
}

function latencyPenalty(ms: number): number {
  if (ms < 50) return 0;
  if (ms < 100) return ((ms - 50) / 50) * 0.3;
  if (ms < 200) return 0.3 + ((ms - 100) / 100) * 0.4;
  return 1.0;
}
function packetLossPenalty(p: number): number {
  if (p < 0.1) return 0;
  if (p < 1.0) return ((p - 0.1) / 0.9) * 0.5;
  if (p < 5.0) return 0.5 + ((p - 1.0) / 4.0) * 0.4;
  return 1.0;
}
function trafficPenalty(used: number, limit: number): number {
  if (limit === 0) return 0;
  const u = used / limit;
  if (u < 0.5) return 0;
  if (u < 0.8) return ((u - 0.5) / 0.3) * 30;
  if (u < 0.95) return 30 + ((u - 0.8) / 0.15) * 40;
  if (u < 1.0) return 70 + ((u - 0.95) / 0.05) * 25;
  return 100;
}

/** CalculateNodeLoad (logic_node_load.go): the admin-visible score of a node's latest row; 100 without one. */
export function calculateNodeLoad(row: SimLoadRow | undefined): number {
  if (!row) return 100;
  const baseLoad = row.load * 0.25 + row.memoryUsagePercent * 0.15;
  const networkPenalty = ((latencyPenalty(row.networkLatencyMs) + packetLossPenalty(row.packetLossPercent)) / 2) * 100;
  const score = baseLoad * 0.4 + networkPenalty * 0.3 + trafficPenalty(row.usedTrafficBytes, row.monthlyTrafficLimitBytes) * 0.3;
  return int(Math.max(0, Math.min(100, score)));
}

/** The row api_slave_report_status creates from a report. */
export function loadRow(id: number, nodeId: number, createdAt: number, h: SlaveHealth): SimLoadRow {
  return {
    id,
    createdAt,
    nodeId,
    load: calculateServerLoad(h),
    networkSpeedMbps: h.networkSpeedMbps,
    bandwidthUpMbps: h.bandwidthUpMbps,
    bandwidthDownMbps: h.bandwidthDownMbps,
    networkLatencyMs: h.networkLatencyMs,
    packetLossPercent: h.packetLossPercent,
    memoryUsagePercent: h.memoryUsage,
    diskUsagePercent: h.diskUsage,
    connectionCount: h.connections,
    totalBytesReceived: h.networkIn,
    totalBytesSent: h.networkOut,
    billingCycleEndAt: h.billingCycleEndAt,
    monthlyTrafficLimitBytes: h.monthlyTrafficLimitBytes,
    usedTrafficBytes: h.usedTrafficBytes,
  };
}

/** The latest row of a node (MAX(id) per node_id). */
export function latestLoadRow(rows: SimLoadRow[], nodeId: number): SimLoadRow | undefined {
  let best: SimLoadRow | undefined;
  for (const r of rows) if (r.nodeId === nodeId && (!best || r.id > best.id)) best = r;
  return best;
}
