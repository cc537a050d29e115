// Center's cloud side (center-api §6): accounts, instance rows and their provider traffic, the
// cloud sync job, and the deferred cloud tasks (create, delete, change-ip) run at 02:00 Shanghai.
import { randomBytes, randomUUID } from "node:crypto";
import { BANDWAGON_PLANS, PLANS, lightsailRegionOf, type CloudAccountCfg, type SimProvider } from "./seed";
import { monthStartUtc, nextMonthStartUtc, trafficBytes } from "../lightsail/traffic";
import { GiB, TiB, type CenterCore } from "./core";
import type { CenterDomain } from "./domain";
import type { CreateInstanceRequest } from "./options";
import type { SimInstance, SimTask, SimTaskResult } from "./types";

/** next 02:00 Asia/Shanghai (= 18:00 UTC) strictly after `sec` */
export function next0200Shanghai(sec: number): number {
  const d = new Date(sec * 1000);
  let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 18, 0, 0) / 1000;
  if (t <= sec) t += 86_400;
  return t;
}

export function centerCloud(core: CenterCore, dom: CenterDomain, d: { deferredMode: "scheduled" | "immediate" | "manual" }) {
  const { state, hooks, now, nextId, touch, log } = core;
  const { nodeByIp } = dom;
  const { deferredMode } = d;

  function accountsAll(): CloudAccountCfg[] {
    return [{ name: "ssh_standalone", provider: "ssh_standalone", region: "" }, ...state.accounts];
  }
  const accountByName = (n: string) => state.accounts.find((a) => a.name === n);

  function planTransferBytes(provider: SimProvider, plan: string): number {
    if (provider === "bandwagon") return (BANDWAGON_PLANS[plan]?.transferGb ?? 1000) * GiB;
    const p = PLANS[provider]?.find((x) => x.id === plan);
    return (p?.transferGb ?? 1024) * GiB;
  }

  function isPrivateLineInstance(inst: SimInstance) {
    return state.subs.some((s) => s.cloudInstanceId === inst.id && ["pending", "provisioning", "active", "grace", "suspended"].includes(s.status));
  }

  /** bytes in one direction over [a, b): the linked node's host NIC (hook), else the synthetic profile */
  function providerBytes(inst: SimInstance, direction: "in" | "out", a: number, b: number): number {
    const linked = hooks.providerTraffic?.(inst.ip_address, Math.max(a, inst.createdAt), b);
    if (linked) return Math.round(direction === "in" ? linked.inBytes : linked.outBytes);
    return trafficBytes(inst.name, direction, a, b, inst.createdAt);
  }

  function refreshTraffic(inst: SimInstance) {
    const t = now();
    if (isPrivateLineInstance(inst)) {
      inst.last_synced_at = t;
      return;
    }
    switch (inst.provider) {
      case "aws_lightsail": {
        const from = monthStartUtc(t);
        inst.trafficUsedBytes = providerBytes(inst, "in", from, t) + providerBytes(inst, "out", from, t);
        inst.trafficTotalBytes = planTransferBytes("aws_lightsail", inst.plan);
        inst.traffic_reset_at = nextMonthStartUtc(t);
        inst.expires_at = 0;
        break;
      }
      case "bandwagon": {
        // plan resets monthly on the instance's own day (creation day), counter = max-ish total
        const day = new Date(inst.createdAt * 1000).getUTCDate();
        const d = new Date(t * 1000);
        let reset = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), Math.min(day, 28)) / 1000;
        if (reset <= t) reset = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, Math.min(day, 28)) / 1000;
        const start = Date.UTC(new Date(reset * 1000).getUTCFullYear(), new Date(reset * 1000).getUTCMonth() - 1, Math.min(day, 28)) / 1000;
        inst.trafficUsedBytes = Math.min(
          providerBytes(inst, "in", start, t) + providerBytes(inst, "out", start, t),
          planTransferBytes("bandwagon", inst.plan),
        );
        inst.trafficTotalBytes = planTransferBytes("bandwagon", inst.plan);
        inst.traffic_reset_at = reset;
        inst.expires_at = 0;
        break;
      }
      case "alibaba_swas":
      case "aliyun_swas": {
        const from = monthStartUtc(t);
        inst.trafficUsedBytes = providerBytes(inst, "out", from, t);
        inst.trafficTotalBytes = planTransferBytes(inst.provider, inst.plan);
        inst.traffic_reset_at = 0;
        if (!inst.expires_at || inst.expires_at < t) inst.expires_at = t + 20 * 86_400;
        break;
      }
      case "tencent_lighthouse":
      case "qcloud_lighthouse": {
        const from = monthStartUtc(t);
        inst.trafficUsedBytes = providerBytes(inst, "out", from, t);
        inst.trafficTotalBytes = planTransferBytes(inst.provider, inst.plan);
        inst.traffic_reset_at = nextMonthStartUtc(t);
        if (!inst.expires_at || inst.expires_at < t) inst.expires_at = t + 12 * 86_400;
        break;
      }
      case "ssh_standalone": {
        // vnstat RX + TX of the calendar month on the host NIC (the linked node's), else the node's own reports
        const linked = hooks.providerTraffic?.(inst.ip_address, monthStartUtc(t), t);
        const u = state.usages[inst.ip_address];
        inst.trafficUsedBytes = linked ? Math.round(linked.inBytes + linked.outBytes) : (u?.usedBytes ?? 0);
        inst.trafficTotalBytes = state.standaloneTotals[inst.ip_address] ?? 2 * TiB;
        inst.traffic_reset_at = monthStartUtc(t);
        inst.expires_at = 0;
        break;
      }
    }
    inst.last_synced_at = t;
    inst.sync_error = "";
  }

  /** The cloud sync job: ssh_standalone synthesis + refresh of every configured account. */
  function syncCloud(account?: string) {
    const t = now();
    if (!account) {
      const withRow = new Set(state.instances.filter((i) => !i.deletedAt && i.provider !== "ssh_standalone").map((i) => i.ip_address));
      const liveIps = new Set(state.nodes.map((n) => n.ipv4));
      for (const n of state.nodes) {
        if (withRow.has(n.ipv4)) continue;
        let row = state.instances.find((i) => i.provider === "ssh_standalone" && i.instance_id === n.ipv4);
        if (!row) {
          row = blankInstance("ssh_standalone", "ssh_standalone", n.ipv4, n.name, n.ipv4, n.region, "", "");
          state.instances.push(row);
        }
        row.deletedAt = 0;
        row.name = n.name;
        row.region = n.region;
      }
      for (const i of state.instances) {
        if (i.provider === "ssh_standalone" && !i.deletedAt && (!liveIps.has(i.ip_address) || withRow.has(i.ip_address))) i.deletedAt = t;
      }
    }
    for (const i of state.instances) {
      if (i.deletedAt) continue;
      if (account && i.account_name !== account) continue;
      refreshTraffic(i);
    }
    touch();
  }

  function blankInstance(provider: SimProvider, account: string, instanceId: string, name: string, ip: string, region: string, plan: string, image: string): SimInstance {
    const t = now();
    return {
      id: nextId("instance"),
      provider,
      account_name: account,
      instance_id: instanceId,
      name,
      ip_address: ip,
      ipv6_address: "",
      region,
      plan,
      image_id: image,
      createdAt: t,
      trafficUsedBytes: 0,
      trafficTotalBytes: 0,
      traffic_reset_at: 0,
      expires_at: 0,
      last_synced_at: 0,
      sync_error: "",
      deletedAt: 0,
      state: "running",
    };
  }

  let ipCounter = 0;
  function allocateIp(): string {
    for (;;) {
      ipCounter++;
      const ip = `198.51.100.${(ipCounter % 250) + 2}`;
      if (!state.instances.some((i) => !i.deletedAt && i.ip_address === ip) && !nodeByIp(ip)) return ip;
      if (ipCounter > 10_000) throw new Error("IP pool exhausted");
    }
  }

  function instanceDto(i: SimInstance) {
    const t = now();
    const total = i.trafficTotalBytes;
    const ratio = total > 0 ? Math.min(1, Math.max(0, i.trafficUsedBytes / total)) : 0;
    const end = i.traffic_reset_at || i.expires_at;
    const window = 30 * 86_400;
    const timeRatio = end ? Math.min(1, Math.max(0, (t - (end - window)) / window)) : 0;
    const node = nodeByIp(i.ip_address);
    const dto: Record<string, unknown> = {
      id: i.id,
      provider: i.provider,
      account_name: i.account_name,
      instance_id: i.instance_id,
      name: i.name,
      ip_address: i.ip_address,
    };
    if (i.ipv6_address) dto.ipv6_address = i.ipv6_address;
    Object.assign(dto, {
      region: i.region,
      traffic_used_gb: i.trafficUsedBytes / GiB,
      traffic_total_gb: total / GiB,
      traffic_ratio: ratio,
      traffic_reset_at: i.traffic_reset_at,
      expires_at: i.expires_at,
      time_ratio: timeRatio,
      last_synced_at: i.last_synced_at,
    });
    if (i.sync_error) dto.sync_error = i.sync_error;
    if (node) dto.node_name = node.name;
    return dto;
  }

  function enqueue(kind: SimTask["kind"], body: Record<string, unknown>, instanceId?: number): string {
    const task: SimTask = { task_id: randomUUID(), kind, enqueuedAt: now(), runAt: next0200Shanghai(now()), body, instanceId };
    state.tasks.push(task);
    touch();
    if (deferredMode === "immediate") setImmediate(() => void runTask(task.task_id));
    return task.task_id;
  }

  const running = new Set<string>();
  async function runTask(taskId: string): Promise<SimTaskResult | null> {
    const task = state.tasks.find((x) => x.task_id === taskId);
    if (!task || running.has(taskId)) return null;
    running.add(taskId);
    let res: SimTaskResult;
    try {
      res = await executeTask(task);
    } catch (e) {
      res = { task_id: task.task_id, kind: task.kind, at: now(), ok: false, error: e instanceof Error ? e.message : String(e) };
    } finally {
      running.delete(taskId);
    }
    state.tasks = state.tasks.filter((x) => x.task_id !== taskId);
    state.taskLog.push(res);
    if (!res.ok) state.slack.push(`cloud task ${task.kind} failed: ${res.error}`);
    log(`cloud task ${task.kind} ${res.ok ? "done" : "failed"}${res.error ? `: ${res.error}` : ""}`);
    touch();
    return res;
  }

  async function executeTask(task: SimTask): Promise<SimTaskResult> {
    const base = { task_id: task.task_id, kind: task.kind, at: now() };
    if (task.kind === "create") {
      const b = task.body as { account_name: string; region: string; plan: string; image_id: string; name: string };
      const acct = accountByName(b.account_name);
      if (!acct) return { ...base, ok: false, error: "account not found" };
      const req: CreateInstanceRequest = { taskId: task.task_id, accountName: acct.name, provider: acct.provider, region: b.region, plan: b.plan, imageId: b.image_id, name: b.name };
      const got = hooks.onCreateInstance ? await hooks.onCreateInstance(req) : { ipv4: allocateIp() };
      const region = acct.provider === "aws_lightsail" ? lightsailRegionOf(b.region) : b.region;
      const instanceId = acct.provider === "aws_lightsail" ? b.name : `${acct.provider === "bandwagon" ? "veid-" : "ins-"}${randomBytes(5).toString("hex")}`;
      const inst = blankInstance(acct.provider, acct.name, instanceId, b.name, got.ipv4, region, b.plan, b.image_id);
      if ("ipv6" in got && got.ipv6) inst.ipv6_address = got.ipv6;
      state.instances.push(inst);
      refreshTraffic(inst);
      return { ...base, at: now(), ok: true, ipv4: got.ipv4, instanceId: inst.id };
    }
    const inst = state.instances.find((i) => i.id === task.instanceId);
    if (!inst || inst.deletedAt) return { ...base, ok: false, error: "instance not found" };
    const ref = { provider: inst.provider, instanceId: inst.instance_id, name: inst.name };
    if (task.kind === "delete") {
      if (hooks.onDeleteInstance) await hooks.onDeleteInstance(inst.ip_address, ref);
      inst.deletedAt = now();
      inst.state = "stopped";
      return { ...base, at: now(), ok: true, instanceId: inst.id, ipv4: inst.ip_address };
    }
    // change_ip
    const targetRegion = typeof task.body.target_region === "string" ? task.body.target_region : undefined;
    if (inst.provider === "bandwagon" && !targetRegion) return { ...base, ok: false, error: "bandwagon change-ip requires target_region" };
    if (inst.provider !== "aws_lightsail" && inst.provider !== "bandwagon") return { ...base, ok: false, error: `change ip not supported by ${inst.provider}` };
    const old = inst.ip_address;
    const got = hooks.onChangeIp ? await hooks.onChangeIp(old, { ...ref, targetRegion }) : { ipv4: allocateIp() };
    inst.ip_address = got.ipv4;
    if (inst.provider === "bandwagon" && targetRegion) inst.region = targetRegion;
    return { ...base, at: now(), ok: true, instanceId: inst.id, ipv4: got.ipv4 };
  }

  /** Runs every pending deferred cloud task now (what 02:00 Asia/Shanghai does in production). */
  async function runDeferredTasks(filter?: (t: SimTask) => boolean): Promise<SimTaskResult[]> {
    const due = state.tasks.filter((t) => !filter || filter(t)).map((t) => t.task_id);
    const out: SimTaskResult[] = [];
    for (const id of due) {
      const r = await runTask(id);
      if (r) out.push(r);
    }
    return out;
  }

  return { accountsAll, accountByName, isPrivateLineInstance, refreshTraffic, syncCloud, blankInstance, allocateIp, instanceDto, enqueue, runDeferredTasks };
}

export type CenterCloud = ReturnType<typeof centerCloud>;
