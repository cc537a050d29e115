// The simulated meter's per-node set-up (_meter.sh reads it): node.env facts of the host NIC and
// of the traffic.state a run long ago left behind (written at the simulator's own first up).
import type { NodeSpec, NodeState } from "./fleet";

export const DEFAULT_TIME_SCALE = 12;
/** the synthetic traffic, in simulated bytes per second (≈ 0.9 Mbit/s) */
export const DEFAULT_TRAFFIC_BYTES_PER_SEC = 110_247;
/** a node's count at start: 17.4 GB, or a "cut" node's, over its cutoff (1000 GiB − 500 MiB) but under its limit */
export const DEFAULT_USED_BYTES = 17_400_000_000;
export const CUT_USED_BYTES = 1_073_301_000_000;
/** the cycle's baseline in traffic.state (node-behavior.md §2.3's example) */
export const STATE_RX0 = 40_113_307_721;
export const STATE_TX0 = 42_020_044_193;

/**
 * The share of a node's traffic that is inbound (rx). Not 0.5: under billing mode max one
 * direction binds — rx on some nodes, tx on others (by the IP's last octet unless set).
 */
export function rxShareOf(s: NodeSpec): number {
  if (s.rxShare !== undefined) {
    if (!(s.rxShare >= 0 && s.rxShare <= 1)) throw new Error(`node ${s.ip}: rxShare must be within 0..1`);
    return s.rxShare;
  }
  return [0.4, 0.45, 0.55, 0.6][(Number(s.ip.split(".").at(-1)) || 0) % 4];
}

/**
 * node.env facts of the meter (strings, as the shims read them): the time scale, the NIC's
 * per-direction rates (bytes per REAL second: simulated rate × scale) and its counters at the
 * first up, and the baseline of the traffic.state a run long ago persisted. The counters are
 * the baseline plus the node's count split by its direction mix, so billing mode sum (the
 * fleet's .env) reads exactly usedBytes.
 */
export function meterNodeEnv(s: NodeSpec): Record<string, string> {
  const scale = s.timeScale ?? DEFAULT_TIME_SCALE;
  const share = rxShareOf(s);
  const rate = Math.round((s.trafficBytesPerSec ?? DEFAULT_TRAFFIC_BYTES_PER_SEC) * scale);
  const rx = Math.round(rate * share);
  const used = s.scenario === "cut" ? CUT_USED_BYTES : (s.usedBytes ?? DEFAULT_USED_BYTES);
  const drx = Math.round(used * share);
  return {
    // simulated time runs TIME_SCALE× faster for the reporter, the enforcer and the traffic meter
    TIME_SCALE: String(scale),
    RATE_PER_S: String(rate),
    RX_PER_S: String(rx),
    TX_PER_S: String(rate - rx),
    STATE_RX0: String(STATE_RX0),
    STATE_TX0: String(STATE_TX0),
    NIC_RX0: String(STATE_RX0 + drx),
    NIC_TX0: String(STATE_TX0 + used - drx),
  };
}

/** The meter part of a fresh node's state.json: none (the meter keeps meter.sh, traffic.state and cutoff.state). */
export function initialMeterState(_s: NodeSpec): Partial<NodeState> {
  return {};
}

/** After the simulator's own first up: nothing to age (the meter runs on the host's real clock, not on container times). */
export function ageMeterState(_st: NodeState): void {}

// ---- the host NIC as the provider sees it ------------------------------------------------------

/** meter.sh's NIC facts (bash assignments written by _meter.sh meter_save); zeros when absent. */
export function parseMeterSh(text: string): { nRun: number; nAt: number; bRx: number; bTx: number } | null {
  const get = (k: string) => {
    const m = new RegExp(`(?:^|\\s)${k}=(-?\\d+)`).exec(text);
    return m ? Number(m[1]) : null;
  };
  const nRun = get("N_RUN");
  const nAt = get("N_AT");
  if (nRun === null || nAt === null) return null;
  return { nRun, nAt, bRx: get("B_RX") ?? 0, bTx: get("B_TX") ?? 0 };
}

/**
 * The host NIC's counters at `nowMs` (what the node's /proc/net/dev shows, _meter.sh nic_at):
 * NIC_RX0 + tunnel run time × rate, minus what the counters had reached at the last reboot
 * (`raw`: without that offset — all the traffic the machine ever carried, reboots or not).
 */
export function nicAt(env: Record<string, string>, m: { nRun: number; nAt: number; bRx: number; bTx: number }, tunnelRunning: boolean, nowMs: number, raw = false): { rxBytes: number; txBytes: number } {
  const run = m.nRun + (tunnelRunning && nowMs > m.nAt ? nowMs - m.nAt : 0);
  const rx = Number(env.NIC_RX0) + Math.floor((run * Number(env.RX_PER_S)) / 1000);
  const tx = Number(env.NIC_TX0) + Math.floor((run * Number(env.TX_PER_S)) / 1000);
  return raw ? { rxBytes: rx, txBytes: tx } : { rxBytes: rx - m.bRx, txBytes: tx - m.bTx };
}

/** The provider's counting error for a node: deterministic per IP, −0.4 % … +0.8 % (a provider's own meter is never exactly the node's). */
export function defaultProviderDrift(ip: string): number {
  const o = Number(ip.split(".").at(-1)) || 0;
  return 1 + (((o * 37) % 13) - 4) / 1000;
}

/**
 * The node's traffic over [fromSec, toSec) as its provider counts it: every byte the host NIC
 * carried since the cycle's baseline of node.env (STATE_RX0/TX0: the month the node was laid out
 * in), whatever the meter did since (set-usage, folds after reboots, re-anchors do not change
 * what the provider saw), times the provider's drift. The month-to-date figure covers
 * [the 1st, now): a window's share of it is its overlap with that span (Lightsail's daily periods).
 */
export function providerTrafficOf(env: Record<string, string>, m: { nRun: number; nAt: number; bRx: number; bTx: number }, tunnelRunning: boolean, nowMs: number, fromSec: number, toSec: number, drift: number): { inBytes: number; outBytes: number } {
  const nic = nicAt(env, m, tunnelRunning, nowMs, true);
  const inB = Math.max(0, nic.rxBytes - Number(env.STATE_RX0)) * drift;
  const outB = Math.max(0, nic.txBytes - Number(env.STATE_TX0)) * drift;
  const now = nowMs / 1000;
  const d = new Date(nowMs);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
  const overlap = Math.max(0, Math.min(toSec, now) - Math.max(fromSec, start));
  const share = now > start ? overlap / (now - start) : 0;
  return { inBytes: Math.round(inB * share), outBytes: Math.round(outB * share) };
}
