// Benchmark (not a test), issue #13: a year of 5-minute meter samples for 200
// nodes, stored as the retention policy keeps them (raw samples 2 days, hourly
// rollups 35 days, daily rollups 400 days: lib/metering/store DEFAULT_RETENTION;
// --sample-days keeps more raw samples), on a fresh embedded database (in this
// process, as the console has it) or a new database on PostgreSQL (--pg <admin url>). Times, as medians of repeated runs:
//   - a node's cycle chart (nodeCycleSeries: current cycle hourly, previous
//     cycle daily, a young cycle from raw samples) against the raw SQL aggregate
//     over the same rows (one query with the running sums in SQL);
//   - the Metering page's data (meteringPageView, 7d and 30d) against the raw
//     SQL aggregates over the same rows (MeterNode scan, totals, top consumers);
//   - one poll tick of 200 nodes (runMeterPollTick: parse + integrity + store,
//     the readings parsed from a node's real output; the SSH transport is not
//     in it: see bench:ssh): the console's CPU (user + system, ms; with the
//     embedded database that is in-process, its CPU counts too).
// Targets: within 1.5x of the raw aggregate and under 200 ms; the poll under 2 s of CPU.
//   npx tsx scripts/bench-metering.ts [--nodes 200] [--runs 15] [--sample-days 2] [--pg postgresql://…]
import { createTestDatabase } from "@/lib/db/test-db";

const args = process.argv.slice(2);
const arg = (k: string, d: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const N = Number(arg("--nodes", "200"));
const RUNS = Number(arg("--runs", "15"));
const SAMPLE_DAYS = Number(arg("--sample-days", "2"));
const PG_ADMIN = arg("--pg", "");

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
async function time(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm: plans and caches, as a page opened a second time
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}
const ipOf = (i: number) => `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}`;

async function main() {
  // a fresh, migrated database: embedded PGlite, or a new database on the --pg server (the tests' helper)
  if (PG_ADMIN) process.env.K2OPS_TEST_PG_URL = PG_ADMIN;
  const d = await createTestDatabase();
  const { db } = await import("@/lib/db");
  const { nodeCycleSeries } = await import("@/lib/metering/store");
  const { meteringPageView } = await import("@/lib/metering/view");
  const { runMeterPollTick } = await import("@/lib/metering/schedule");
  const { parseMeterPoll } = await import("@/lib/metering/poll");
  const { nextCycleEnds, previousCycleEnd } = await import("@/lib/metering/cycle");

  const now = new Date();
  const HOUR = 3600_000;
  const DAY = 24 * HOUR;
  const hourNow = Math.floor(now.getTime() / HOUR) * HOUR;
  const dayNow = Math.floor(now.getTime() / DAY) * DAY;
  // every node meters; billing days spread over the month; traffic 10-60 GB a day, with a daily swing
  const nodes = Array.from({ length: N }, (_, i) => ({ ip: ipOf(i), day: 1 + (i % 28), perDay: 10e9 + ((i * 7919) % 50) * 1e9 }));
  const t0 = performance.now();
  const q = (sql: string) => db().$executeRawUnsafe(sql);
  const vals = nodes.map((n, i) => `('${n.ip}', ${n.day}, ${n.perDay}, ${i})`).join(",");
  await q(`DROP TABLE IF EXISTS bench_nodes`);
  await q(`CREATE TABLE bench_nodes(ip text, day int, per_day bigint, i int)`);
  await q(`INSERT INTO bench_nodes VALUES ${vals}`);
  const ts = (ms: number) => `to_timestamp(${ms / 1000})`;
  // daily rollups for a year, hourly for the last 35 days, 5-minute samples for the last SAMPLE_DAYS (rx ≈ 0.6, tx ≈ 0.4 of the traffic)
  await q(`INSERT INTO "MeterDaily" ("nodeIpv4", bucket, "rxBytes", "txBytes", used, "limitGb", cut, samples)
    SELECT b.ip, g, (b.per_day * 0.6)::bigint, (b.per_day * 0.4)::bigint, NULL, 2048, false, 288
    FROM bench_nodes b, generate_series(${ts(dayNow - 365 * DAY)}, ${ts(dayNow)}, interval '1 day') g`);
  await q(`INSERT INTO "MeterHourly" ("nodeIpv4", bucket, "rxBytes", "txBytes", used, "limitGb", cut, samples)
    SELECT b.ip, g, (b.per_day / 24 * 0.6 * (1 + 0.5 * sin(extract(hour from g) / 3.82)))::bigint, (b.per_day / 24 * 0.4 * (1 + 0.5 * sin(extract(hour from g) / 3.82)))::bigint,
      (b.per_day / 24 * extract(epoch from g - ${ts(dayNow - 35 * DAY)}) / 3600)::bigint, 2048, false, 12
    FROM bench_nodes b, generate_series(${ts(hourNow - 35 * DAY)}, ${ts(hourNow)}, interval '1 hour') g`);
  await q(`INSERT INTO "MeterSample" ("nodeIpv4", at, "nodeAt", metering, "billingDay", "limitGb", mode, "cycleEndAt", "nicName", "nicRx", "nicTx", cut, "k2sPaused", "sidecarUp", "nodeUsed", "usedSource", used, "rxDelta", "txDelta")
    SELECT b.ip, g, g, true, b.day, 2048, 'sum', ${ts(hourNow + 10 * DAY)}, 'ens5', (b.per_day * extract(epoch from g - ${ts(dayNow - 400 * DAY)}) / 86400 * 0.6)::bigint, (b.per_day * extract(epoch from g - ${ts(dayNow - 400 * DAY)}) / 86400 * 0.4)::bigint,
      false, false, true, (b.per_day * extract(epoch from g - ${ts(dayNow - 20 * DAY)}) / 86400)::bigint, 'live', (b.per_day * extract(epoch from g - ${ts(dayNow - 20 * DAY)}) / 86400)::bigint,
      (b.per_day / 288 * 0.6)::bigint, (b.per_day / 288 * 0.4)::bigint
    FROM bench_nodes b, generate_series(${ts(now.getTime() - SAMPLE_DAYS * DAY)}, ${ts(now.getTime())}, interval '5 minutes') g`);
  // the fleet's nodes (a poll reads the nodes Center lists) and each one's latest meter state, with its own billing cycle
  await db().node.createMany({ data: nodes.map((n, i) => ({ ipv4: n.ip, name: `bench-${String(i).padStart(3, "0")}.aws.wm${i % 100}`, region: "jp-tokyo.aws", country: "JP", hostKeyState: "trusted" as const })) });
  for (const n of nodes) {
    const end = nextCycleEnds(n.day, now, 1)[0];
    const start = previousCycleEnd(n.day, end);
    const used = BigInt(Math.round((n.perDay * (now.getTime() - start.getTime())) / DAY));
    await db().meterNode.create({
      data: { nodeIpv4: n.ip, lastPolledAt: now, nextPollAt: new Date(now.getTime() - 1000), at: now, nodeAt: now, metering: true, billingDay: n.day, limitGb: 2048, runningLimitGb: 2048, mode: "sum", cycleEndAt: end, nicName: "ens5", nicRx: used, nicTx: 0n, nodeUsed: used, used, cycleRx: (used * 6n) / 10n, cycleTx: (used * 4n) / 10n, rateBytesPerSec: n.perDay / 86400, cut: false, k2sPaused: false, sidecarUp: true, reportAt: now },
    });
  }
  await q(`DROP TABLE bench_nodes`);
  await q(`ANALYZE`);
  const counts = { samples: await db().meterSample.count(), hourly: await db().meterHourly.count(), daily: await db().meterDaily.count() };
  console.log(`seeded ${N} nodes in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${counts.samples} samples (${SAMPLE_DAYS} d), ${counts.hourly} hourly rows (35 d), ${counts.daily} daily rows (365 d) on ${PG_ADMIN ? "PostgreSQL" : "the embedded database"}`);

  const rows: { what: string; ms: number; rawMs: number; points: number }[] = [];
  // a node's cycle chart: the product's query path vs one raw SQL query over the same rows
  const rawSeries = async (ip: string, table: "MeterHourly" | "MeterDaily" | "MeterSample", from: Date, to: Date) => {
    const at = table === "MeterSample" ? "at" : "bucket";
    const [rx, tx] = table === "MeterSample" ? ['"rxDelta"', '"txDelta"'] : ['"rxBytes"', '"txBytes"'];
    const cmpFrom = table === "MeterSample" ? ">" : ">=";
    const cmpTo = table === "MeterSample" ? "<=" : "<";
    return db().$queryRawUnsafe<unknown[]>(
      `SELECT ${at} AS at, used, SUM(${rx}) OVER (ORDER BY ${at}) AS rx, SUM(${tx}) OVER (ORDER BY ${at}) AS tx, "limitGb", cut FROM "${table}" WHERE "nodeIpv4" = $1 AND ${at} ${cmpFrom} $2 AND ${at} ${cmpTo} $3 ORDER BY ${at}`,
      ip, from, to,
    );
  };
  const pick = (day: number) => nodes.find((n) => n.day === day) ?? nodes[0];
  const today = now.getUTCDate();
  // a cycle 10-20 days old (hourly), the one before it (daily), and one under 2 days old (raw samples)
  const mid = pick(((today + 28 - 15) % 28) + 1);
  const young = pick(today <= 28 ? today : 1);
  for (const [label, node, prev] of [["current cycle", mid, false], ["previous cycle", mid, true], ["young cycle", young, false]] as const) {
    const end = nextCycleEnds(node.day, now, 1)[0];
    const cycleEnd = prev ? previousCycleEnd(node.day, end) : end;
    // as the node page calls it: with the node's MeterNode row it has already read for the gauge
    const row = await db().meterNode.findUnique({ where: { nodeIpv4: node.ip } });
    const s = await nodeCycleSeries(node.ip, { now, cycleEnd, node: row });
    if (!s) throw new Error(`no series for ${node.ip}`);
    const table = s.resolution === "1h" ? "MeterHourly" : s.resolution === "1d" ? "MeterDaily" : "MeterSample";
    const from = s.resolution === "1d" ? new Date(Math.floor(s.start.getTime() / DAY) * DAY) : s.start;
    const ms = await time(() => nodeCycleSeries(node.ip, { now, cycleEnd, node: row }));
    const rawMs = await time(() => rawSeries(node.ip, table, from, s.end));
    rows.push({ what: `node cycle chart, ${label} (${s.resolution}, billing day ${node.day})`, ms, rawMs, points: s.points.length });
  }
  // the Metering page's data vs the raw aggregates over the same rows
  for (const range of ["7d", "30d"] as const) {
    const v = await meteringPageView({ range, now });
    const from = new Date(now.getTime() - (range === "7d" ? 7 : 30) * DAY);
    const table = range === "7d" ? "MeterHourly" : "MeterDaily";
    const bucketFrom = range === "7d" ? new Date(Math.floor(from.getTime() / HOUR) * HOUR) : new Date(Math.floor(from.getTime() / DAY) * DAY);
    const raw = () =>
      Promise.all([
        db().$queryRawUnsafe(`SELECT * FROM "MeterNode" ORDER BY "nodeIpv4"`),
        db().$queryRawUnsafe(`SELECT bucket, SUM("rxBytes") rx, SUM("txBytes") tx, COUNT(*) nodes FROM "${table}" WHERE bucket >= $1 AND bucket < $2 GROUP BY bucket ORDER BY bucket`, bucketFrom, now),
        db().$queryRawUnsafe(`SELECT "nodeIpv4", SUM("rxBytes") rx, SUM("txBytes") tx FROM "MeterDaily" WHERE bucket >= $1 AND bucket < $2 GROUP BY "nodeIpv4" ORDER BY SUM("rxBytes" + "txBytes") DESC LIMIT 10`, new Date(Math.floor(from.getTime() / DAY) * DAY), now),
      ]);
    const ms = await time(() => meteringPageView({ range, now }));
    const rawMs = await time(raw);
    rows.push({ what: `Metering page data, ${range} (${v.rows.length} nodes, ${v.totals.points.length} ${v.totals.resolution} points)`, ms, rawMs, points: v.rows.length + v.totals.points.length });
  }
  console.log("\nquery                                                          product ms   raw SQL ms   ratio   points");
  for (const r of rows) console.log(`${r.what.padEnd(62)} ${r.ms.toFixed(1).padStart(10)} ${r.rawMs.toFixed(1).padStart(12)} ${(r.ms / r.rawMs).toFixed(2).padStart(7)} ${String(r.points).padStart(8)}`);
  console.log(`targets: ratio ≤ 1.5 and product ≤ 200 ms: ${rows.every((r) => r.ms / r.rawMs <= 1.5 && r.ms <= 200) ? "met" : "NOT met"} (${rows.filter((r) => r.ms / r.rawMs > 1.5 || r.ms > 200).map((r) => r.what).join("; ") || "all"})`);

  // one poll tick of every node: the readings are a node's real output, parsed per node
  const token = "bench";
  const raw = (ip: string, usedBytes: bigint, end: number, at: number) =>
    [
      ["sidecar", `running|${new Date(at - 2 * DAY).toISOString()}|k2s`, 0],
      ["meta", "dir=/apps/k2s\nvolume=/var/lib/docker/volumes/k2s_config/_data", 0],
      ["k2s", "running|false", 0],
      ["reporter", `time=${new Date(at - 60_000).toISOString()} level=INFO msg="DIAG: usage-reporter-cycle-ok" component=usage ipv4=${ip} epoch=${end} cumulative=${usedBytes} quotaTotal=${2048n * 2n ** 30n}`, 0],
      ["traffic_state", JSON.stringify({ billing_cycle_end_at: end, cycle_start_rx: 1000, cycle_start_tx: 1000, prior_used_bytes: 0, last_used_bytes: Number(usedBytes) }), 0],
      ["cutoff_state", '{"epoch_id":0,"cut":false}', 0],
      ["clock", String(at), 0],
      ["nic", `Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo: 1234 10 0 0 0 0 0 0 1234 10 0 0 0 0 0 0\n  ens5: ${(usedBytes * 6n) / 10n + 1000n} 99 0 0 0 0 0 0 ${(usedBytes * 4n) / 10n + 1000n} 99 0 0 0 0 0 0\ndocker0: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0`, 0],
      ["env", "K2_NODE_BILLING_START_DATE=2026-01-01\nK2_NODE_TRAFFIC_LIMIT_GB=2048\nK2_NODE_TRAFFIC_BILLING_MODE=sum", 0],
    ]
      .map(([k, text, rc]) => `===K2OPS ${token} BEGIN ${k}===\n${text}\n===K2OPS ${token} END ${k} rc=${rc}===`)
      .join("\n");
  const byIp = new Map(nodes.map((n) => [n.ip, n]));
  const readerAt = (t: Date) => async (ip: string) => {
    const n = byIp.get(ip)!;
    const end = nextCycleEnds(n.day, t, 1)[0];
    const used = BigInt(Math.round((n.perDay * (t.getTime() - previousCycleEnd(n.day, end).getTime())) / DAY));
    return { reading: parseMeterPoll(raw(ip, used, end.getTime() / 1000, t.getTime()), token), at: t };
  };
  // a first tick warms the process (modules, prepared statements) as a running console is; the second is measured
  const first = new Date(now.getTime() + 5 * 60_000);
  const warm = await runMeterPollTick({ now: first, reader: readerAt(first), baseMinutes: 5 });
  const later = new Date(first.getTime() + 5 * 60_000);
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  const out = await runMeterPollTick({ now: later, reader: readerAt(later), baseMinutes: 5 });
  const cpu = process.cpuUsage(cpu0);
  if (warm.length !== out.length) console.log(`warm-up tick polled ${warm.length} nodes, the measured one ${out.length}`);
  const failed = out.filter((o) => !o.ok);
  if (failed.length) console.log(`poll failures: ${failed.length}, e.g. ${JSON.stringify(failed[0])}`);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`\npoll tick of ${out.length} nodes (${out.length - failed.length} stored): ${(performance.now() - w0).toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU (user ${(cpu.user / 1000).toFixed(0)}, system ${(cpu.system / 1000).toFixed(0)}); target under 2000 ms CPU: ${cpuMs < 2000 ? "met" : "NOT met"}`);
  await d.close();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
