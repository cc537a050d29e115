import { createHash } from "node:crypto";

// Deterministic synthetic network traffic for a simulated instance, shared by
// the Lightsail simulator (GetInstanceMetricData) and the Center simulator
// (aws_lightsail traffic_used_gb = NetworkIn + NetworkOut since the 1st), so the
// two always agree. Rate has a daily cycle; integrals are computed exactly.

const DAY = 86_400;
const GiB = 2 ** 30;

function h(name: string): number {
  return createHash("sha256").update(name).digest().readUInt32BE(0);
}

export type TrafficProfile = { outGiBPerDay: number; inGiBPerDay: number; phase: number };

const overrides = new Map<string, TrafficProfile>();

export function trafficProfile(name: string): TrafficProfile {
  const o = overrides.get(name);
  if (o) return o;
  const x = h(name);
  const out = 8 + (x % 40); // 8..47 GiB/day
  // most nodes are egress-dominant; roughly one in five is ingress-dominant
  const inbound = x % 5 === 0 ? out * 1.15 : out * (0.55 + ((x >> 8) % 35) / 100);
  return { outGiBPerDay: out, inGiBPerDay: inbound, phase: ((x >> 16) % 628) / 100 };
}

/** Test/dev control: pin an instance's traffic rates. */
export function setTrafficProfile(name: string, p: TrafficProfile | null): void {
  if (p) overrides.set(name, p);
  else overrides.delete(name);
}

/** Bytes transferred in [startSec, endSec) in one direction, never before createdAtSec. */
export function trafficBytes(name: string, direction: "in" | "out", startSec: number, endSec: number, createdAtSec = 0): number {
  const a = Math.max(startSec, createdAtSec);
  const b = endSec;
  if (b <= a) return 0;
  const p = trafficProfile(name);
  const perSec = ((direction === "out" ? p.outGiBPerDay : p.inGiBPerDay) * GiB) / DAY;
  const w = (2 * Math.PI) / DAY;
  // rate(t) = perSec * (1 + 0.5 sin(w t + phase)); integral exact
  const integral = perSec * ((b - a) - (0.5 / w) * (Math.cos(w * b + p.phase) - Math.cos(w * a + p.phase)));
  return Math.max(0, Math.round(integral));
}

/** 1st of the month containing `sec`, 00:00 UTC. */
export function monthStartUtc(sec: number): number {
  const d = new Date(sec * 1000);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
}
/** 1st of the next month, 00:00 UTC (Lightsail allowance reset / node epoch). */
export function nextMonthStartUtc(sec: number): number {
  const d = new Date(sec * 1000);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
}
