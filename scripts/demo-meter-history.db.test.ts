import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { backfillDemoMeterHistory, readDemoNode } from "./demo-meter-history";

// The demo start-up's meter backfill, on a directory laid out as the simulator
// lays out its machines (<ip>/root = the machine's /apps and /var/lib/docker).

let t: TestDatabase;
let dir: string;
const STATE = (used: number) => `{"billing_cycle_end_at":1798761600,"cycle_start_rx":40113307721,"cycle_start_tx":42020044193,"prior_used_bytes":0,"last_used_bytes":${used}}`;

function machine(ip: string, o: { env?: string; state?: string; cut?: string; deploy?: string }) {
  const root = path.join(dir, ip, "root");
  const deploy = path.join(root, "apps", o.deploy ?? "k2s");
  fs.mkdirSync(deploy, { recursive: true });
  if (o.env !== undefined) fs.writeFileSync(path.join(deploy, ".env"), o.env);
  const vol = path.join(root, "var/lib/docker/volumes", `${o.deploy ?? "k2s"}_config`, "_data");
  fs.mkdirSync(vol, { recursive: true });
  if (o.state !== undefined) fs.writeFileSync(path.join(vol, "traffic.state"), o.state);
  if (o.cut !== undefined) fs.writeFileSync(path.join(vol, "cutoff.state"), o.cut);
}

beforeAll(async () => {
  t = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "k2ops-demo-meter-"));
  const env = "K2_CENTER_URL=http://127.0.0.1:1\nK2_NODE_SECRET=not-for-the-meter\nK2_NODE_BILLING_START_DATE=2026-01-01\nK2_NODE_TRAFFIC_LIMIT_GB=1000\nK2_NODE_TRAFFIC_BILLING_MODE=sum\n";
  machine("127.0.0.11", { env, state: STATE(708_794_295_396) });
  machine("127.0.0.15", { env, state: STATE(1_073_301_000_000), cut: '{"cut":true,"reason":"quota"}' });
  machine("127.0.0.19", { env, state: STATE(243_017_600_494), deploy: "kaitu-slave" });
  machine("127.0.0.20", { env: "K2_CENTER_URL=http://127.0.0.1:1\n", state: STATE(1) }); // metering off
  machine("127.0.0.24", { env }); // no traffic.state (the sidecar never ran its meter)
  machine("127.0.0.25", { env, state: "{not json" });
  fs.mkdirSync(path.join(dir, "keys"));
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the demo fleet's meter history on first start", () => {
  it("reads only the metering knobs, traffic.state and cutoff.state of a machine that meters", () => {
    const n = readDemoNode(path.join(dir, "127.0.0.15"))!;
    expect(n).toMatchObject({ ipv4: "127.0.0.15", cut: true, env: { billingDay: 1, limitGb: 1000, mode: "sum", seedGb: null }, state: { lastUsedBytes: 1_073_301_000_000n } });
    expect(JSON.stringify(n, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain("not-for-the-meter");
    expect(readDemoNode(path.join(dir, "127.0.0.19"))?.env.billingDay).toBe(1);
    for (const ip of ["127.0.0.20", "127.0.0.24", "127.0.0.25"]) expect(readDemoNode(path.join(dir, ip))).toBeNull();
    expect(readDemoNode(path.join(dir, "keys"))).toBeNull();
  });

  it("backfills each metering machine once, ending at the node's own figures; a second start writes nothing", async () => {
    const now = new Date("2026-12-01T11:00:00Z");
    const first = await backfillDemoMeterHistory(dir, { now });
    expect(first.nodes).toBe(3);
    expect(first.readings).toBeGreaterThan(3 * 200);
    const nodes = await t.prisma.meterNode.findMany({ orderBy: { nodeIpv4: "asc" } });
    expect(nodes.map((n) => [n.nodeIpv4, n.used, n.cut, n.nextPollAt.toISOString()])).toEqual([
      ["127.0.0.11", 708_794_295_396n, false, now.toISOString()],
      ["127.0.0.15", 1_073_301_000_000n, true, now.toISOString()],
      ["127.0.0.19", 243_017_600_494n, false, now.toISOString()],
    ]);
    expect(await t.prisma.meterDaily.count()).toBeGreaterThan(3 * 85);
    const again = await backfillDemoMeterHistory(dir, { now: new Date(now.getTime() + 60_000) });
    expect(again).toMatchObject({ nodes: 0, readings: 0 });
  });
});
