// The demo fleet's meter history on first start (issue #13 "Simulator": "a
// backfill of plausible history for the demo fleet so the charts show
// something on first start"). The console launcher (scripts/console.ts) calls
// backfillDemoMeterHistory after the simulated fleet is up: for each simulated
// machine whose meter k2ops has never recorded, it reads what a real node has
// on disk (the four metering knobs of /apps/k2s/.env, the sidecar's
// traffic.state and cutoff.state in its config volume) and stores the
// synthetic readings of lib/metering/demo-history through the store's write
// path (lib/metering/store-bulk: recordReading's derivation, one transaction
// per node; rollups, running rate, annotations as for polled readings).
// A node already recorded, metering off, or without a traffic.state is left to
// the live poll. Never throws: a failure is logged and the console starts.
import fs from "node:fs";
import path from "node:path";
import { demoHistory, type DemoHistoryOptions, type DemoNode } from "@/lib/metering/demo-history";
import { METER_ENV_KEYS, parseMeterEnv, parseTrafficState } from "@/lib/metering/poll";

/**
 * What the demo backfill knows of the simulated machine rooted at `nodeDir`
 * (<sim state>/nodes/nodes/<ipv4>, whose root/ is the machine's /apps and
 * /var/lib/docker): null when it does not meter (no billing date) or has no
 * readable traffic.state. Only the METER_ENV_KEYS lines of .env are read.
 */
export function readDemoNode(nodeDir: string): DemoNode | null {
  const ipv4 = path.basename(nodeDir);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ipv4)) return null;
  const root = path.join(nodeDir, "root");
  const envFile = ["apps/k2s/.env", "apps/kaitu-slave/.env"].map((p) => path.join(root, p)).find((p) => fs.existsSync(p));
  if (!envFile) return null;
  const keys = new RegExp(`^\\s*(export\\s+)?(${METER_ENV_KEYS.join("|")})=`);
  const env = parseMeterEnv(fs.readFileSync(envFile, "utf8").split("\n").filter((l) => keys.test(l)).join("\n"));
  if (env.billingDay === null) return null;
  const volumes = path.join(root, "var/lib/docker/volumes");
  const cfg = fs.existsSync(volumes) ? fs.readdirSync(volumes).find((v) => v.endsWith("_config") && fs.existsSync(path.join(volumes, v, "_data/traffic.state"))) : undefined;
  if (!cfg) return null;
  const dir = path.join(volumes, cfg, "_data");
  const { state } = parseTrafficState(fs.readFileSync(path.join(dir, "traffic.state"), "utf8"));
  if (!state) return null;
  const cutFile = path.join(dir, "cutoff.state");
  const cut = fs.existsSync(cutFile) ? /"cut"\s*:\s*true/.test(fs.readFileSync(cutFile, "utf8")) : null;
  return { ipv4, env, state, cut };
}

/**
 * Backfills the meter history of every simulated machine under `simNodesDir`
 * that has no meter record yet (no MeterNode row), oldest reading first, per
 * for all of them in one transaction (recordNewNodeHistories; a node the live
 * poll recorded meanwhile is skipped). Returns what was written
 * and how long it took (the console's first start: well under 2 s for the
 * demo's dozen metering nodes, three cycles + a week of hourly readings each).
 */
export async function backfillDemoMeterHistory(simNodesDir: string, opts: DemoHistoryOptions & { now?: Date } = {}): Promise<{ nodes: number; readings: number; ms: number }> {
  const t0 = performance.now();
  const { db } = await import("@/lib/db");
  const { recordNewNodeHistories } = await import("@/lib/metering/store-bulk");
  const now = opts.now ?? new Date();
  const dirs = fs.existsSync(simNodesDir) ? fs.readdirSync(simNodesDir).map((d) => path.join(simNodesDir, d)) : [];
  const nodes = dirs.flatMap((d) => {
    try {
      return readDemoNode(d) ?? [];
    } catch {
      return [];
    }
  });
  const known = new Set((await db().meterNode.findMany({ where: { nodeIpv4: { in: nodes.map((n) => n.ipv4) } }, select: { nodeIpv4: true } })).map((r) => r.nodeIpv4));
  const histories = nodes.filter((n) => !known.has(n.ipv4)).map((n) => ({ ipv4: n.ipv4, readings: demoHistory(n, now, opts) }));
  const written = new Set((await recordNewNodeHistories(histories)).map((r) => r.ipv4));
  const readings = histories.filter((h) => written.has(h.ipv4)).reduce((a, h) => a + h.readings.length, 0);
  return { nodes: written.size, readings, ms: Math.round(performance.now() - t0) };
}
