import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCenterSim } from "@/simulator/center";
import { MemoryHostKeyStore } from "@/lib/ssh/host-keys";
import { SshEngine } from "@/lib/ssh/engine";
import { SimFleet, type NodeSpec, type Scenario } from "./fleet";

// Fidelity of the simulated traffic meter (shims/_meter.sh) to the real sidecar
// (docker/sidecar/sidecar/{traffic,enforcer,usage_reporter,cutoff_state}.go, main.go),
// issue 11 items 1-10, over real SSH against simulated nodes: billing modes per
// direction, the mode's normalisation, cycle ends of days a month lacks, the month
// rollover, the USED_GB seed, restore vs re-anchor, traffic.state persistence and
// set-usage, no traffic through a paused k2s, one POST per reporter line with Go's
// error texts, and an enforcer that only ever touches "k2s".
// Addresses 127.0.71.x and the state dir are this suite's own.

const GIB = 1024 ** 3;
const RESERVE = 500 * 1024 ** 2;
type Spec = { scenario: Scenario; rxShare?: number; timeScale?: number; fake?: true };
const NODES: Record<string, Spec> = {
  "127.0.71.11": { scenario: "healthy", rxShare: 0.7, timeScale: 60 }, // A: rx binds under max
  "127.0.71.12": { scenario: "healthy", rxShare: 0.3, timeScale: 60 }, // B: tx binds under max
  "127.0.71.13": { scenario: "cut", timeScale: 60 }, // C: paused, limit raised, metering off
  "127.0.71.14": { scenario: "cut" }, // D: the month rollover of a cut node
  "127.0.71.15": { scenario: "healthy" }, // E: billing day 31, the day changed
  "127.0.71.16": { scenario: "metering-off" }, // F: metering turned on with a USED_GB seed
  "127.0.71.17": { scenario: "healthy", timeScale: 60 }, // G: traffic.state persistence, set-usage left unloaded
  "127.0.71.18": { scenario: "healthy", timeScale: 60, fake: true }, // R: reporter against a scripted Center
  "127.0.71.19": { scenario: "legacy-k2-slave" }, // L: the enforcer leaves k2-slave alone
  "127.0.71.20": { scenario: "healthy", timeScale: 1 }, // P: set-usage + a prompt restart (real-time persists: no race in the test)
};
const [A, B, C, D, E, F, G, R, L, P] = Object.keys(NODES);
const secretOf = (ip: string) => (Object.keys(NODES).indexOf(ip) + 3).toString(16).repeat(64).slice(0, 64);

const dir = "/tmp/k2ops-test-fidelity-meter";
let center: Awaited<ReturnType<typeof startCenterSim>>;
let fleet: SimFleet;
let ssh: SshEngine;

// ---- a Center that answers /slave/usage as a test tells it to, and keeps every POST ----
type UsageMode = "ok" | "code" | "503" | "eof";
type Post = { body: { epoch_id: number; cumulative_bytes: number; quota_total_bytes: number; seq: number; ts: number }; auth: string; mode: UsageMode };
const fake = {
  server: null as http.Server | null,
  port: 0,
  mode: "ok" as UsageMode,
  posts: [] as Post[],
  get url() {
    return `http://127.0.0.1:${this.port}`;
  },
  listen(port = 0): Promise<void> {
    const server = http.createServer((req, res) => {
      let data = "";
      req.on("data", (d) => (data += d));
      req.on("end", () => {
        const json = (status: number, o: unknown) => {
          res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
          res.end(JSON.stringify(o));
        };
        if (req.method === "PUT" && req.url?.startsWith("/slave/nodes/")) {
          const ip = req.url.split("/").pop()!;
          return json(200, { code: 0, data: { created: true, tunnels: [{ domain: ip.replace(/\./g, "-") + ".sslip.io", created: true, sslCert: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n", sslKey: "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n" }] } });
        }
        if (req.method === "POST" && req.url === "/slave/usage") {
          if (this.mode === "eof") return void req.socket.destroy();
          this.posts.push({ body: JSON.parse(data), auth: req.headers.authorization ?? "", mode: this.mode });
          if (this.mode === "503") {
            res.writeHead(503, { "content-type": "text/plain" });
            return void res.end("upstream unavailable");
          }
          if (this.mode === "code") return json(200, { code: 40001, message: "node quota record locked" });
          return json(200, { code: 0, data: { next_report_interval: 60 } });
        }
        json(200, { code: 0, data: {} });
      });
    });
    this.server = server;
    return new Promise((resolve) => server.listen(port, "127.0.0.1", () => ((this.port = (server.address() as AddressInfo).port), resolve())));
  },
  close(): Promise<void> {
    const s = this.server;
    this.server = null;
    return new Promise((resolve) => (s ? (s.closeAllConnections(), s.close(() => resolve())) : resolve()));
  },
};

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  center = await startCenterSim({ port: 0, fleet: [], decommissioned: [], deferred: "manual" });
  await fake.listen();
  const key = SimFleet.clientKey(path.join(dir, "keys"));
  fleet = new SimFleet(path.join(dir, "nodes"), key.publicKey);
  const specs: NodeSpec[] = Object.entries(NODES).map(([ip, s], i) => ({
    ip,
    name: `jp-tokyo.aws.wm${71 + i}`,
    country: "JP",
    region: "jp-tokyo.aws",
    scenario: s.scenario,
    secret: secretOf(ip),
    centerUrl: s.fake ? fake.url : center.url,
    rxShare: s.rxShare,
    timeScale: s.timeScale,
  }));
  await fleet.addNodes(specs, 10);
  ssh = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys: new MemoryHostKeyStore() });
}, 120_000);
afterAll(async () => {
  await ssh?.closeAll();
  await fleet?.stop();
  await center?.close();
  await fake.close();
});

async function run(host: string, command: string, timeoutMs = 30_000) {
  const r = await ssh.exec({ host }, command as never, { timeoutMs });
  return { out: r.stdout, err: r.stderr, code: r.code };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** slog attributes of a line (bare or Go-quoted values), plus its time (ms) */
function attrs(line: string): Record<string, string> & { t: string } {
  const o: Record<string, string> = {};
  for (const m of line.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g)) o[m[1]] = m[2].startsWith('"') ? JSON.parse(m[2]) : m[2];
  return { ...o, t: String(Date.parse(o.time)) };
}
/** the sidecar's log lines with msg = `msg` (oldest first) */
async function lines(host: string, msg: string): Promise<(Record<string, string> & { t: string })[]> {
  const out = (await run(host, "docker logs k2-sidecar 2>&1")).out;
  return out.split("\n").filter((l) => l.includes(`msg="${msg}"`)).map(attrs);
}
const ok = (host: string) => lines(host, "DIAG: usage-reporter-cycle-ok");
const readState = async (host: string) => JSON.parse((await run(host, "sudo docker exec k2-sidecar cat /etc/kaitu/traffic.state")).out) as { billing_cycle_end_at: number; cycle_start_rx: number; cycle_start_tx: number; prior_used_bytes: number; last_used_bytes: number };
const cutoffState = async (host: string) => (await run(host, "sudo docker exec k2-sidecar cat /etc/kaitu/cutoff.state")).out;
const setEnv = (host: string, key: string, value: string | null) =>
  run(host, `cd /apps/k2s && sed -i '/^${key}=/d' .env${value === null ? "" : ` && echo '${key}=${value}' >> .env`}`);
/** the run of the sidecar that started last: its lines only */
async function currentRun(host: string): Promise<string> {
  const out = (await run(host, "docker logs k2-sidecar 2>&1")).out;
  return out.slice(out.lastIndexOf('msg="Starting k2-sidecar'));
}
/** calculateNextCycleEnd (Go): day D of now's month (time.Date normalises), AddDate(0,1,0) once past it */
function cycleEnd(day: number, nowMs: number): number {
  const n = new Date(nowMs);
  let end = Date.UTC(n.getUTCFullYear(), n.getUTCMonth(), day);
  if (nowMs > end) {
    const e = new Date(end);
    end = Date.UTC(e.getUTCFullYear(), e.getUTCMonth() + 1, e.getUTCDate());
  }
  return end / 1000;
}
/** bytes per real ms of a node's rx and tx: its traffic rate (node.env RATE_PER_S: simulated rate × time scale) split by its rxShare */
function rates(host: string): { rx: number; tx: number } {
  const env = fs.readFileSync(path.join(dir, "nodes", host, "node.env"), "utf8");
  const rate = Number(/^RATE_PER_S='?(\d+)/m.exec(env)![1]);
  const rx = Math.round(rate * NODES[host].rxShare!);
  return { rx: rx / 1000, tx: (rate - rx) / 1000 };
}

describe("item 1: billing mode sum / max over per-direction counters", () => {
  /** the boot of the current run: restored baseline, live counters, the first report, and the growth rate of the next reports */
  async function measure(host: string) {
    const cur = await currentRun(host);
    const restored = attrs(cur.split("\n").find((l) => l.includes('msg="Traffic cycle baseline restored from state"'))!);
    const init = attrs(cur.split("\n").find((l) => l.includes('msg="Traffic monitor initialized"'))!);
    await sleep(3_500);
    const reps = (await ok(host)).filter((r) => Number(r.t) >= Number(init.t));
    expect(reps.length).toBeGreaterThanOrEqual(3);
    // over the later reports (a line's time is its cycle's plus the POST's duration: a few % of noise)
    const perMs = (Number(reps.at(-1)!.cumulative) - Number(reps[1].cumulative)) / (Number(reps.at(-1)!.t) - Number(reps[1].t));
    return { restored, init, first: Number(reps[0].cumulative), perMs };
  }

  it("A (rx 70 %): sum = rxΔ + txΔ; after a switch to max the restored baseline reads the rx delta and grows at the rx rate", async () => {
    const r = rates(A);
    expect((await run(A, "cd /apps/k2s && docker compose restart k2-sidecar")).code).toBe(0);
    const sum = await measure(A);
    const drx = Number(sum.init.rx) - Number(sum.restored.cycleStartRx);
    const dtx = Number(sum.init.tx) - Number(sum.restored.cycleStartTx);
    expect(drx).toBeGreaterThan(dtx);
    expect(sum.init.billingMode).toBe("sum");
    expect(sum.first - (Number(sum.restored.priorUsedBytes) + drx + dtx)).toBeGreaterThanOrEqual(0);
    expect(sum.first - (Number(sum.restored.priorUsedBytes) + drx + dtx)).toBeLessThan((r.rx + r.tx) * 1_000);
    expect(sum.perMs / (r.rx + r.tx)).toBeGreaterThan(0.85);
    expect(sum.perMs / (r.rx + r.tx)).toBeLessThan(1.15);

    await setEnv(A, "K2_NODE_TRAFFIC_BILLING_MODE", "max");
    expect((await run(A, "cd /apps/k2s && docker compose up -d k2-sidecar", 60_000)).code).toBe(0);
    const max = await measure(A);
    expect(max.init.billingMode).toBe("max");
    const mrx = Number(max.init.rx) - Number(max.restored.cycleStartRx);
    const mtx = Number(max.init.tx) - Number(max.restored.cycleStartTx);
    expect(max.restored.cycleStartRx).toBe(sum.restored.cycleStartRx); // the same cycle's baseline, combined differently
    expect(max.first - (Number(max.restored.priorUsedBytes) + mrx)).toBeGreaterThanOrEqual(0);
    expect(max.first - (Number(max.restored.priorUsedBytes) + mrx)).toBeLessThan(r.rx * 1_000);
    expect(max.first).toBeLessThan(mrx + mtx);
    expect(max.perMs / r.rx).toBeGreaterThan(0.85); // sum's rate would be 1/0.7 = 1.43 of it
    expect(max.perMs / r.rx).toBeLessThan(1.15);
  });

  it("B (rx 30 %): under max the tx direction binds", async () => {
    const r = rates(B);
    await setEnv(B, "K2_NODE_TRAFFIC_BILLING_MODE", "max");
    expect((await run(B, "cd /apps/k2s && docker compose up -d k2-sidecar", 60_000)).code).toBe(0);
    const max = await measure(B);
    const mrx = Number(max.init.rx) - Number(max.restored.cycleStartRx);
    const mtx = Number(max.init.tx) - Number(max.restored.cycleStartTx);
    expect(mtx).toBeGreaterThan(mrx);
    expect(max.first - (Number(max.restored.priorUsedBytes) + mtx)).toBeGreaterThanOrEqual(0);
    expect(max.first - (Number(max.restored.priorUsedBytes) + mtx)).toBeLessThan(r.tx * 1_000);
    expect(max.perMs / r.tx).toBeGreaterThan(0.85);
    expect(max.perMs / r.tx).toBeLessThan(1.15);
  });
});

describe("item 2: the billing mode is normalised as normalizeBillingMode does", () => {
  it("an unknown mode logs Go's ERROR and meters sum; ' MAX ' is max; set-usage prints the node's mode", async () => {
    await setEnv(B, "K2_NODE_TRAFFIC_BILLING_MODE", "foo");
    expect((await run(B, "cd /apps/k2s && docker compose up -d k2-sidecar", 60_000)).code).toBe(0);
    let cur = await currentRun(B);
    expect(cur).toMatch(/level=ERROR msg="Unknown traffic billing mode — falling back to fail-closed 'sum'" component=traffic configured=foo\n[^\n]*msg="Detected primary interface"/);
    expect(cur).toMatch(/msg="Traffic monitor initialized" component=traffic interface=ens5 billingDate=2026-01-01 limitGB=1000 billingMode=sum rx=\d+ tx=\d+\n/);

    await setEnv(B, "K2_NODE_TRAFFIC_BILLING_MODE", '" MAX "');
    expect((await run(B, "cd /apps/k2s && docker compose up -d k2-sidecar", 60_000)).code).toBe(0);
    cur = await currentRun(B);
    expect(cur).not.toContain("Unknown traffic billing mode");
    expect(cur).toMatch(/msg="Traffic monitor initialized" .* billingMode=max /);
    const su = await run(B, "sudo docker exec k2-sidecar k2-sidecar -c /tmp/sidecar-config.yaml set-usage 5");
    expect(su.code).toBe(0);
    expect(su.err).toMatch(/level=INFO msg="Traffic monitor initialized" component=traffic interface=ens5 billingDate=2026-01-01 limitGB=1000 billingMode=max rx=\d+ tx=\d+\n/);
  });
});

describe("item 3 and 6: cycle ends of days a month lacks; the billing day changed → re-anchored at 0", () => {
  it("day 31 on Nov 30 ends Dec 1; a changed day starts the cycle from 0 (no restore); Jan 31 rolls to Mar 3 (Mar 2 in 2028)", async () => {
    const node = fleet.node(E);
    const before = await readState(E);
    const at = (iso: string) => node.setClockOffset(Date.parse(iso) - Date.now());

    at("2026-11-30T12:00:00Z");
    await setEnv(E, "K2_NODE_BILLING_START_DATE", "2026-01-31");
    expect((await run(E, "cd /apps/k2s && docker compose up -d k2-sidecar", 60_000)).code).toBe(0);
    const nov = cycleEnd(31, Date.parse("2026-11-30T12:00:00Z"));
    expect(nov).toBe(Date.parse("2026-12-01T00:00:00Z") / 1000);
    let cur = await currentRun(E);
    // the saved cycle is another one (day 1): not restored, anchored at the live counters, usage from 0
    expect(before.billing_cycle_end_at).not.toBe(nov);
    expect(cur).not.toContain("Traffic cycle baseline restored");
    const init = attrs(cur.split("\n").find((l) => l.includes('msg="Traffic monitor initialized"'))!);
    let st = await readState(E);
    expect(st).toMatchObject({ billing_cycle_end_at: nov, cycle_start_rx: Number(init.rx), cycle_start_tx: Number(init.tx), prior_used_bytes: 0 });
    const first = (await ok(E)).at(-1)!;
    expect(Number(first.epoch)).toBe(nov);
    expect(Number(first.cumulative)).toBeLessThan(50_000_000);

    // the clock reaches Jan 31 2027 noon: the running meter rolls over to Go's AddDate(Jan 31 + 1 month) = Mar 3
    at("2027-01-31T12:00:00Z");
    const mar = cycleEnd(31, Date.parse("2027-01-31T12:00:00Z"));
    expect(mar).toBe(Date.parse("2027-03-03T00:00:00Z") / 1000);
    await expect.poll(async () => (await lines(E, "Billing cycle reset")).at(-1)?.newEnd, { timeout: 8_000, interval: 400 }).toBe("2027-03-03");
    expect((await lines(E, "Billing cycle reset")).at(-1)).toMatchObject({ oldEnd: "2026-12-01", component: "traffic" });
    await expect.poll(async () => Number((await ok(E)).at(-1)!.epoch), { timeout: 8_000, interval: 500 }).toBe(mar);
    st = await readState(E);
    expect(st.billing_cycle_end_at).toBe(mar);

    // a restart in that cycle restores it (the end matches and there is a baseline)
    expect((await run(E, "cd /apps/k2s && docker compose restart k2-sidecar", 60_000)).code).toBe(0);
    cur = await currentRun(E);
    expect(cur).toMatch(new RegExp(`msg="Traffic cycle baseline restored from state" component=traffic cycleStartRx=${st.cycle_start_rx} cycleStartTx=${st.cycle_start_tx} priorUsedBytes=0`));
    expect(Number((await ok(E)).at(-1)!.epoch)).toBe(mar);

    // leap year: Jan 31 2028 + 1 month = Mar 2
    at("2028-01-31T12:00:00Z");
    expect((await run(E, "cd /apps/k2s && docker compose restart k2-sidecar", 60_000)).code).toBe(0);
    const leap = Number((await ok(E)).at(-1)!.epoch);
    expect(leap).toBe(Date.parse("2028-03-02T00:00:00Z") / 1000);
    expect(leap).toBe(cycleEnd(31, Date.parse("2028-01-31T12:00:00Z")));
    node.setClockOffset(0);
  });
});

describe("item 4: the month rollover", () => {
  it("a cut node at its cycle end: usage restarts from the new baseline, the reset is logged, k2s is unpaused, both state files follow", async () => {
    const node = fleet.node(D);
    expect((await run(D, "docker inspect -f '{{.State.Paused}}' k2s")).out).toBe("true\n");
    const st0 = await readState(D);
    const end = st0.billing_cycle_end_at;
    expect((await ok(D)).at(-1)!.epoch).toBe(String(end));
    node.setClockOffset(end * 1000 - 2_000 - Date.now());
    await expect.poll(async () => (await lines(D, "Billing cycle reset")).length, { timeout: 10_000, interval: 400 }).toBe(1);
    const reset = (await lines(D, "Billing cycle reset"))[0];
    const newEnd = cycleEnd(Number(new Date(end * 1000).getUTCDate()), end * 1000 + 1_500);
    expect(reset).toMatchObject({ level: "INFO", component: "traffic", oldEnd: new Date(end * 1000).toISOString().slice(0, 10), newEnd: new Date(newEnd * 1000).toISOString().slice(0, 10) });
    // the reset is the first read after the end's second has passed
    expect(Math.floor(Number(reset.t) / 1000)).toBeGreaterThan(end);
    expect(Number(reset.t) - end * 1000).toBeLessThan(3_000);
    const un = await lines(D, "DIAG: cutoff-unpaused");
    expect(un.length).toBe(1);
    expect(Number(un[0].t)).toBeGreaterThanOrEqual(Number(reset.t));
    expect((await run(D, "docker inspect -f '{{.State.Paused}}' k2s")).out).toBe("false\n");
    expect(await cutoffState(D)).toBe('{"epoch_id":0,"cut":false}');
    const st = await readState(D);
    expect(st).toMatchObject({ billing_cycle_end_at: newEnd, cycle_start_rx: Number(reset.cycleStartRx), cycle_start_tx: Number(reset.cycleStartTx), prior_used_bytes: 0 });
    expect(st.last_used_bytes).toBeLessThan(100_000_000);
    // the next report: the new epoch, counted from 0 (k2s carries traffic again)
    await expect.poll(async () => Number((await ok(D)).at(-1)!.epoch), { timeout: 8_000, interval: 500 }).toBe(newEnd);
    const rep = (await ok(D)).at(-1)!;
    expect(Number(rep.cumulative)).toBeLessThan(100_000_000);
    node.setClockOffset(0);
  });
});

describe("item 5: K2_NODE_TRAFFIC_USED_GB seeds a node's first boot (no traffic.state yet)", () => {
  it("metering turned on with a seed: SEEDED, the count starts at the seed; a restart restores it and never re-seeds", async () => {
    expect((await run(F, "sudo docker exec k2-sidecar cat /etc/kaitu/traffic.state")).code).toBe(1);
    await run(F, "cd /apps/k2s && printf 'K2_NODE_BILLING_START_DATE=2026-01-01\\nK2_NODE_TRAFFIC_LIMIT_GB=1000\\nK2_NODE_TRAFFIC_USED_GB=250\\nK2_NODE_TRAFFIC_BILLING_MODE=sum\\n' >> .env");
    expect((await run(F, "cd /apps/k2s && docker compose up -d", 60_000)).code).toBe(0);
    let cur = await currentRun(F);
    expect(cur).toMatch(/level=INFO msg="Traffic baseline SEEDED from initialUsedGB \(first boot\)" component=traffic initialUsedGB=250 cycleStartRx=\d+ cycleStartTx=\d+\n/);
    const seeded = attrs(cur.split("\n").find((l) => l.includes("SEEDED"))!);
    const st = await readState(F);
    expect(st).toMatchObject({ prior_used_bytes: 250 * GIB, cycle_start_rx: Number(seeded.cycleStartRx), cycle_start_tx: Number(seeded.cycleStartTx) });
    const first = Number((await ok(F)).at(-1)!.cumulative);
    expect(first).toBeGreaterThanOrEqual(250 * GIB);
    expect(first - 250 * GIB).toBeLessThan(50_000_000);

    expect((await run(F, "cd /apps/k2s && docker compose restart k2-sidecar", 60_000)).code).toBe(0);
    cur = await currentRun(F);
    expect(cur).not.toContain("SEEDED");
    expect(cur).toMatch(new RegExp(`msg="Traffic cycle baseline restored from state" component=traffic cycleStartRx=${st.cycle_start_rx} cycleStartTx=${st.cycle_start_tx} priorUsedBytes=${250 * GIB}`));
    expect(Number((await ok(F)).at(-1)!.cumulative)).toBeGreaterThanOrEqual(first);
  });
});

describe("item 7: traffic.state is the running meter's, persisted once a (scaled) minute; set-usage rewrites it", () => {
  it("a running sidecar rewrites traffic.state as it counts", async () => {
    const a = await readState(G);
    await sleep(1_500); // the time scale is 60: a persist every second
    const b = await readState(G);
    expect(b.last_used_bytes).toBeGreaterThan(a.last_used_bytes);
    expect({ ...b, last_used_bytes: 0 }).toEqual({ ...a, last_used_bytes: 0 });
  });

  it("set-usage then a prompt restart: the restart loads the set usage", async () => {
    const r = await run(P, "sudo docker exec k2-sidecar k2-sidecar -c /tmp/sidecar-config.yaml set-usage 300 && cd /apps/k2s && sudo docker compose restart k2-sidecar", 60_000);
    expect(r.code).toBe(0);
    const set = attrs(r.err.split("\n").find((l) => l.includes('msg="Traffic usage set"'))!);
    expect(await currentRun(P)).toMatch(new RegExp(`msg="Traffic cycle baseline restored from state" component=traffic cycleStartRx=${set.cycleStartRx} cycleStartTx=${set.cycleStartTx} priorUsedBytes=${300 * GIB}\n`));
    const used = Number((await ok(P)).at(-1)!.cumulative);
    expect(used).toBeGreaterThanOrEqual(300 * GIB);
    expect(used - 300 * GIB).toBeLessThan(50_000_000);
  });

  it("set-usage without the restart: the running sidecar's next persist overwrites it, and a late restart loads the running count", async () => {
    const running = Number((await ok(G)).at(-1)!.cumulative);
    const before = await readState(G);
    const r = await run(G, "sudo docker exec k2-sidecar k2-sidecar -c /tmp/sidecar-config.yaml set-usage 700");
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/msg="Traffic usage set" component=traffic usedGB=700 /);
    await sleep(1_500); // a persist of the running meter (a scaled minute = 1 s)
    const st = await readState(G);
    expect(st).toMatchObject({ prior_used_bytes: 0, cycle_start_rx: before.cycle_start_rx, cycle_start_tx: before.cycle_start_tx });
    expect(st.last_used_bytes).toBeGreaterThan(running);
    expect((await run(G, "cd /apps/k2s && docker compose restart k2-sidecar", 60_000)).code).toBe(0);
    expect(await currentRun(G)).toContain(`cycleStartRx=${before.cycle_start_rx} cycleStartTx=${before.cycle_start_tx} priorUsedBytes=0`);
    const used = Number((await ok(G)).at(-1)!.cumulative);
    expect(used).toBeGreaterThan(running);
    expect(used).toBeLessThan(100 * GIB);
  });
});

describe("item 8: a paused k2s carries no traffic", () => {
  it("a cut node's count stands still while k2s is paused; a stopped k2s on a healthy node stops the count too", async () => {
    expect((await run(C, "docker inspect -f '{{.State.Paused}}' k2s")).out).toBe("true\n");
    const a = (await ok(C)).at(-1)!;
    const sa = await readState(C);
    await sleep(2_500); // 2.5 simulated minutes
    const later = (await ok(C)).filter((l) => Number(l.t) > Number(a.t));
    expect(later.length).toBeGreaterThanOrEqual(2);
    expect(new Set(later.map((l) => l.cumulative))).toEqual(new Set([a.cumulative]));
    expect((await readState(C)).last_used_bytes).toBe(sa.last_used_bytes);

    expect((await run(A, "docker stop k2s")).code).toBe(0);
    const stopped = Date.now();
    await sleep(2_500);
    const idle = (await ok(A)).filter((l) => Number(l.t) > stopped);
    expect(idle.length).toBeGreaterThanOrEqual(2);
    expect(new Set(idle.map((l) => l.cumulative)).size).toBe(1);
    expect((await run(A, "docker start k2s")).code).toBe(0);
    await sleep(2_500);
    expect(Number((await ok(A)).at(-1)!.cumulative)).toBeGreaterThan(Number(idle[0].cumulative) + rates(A).rx * 500);
  });
});

describe("item 9: the usage reporter — one POST per line, Go's error texts", () => {
  it("cycles nobody looked at: a bounded catch-up where every line is its own POST (seq, ts, cumulative)", async () => {
    fake.mode = "ok";
    const n0 = (await ok(R)).length;
    const p0 = fake.posts.length;
    await sleep(5_000); // five report intervals (time scale 60), nothing touching the node
    const fresh = (await ok(R)).slice(n0);
    const posts = fake.posts.slice(p0);
    expect(fresh.length).toBeGreaterThanOrEqual(2);
    expect(fresh.length).toBeLessThanOrEqual(3);
    expect(posts.length).toBe(fresh.length);
    const auth = `Basic ${Buffer.from(`${R}:${secretOf(R)}`).toString("base64")}`;
    fresh.forEach((l, i) => {
      const b = posts[i].body;
      expect(posts[i].auth).toBe(auth);
      expect(b.cumulative_bytes).toBe(Number(l.cumulative));
      expect(b.epoch_id).toBe(Number(l.epoch));
      expect(b.quota_total_bytes).toBe(Number(l.quotaTotal));
      expect(Math.abs(b.ts - Math.floor(Number(l.t) / 1000))).toBeLessThanOrEqual(1);
      if (i > 0) {
        expect(b.seq).toBe(posts[i - 1].body.seq + 1);
        expect(Number(l.t) - Number(fresh[i - 1].t)).toBeGreaterThanOrEqual(990); // a cycle each (60 s scaled)
        expect(Number(l.cumulative)).toBeGreaterThan(Number(fresh[i - 1].cumulative));
      }
    });
  });

  it("Center's refusals as Go words them: code/message, HTTP status, a closed connection, a closed port; the retry follows the 30 s backoff", async () => {
    const lastFail = async () => (await lines(R, "DIAG: usage-reporter-cycle-fail")).at(-1)?.err;
    fake.mode = "code";
    await expect.poll(lastFail, { timeout: 6_000, interval: 300 }).toBe("center usage failed: code=40001 message=node quota record locked");
    fake.mode = "503";
    await expect.poll(lastFail, { timeout: 6_000, interval: 300 }).toBe("center HTTP 503");
    fake.mode = "eof";
    await expect.poll(lastFail, { timeout: 6_000, interval: 300 }).toBe(`POST center: Post "${fake.url}/slave/usage": EOF`);
    const port = fake.port;
    await fake.close();
    await expect.poll(lastFail, { timeout: 6_000, interval: 300 }).toBe(`POST center: Post "http://127.0.0.1:${port}/slave/usage": dial tcp 127.0.0.1:${port}: connect: connection refused`);
    const fails = await lines(R, "DIAG: usage-reporter-cycle-fail");
    expect(fails.at(-1)).toMatchObject({ level: "WARN", component: "usage", limit: String(1000 * GIB) });
    expect(Object.keys(fails.at(-1)!).slice(0, 7)).toEqual(["time", "level", "msg", "component", "used", "limit", "err"]);
    for (let i = 1; i < fails.length; i++) expect(Number(fails[i].t) - Number(fails[i - 1].t)).toBeGreaterThanOrEqual(490); // 30 s / 60
    // Center back: the next cycle succeeds with a count beyond the failed ones
    fake.mode = "ok";
    await fake.listen(port);
    const p0 = fake.posts.length;
    await expect.poll(async () => (await run(R, "docker logs k2-sidecar 2>&1 | grep usage-reporter- | tail -n 1")).out, { timeout: 6_000, interval: 300 }).toMatch(/usage-reporter-cycle-ok/);
    expect(fake.posts.length).toBeGreaterThan(p0);
    expect(Number((await ok(R)).at(-1)!.cumulative)).toBeGreaterThan(Number(fails.at(-1)!.used));
  });
});

describe("item 10: the enforcer acts on k2s only, and cutoff.state always says what it did", () => {
  it("raising a cut node's limit: the enforcer unpauses k2s and writes cut:false; metering off later leaves cutoff.state in place", async () => {
    expect(await cutoffState(C)).toBe('{"epoch_id":0,"cut":true}');
    await setEnv(C, "K2_NODE_TRAFFIC_LIMIT_GB", "2000");
    // a cut node's k2s is paused: plain `up -d` would try to start it and fail (Compose); the sidecar alone applies the limit (metering.md Part E)
    expect((await run(C, "cd /apps/k2s && docker compose up -d k2-sidecar", 60_000)).code).toBe(0);
    await expect.poll(async () => (await run(C, "docker inspect -f '{{.State.Paused}} {{.State.Status}}' k2s")).out, { timeout: 5_000, interval: 300 }).toBe("false running\n");
    expect(await cutoffState(C)).toBe('{"epoch_id":0,"cut":false}');
    const cur = await currentRun(C);
    expect(cur).toMatch(/level=INFO msg="DIAG: cutoff-unpaused" component=cutoff container=k2s\n/);
    expect(cur).not.toContain("cutoff-paused");

    await setEnv(C, "K2_NODE_BILLING_START_DATE", null);
    // a cut node's k2s is paused: plain `up -d` would try to start it and fail (Compose); the sidecar alone applies the limit (metering.md Part E)
    expect((await run(C, "cd /apps/k2s && docker compose up -d k2-sidecar", 60_000)).code).toBe(0);
    expect(await currentRun(C)).toContain('msg="Metering disabled: no billing date (K2_NODE_BILLING_START_DATE) — node runs uncapped"');
    expect(await cutoffState(C)).toBe('{"epoch_id":0,"cut":false}');
  });

  it("a legacy node over its limit: cut:true is recorded but k2-slave is never paused (the enforcer's only container is k2s)", async () => {
    expect((await run(L, "cd /apps/kaitu-slave && sed -i 's/^K2_NODE_TRAFFIC_LIMIT_GB=.*/K2_NODE_TRAFFIC_LIMIT_GB=10/' .env && docker compose up -d k2-sidecar", 60_000)).code).toBe(0);
    await expect.poll(() => cutoffState(L), { timeout: 5_000, interval: 300 }).toBe('{"epoch_id":0,"cut":true}');
    await sleep(600);
    expect((await run(L, "docker inspect -f '{{.State.Paused}}' k2-slave")).out).toBe("false\n");
    expect((await run(L, "docker logs k2-sidecar 2>&1")).out).not.toMatch(/cutoff-(paused|pause-fail)/);
    const u = (await ok(L)).at(-1)!;
    expect(Number(u.cumulative)).toBeGreaterThanOrEqual(10 * GIB - RESERVE);
  });
});
