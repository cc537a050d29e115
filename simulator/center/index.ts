import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { DEFAULT_FLEET, SEED_USERS, lightsailRegionOf, seedAccessKey, type SeedRole, type SimProvider } from "./seed";
import { slaveRoutes } from "./slave";
import { lightsailAddresses } from "./provider";
import type { CenterCore } from "./core";
import type { CenterSimHooks, CenterSimOptions } from "./options";
import { centerDomain } from "./domain";
import { centerCloud } from "./cloud";
import { centerViews } from "./views";
import { adminRoutes } from "./admin-routes";
import { supportRoutes } from "./support-routes";
import { centerSeeding, emptyState } from "./seeding";
import { routeTable, serveCenter } from "./server";
import type { CenterSimState, RegisterBody, SimUser } from "./types";

export { DEFAULT_FLEET, DEFAULT_DECOMMISSIONED, fleetNodeSecret, seedAccessKey, defaultDomain } from "./seed";
export type { FleetNodeSpec, DecommissionedSpec, SeedRole, SimProvider, CloudAccountCfg } from "./seed";
export type * from "./types";
export { calculateNodeLoad, calculateServerLoad } from "./loads";
export type { CreateInstanceRequest, CenterSimHooks, ProvisionSeed, CenterSimOptions } from "./options";
export { next0200Shanghai } from "./cloud";
export { usageFlags } from "./views";

// In-memory simulator of Kaitu Center (center-api.md, §12 checklist). One
// node:http server on 127.0.0.1 serves /app (X-Access-Key), /slave (Basic
// ipv4:secret), /healthy, /version and the public log bucket under /s3/.
// Modules: types.ts (state), common.ts (envelope, JSON binding), certs.ts,
// loads.ts (status rows and load scores), slave.ts (the node-facing /slave/* API),
// options.ts (options and hooks), core.ts (what the areas share), domain.ts
// (registration, private subscriptions, node operations, sweeps), cloud.ts
// (accounts, instances, deferred cloud tasks), views.ts (paging, DTOs),
// admin-routes.ts and support-routes.ts (the /app admin routes), seeding.ts
// (a fresh state), server.ts (routing, auth, the HTTP server);
// this file wires them together and holds the simulator's control surface.

export type CenterSim = Awaited<ReturnType<typeof startCenterSim>>;

// ---- the simulator -----------------------------------------------------------------

export async function startCenterSim(opts: CenterSimOptions = {}) {
  const seed = opts.seed ?? "k2ops-sim";
  const log = opts.log ?? (() => {});
  const deferredMode = opts.deferred ?? "scheduled";
  const usageInterval = opts.usageReportIntervalSec ?? 60;
  let usageFault: number | null = null;
  // every /app and /admin request (the console's side) answers with this status until cleared
  let appFault: number | null = null;
  // the next answers on matching paths are lost AFTER the handler ran (a proxy timing out on a write that happened)
  const lostAnswers: { path: RegExp; status: number; left: number }[] = [];
  const provisionTimeoutSec = opts.provisionTimeoutSec ?? 1800;
  const realCerts = opts.realCerts ?? true;
  const hooks: CenterSimHooks = {
    onCreateInstance: opts.onCreateInstance,
    onRebootInstance: opts.onRebootInstance,
    onDeleteInstance: opts.onDeleteInstance,
    onStopInstance: opts.onStopInstance,
    onChangeIp: opts.onChangeIp,
    onReserveAddress: opts.onReserveAddress,
    onTrafficConfig: opts.onTrafficConfig,
    providerTraffic: opts.providerTraffic,
  };
  const fleet = opts.fleet ?? DEFAULT_FLEET;
  const accessKeys: Record<SeedRole, string> = Object.fromEntries(
    SEED_USERS.map((u) => [u.role, opts.accessKeys?.[u.role] ?? seedAccessKey(u.role, seed)]),
  ) as Record<SeedRole, string>;

  let state: CenterSimState;
  const loaded = opts.snapshotPath && fs.existsSync(opts.snapshotPath);
  if (loaded) {
    state = JSON.parse(fs.readFileSync(opts.snapshotPath!, "utf8")) as CenterSimState;
    state.loadRows ??= []; // a snapshot from before status rows were kept
  } else {
    state = emptyState();
  }

  const nowMs = () => Date.now() + state.clockOffsetMs;
  const now = () => Math.floor(nowMs() / 1000);
  const nextId = (k: string) => (state.seq[k] = (state.seq[k] ?? 0) + 1);

  let selfUrl = "";
  let dirty = false;
  let saveTimer: NodeJS.Timeout | null = null;
  function touch() {
    dirty = true;
    if (!opts.snapshotPath || saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = null;
      saveSnapshot();
    }, 200);
  }
  function saveSnapshot() {
    if (!opts.snapshotPath || !dirty) return;
    fs.mkdirSync(path.dirname(opts.snapshotPath), { recursive: true });
    const tmp = `${opts.snapshotPath}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state));
    fs.renameSync(tmp, opts.snapshotPath);
    dirty = false;
  }
  function audit(user: SimUser | undefined, action: string, targetType: string, targetId: string, detail: unknown = {}) {
    state.audit.push({ at: now(), actorId: user?.id ?? 0, action, targetType, targetId, detail: JSON.stringify(detail) });
  }

  const core: CenterCore = { opts, state, hooks, now, nextId, touch, log, audit };

  // ---- domain logic (domain.ts), cloud (cloud.ts), DTOs (views.ts) ----

  const dom = centerDomain(core, { realCerts, provisionTimeoutSec });
  const { nodeByIp, registerNode, hardDeleteNode, isServiceable, createProvisionRequest, sweepProvisionTimeouts, runLifecycleSweep } = dom;
  const cloud = centerCloud(core, dom, { deferredMode });
  const { isPrivateLineInstance, accountByName, blankInstance, refreshTraffic, allocateIp, syncCloud, runDeferredTasks } = cloud;
  const views = centerViews(core, dom);

  // ---- routes (server.ts, admin-routes.ts, support-routes.ts) ----

  const { routes, route } = routeTable();
  adminRoutes(route, { core, dom, cloud, views, selfUrl: () => selfUrl });
  supportRoutes(route, { core, dom, views });

  // §8 slave API (slave.ts)
  slaveRoutes(route, {
    state,
    now,
    nextId,
    touch,
    log,
    nodeByIp,
    registerNode,
    hardDeleteNode,
    isServiceable,
    isPrivateLineInstance,
    realCerts,
    usageInterval,
    usageFault: () => usageFault,
  });

  // ---- seed (seeding.ts) ----

  const { seedState, registerFleetNode } = centerSeeding(core, dom, cloud, { fleet, seed, accessKeys });
  if (!loaded) seedState();

  // ---- server (server.ts) ----

  const { server, port } = await serveCenter({ routes, state, nodeByIp, log, appFault: () => appFault, lostAnswers, port: opts.port, host: opts.host });
  selfUrl = `http://${opts.host ?? "127.0.0.1"}:${port}`;

  const timers: NodeJS.Timeout[] = [];
  const sweepMs = opts.sweepIntervalMs ?? 600_000;
  if (sweepMs > 0) timers.push(setInterval(() => sweepProvisionTimeouts(), sweepMs));
  if (sweepMs > 0) {
    // daily lifecycle cron at 19:00 UTC (03:00 Beijing), by the simulated clock
    let lastLifecycle = now();
    timers.push(
      setInterval(() => {
        const t = now();
        const d = new Date(t * 1000);
        let slot = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 19) / 1000;
        if (slot > t) slot -= 86_400;
        if (lastLifecycle < slot) {
          lastLifecycle = t;
          runLifecycleSweep();
        }
      }, Math.min(sweepMs, 15_000)),
    );
  }
  const syncMs = opts.cloudSyncIntervalMs ?? 1_800_000;
  if (syncMs > 0) timers.push(setInterval(() => syncCloud(), syncMs));
  if (deferredMode === "scheduled") {
    timers.push(
      setInterval(() => {
        const t = now();
        void runDeferredTasks((x) => x.runAt <= t);
      }, 15_000),
    );
  }
  for (const tm of timers) tm.unref();

  let closed = false;
  const sim = {
    url: selfUrl,
    port,
    /** public log bucket base URL (GET <logBucketUrl>/<s3Key>) */
    logBucketUrl: `${selfUrl}/s3`,
    accessKeys,
    fleet,
    get state() {
      return state;
    },
    /** simulated clock, unix seconds */
    now,
    /** moves the simulated clock forward (timeouts, lease, usage offline windows) */
    advanceTime(seconds: number) {
      state.clockOffsetMs += seconds * 1000;
      touch();
    },
    runDeferredTasks,
    /** runs only the tasks whose 02:00 Asia/Shanghai has come (by the simulated clock); the scheduled mode does this every 15 s */
    runDueTasks: () => runDeferredTasks((x) => x.runAt <= now()),
    pendingTasks: () => [...state.tasks],
    sweepProvisionTimeouts,
    runLifecycleSweep,
    syncCloud,
    createProvisionRequest,
    /** registers a node exactly like PUT /slave/nodes/:ipv4 (TOFU applies) */
    registerNode: (ipv4: string, body: RegisterBody) => registerNode(ipv4, body),
    registerFleetNode,
    /** reboot through the hook (used by a linked Lightsail simulator) */
    async rebootInstance(ipv4: string) {
      if (hooks.onRebootInstance) await hooks.onRebootInstance(ipv4);
    },
    /**
     * Adds a cloud instance for a node (tests and demos whose nodes are not in `fleet`): the
     * provider, its account, plan and creation time; refreshed at once. Returns Center's id.
     */
    addCloudInstance(i: { provider: SimProvider; account: string; ipv4: string; name: string; plan: string; region?: string; createdAt?: number }): number {
      const region = i.region ?? (i.provider === "aws_lightsail" ? accountByName(i.account)?.region || "ap-northeast-1" : "");
      const instanceId = i.provider === "aws_lightsail" ? i.name : `${i.provider === "bandwagon" ? "veid-" : "ins-"}${createHash("sha256").update(i.ipv4).digest("hex").slice(0, 10)}`;
      const inst = blankInstance(i.provider, i.account, instanceId, i.name, i.ipv4, region, i.plan, "ubuntu_22_04");
      if (i.createdAt !== undefined) inst.createdAt = i.createdAt;
      state.instances.push(inst);
      refreshTraffic(inst);
      touch();
      return inst.id;
    },
    /**
     * A Lightsail instance created at the provider itself (the Lightsail simulator's
     * CreateInstances): a fresh machine comes up through `onCreateInstance` (the node
     * simulator: sshd on 22, nothing deployed) and the instance joins the provider's
     * inventory, under the aws_lightsail account that covers its region (the one Center's
     * sync lists it under). Returns its address; throws when the hook does.
     */
    async createLightsailInstance(req: { name: string; availabilityZone: string; bundleId: string; blueprintId: string }): Promise<{ ipv4: string; ipv6?: string; account: string }> {
      const region = lightsailRegionOf(req.availabilityZone);
      const acct = state.accounts.find((a) => a.provider === "aws_lightsail" && a.region === region) ?? state.accounts.find((a) => a.provider === "aws_lightsail" && !a.region);
      if (!acct) throw new Error(`no aws_lightsail account covers ${region}`);
      const got = hooks.onCreateInstance
        ? await hooks.onCreateInstance({ taskId: `lightsail:${req.name}`, accountName: acct.name, provider: "aws_lightsail", region: req.availabilityZone, plan: req.bundleId, imageId: req.blueprintId, name: req.name })
        : { ipv4: allocateIp() };
      const inst = blankInstance("aws_lightsail", acct.name, req.name, req.name, got.ipv4, region, req.bundleId, req.blueprintId);
      if (got.ipv6) inst.ipv6_address = got.ipv6;
      state.instances.push(inst);
      refreshTraffic(inst);
      touch();
      log(`lightsail created ${req.name} (${got.ipv4}) under ${acct.name}`);
      return { ...got, account: acct.name };
    },
    /**
     * A Lightsail instance stopped or deleted at the provider itself (the Lightsail simulator's
     * StopInstance / DeleteInstance): its machine goes away (`onStopInstance`, else
     * `onDeleteInstance`; the node simulator stops or removes it), and the instance is stopped, or
     * gone from the provider's inventory (Center's next sync drops it). False: no such instance.
     */
    async providerInstanceAction(name: string, action: "stop" | "delete"): Promise<boolean> {
      const inst = state.instances.find((i) => i.provider === "aws_lightsail" && i.instance_id === name && !i.deletedAt);
      if (!inst) return false;
      const ref = { provider: inst.provider, instanceId: inst.instance_id, name: inst.name };
      if (action === "stop") {
        if (hooks.onStopInstance) await hooks.onStopInstance(inst.ip_address, ref);
        inst.state = "stopped";
      } else {
        if (hooks.onDeleteInstance) await hooks.onDeleteInstance(inst.ip_address, ref);
        inst.deletedAt = now();
        inst.state = "stopped";
      }
      touch();
      log(`lightsail ${action} ${name} (${inst.ip_address})`);
      return true;
    },
    ...lightsailAddresses({ state: () => state, hooks, allocateIp, touch, log }),
    /** The provider's traffic of the instance at `ipv4` over [fromSec, toSec) (the Lightsail simulator's metric data); null: not linked. */
    providerTrafficOf(ipv4: string, fromSec: number, toSec: number): { inBytes: number; outBytes: number } | null {
      return hooks.providerTraffic?.(ipv4, fromSec, toSec) ?? null;
    },
    /** aws_lightsail instances as the provider sees them (feeds the Lightsail simulator) */
    lightsailInventory() {
      return state.instances
        .filter((i) => i.provider === "aws_lightsail" && !i.deletedAt)
        .map((i) => ({ name: i.name, ipv4: i.ip_address, ipv6: i.ipv6_address, region: i.region, bundleId: i.plan, blueprintId: i.image_id || "ubuntu_22_04", createdAt: i.createdAt, state: i.state }));
    },
    /** POST /slave/usage answers with this HTTP status until cleared (null) */
    setUsageFault(status: number | null) {
      usageFault = status;
    },
    /** the console's API (/app, /admin) answers with this HTTP status until cleared (null): a Center outage */
    setAppFault(status: number | null) {
      appFault = status;
    },
    /** the next `times` requests matching "METHOD /path" (regex) are handled, then answered with `status` instead: the write happened, its answer is lost */
    loseAnswers(path: RegExp, status = 504, times = 1) {
      lostAnswers.push({ path, status, left: times });
    },
    /** replaces hooks at run time (the node simulator may start after Center) */
    setHooks(h: CenterSimHooks) {
      Object.assign(hooks, h);
    },
    saveSnapshot() {
      dirty = true;
      saveSnapshot();
    },
    describe() {
      const lines = [`Center simulator on ${selfUrl} (deferred cloud tasks: ${deferredMode})`, "access keys (X-Access-Key):"];
      for (const u of SEED_USERS) lines.push(`  ${u.role.padEnd(9)} ${accessKeys[u.role]}  (${u.email}${u.isAdmin ? ", super-admin" : `, roles ${u.roles}`}${u.blocked ? ", blocked" : ""})`);
      lines.push(`fleet: ${fleet.length} live nodes (${opts.registerFleet ? "pre-registered" : "register themselves"}), ${state.nodes.length} node rows, ${state.ops.filter((o) => o.status === "queued").length} queued operations`);
      return lines.join("\n");
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const tm of timers) clearInterval(tm);
      if (saveTimer) clearTimeout(saveTimer);
      saveSnapshot();
      const done = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
      await done;
    },
  };
  return sim;
}
