import { setTimeout as wait } from "node:timers/promises";
import type { CenterClient } from "@/lib/center/client";
import type { AdminNodeItem, CloudInstance } from "@/lib/center/schemas";
import { db } from "@/lib/db";
import { ActionFailure } from "@/lib/errors";
import { lightsailTargetOf, type LightsailWrapper } from "@/lib/lightsail/client";
import { check } from "@/lib/node-ops/ops";
import { redactText } from "@/lib/redact";
import { msg, type Text } from "@/lib/text";
import type { SshEngine } from "@/lib/ssh/engine";
import { HostKeyChangedError, HostKeyNewTypeError } from "@/lib/ssh/host-keys";
import { PrismaHostKeyStore } from "@/lib/ssh/host-keys-prisma";
import { heldRun } from "./claim";
import { findWorkItem } from "./index";
import { PROVIDER_STATE_PHRASES, type ProviderStateCode } from "./lifecycle";
import { checklistUntilPass } from "./node-steps";
import { phraseOf, type NoValues, type Phrase, type PhraseBook } from "@/lib/phrase";

// change_ip work items (issue #14; center-api.md §5.1, §6.6): a private node's
// public IPv4 changes. Center's own change-ip waits for its next 02:00 run, so
// k2ops does what Center's Lightsail code does, at once, with its own client: a
// new static IP is allocated, the instance's current static IP detached (its
// name kept for the release), the new one attached, and the old one released
// (an unattached static IP is billed). Each move is looked up before it is
// made, so a console killed anywhere resumes without a second allocation.
//
// Then the node must register again from its new address: the sidecar only
// detects its IPv4 at start, so k2ops restarts it (`docker compose restart
// k2-sidecar`: the .env is unchanged; its graceful stop unregisters the old
// address) over SSH at the new address, checked against the host keys pinned
// for the old one (carried over: the same machine). The checklist then runs at
// the new address, and the item is reported `done` with {oldIp, newIp}.
//
// Center's ownership rule (§8.2, reconcilePrivateIdentity): a re-registering
// private node whose one-time claim is spent is re-bound to its subscription by
// the subscription's bound IPv4 only. That is the OLD address, and Center has no
// endpoint to rebind it: the node at the new address comes back private but
// owned by no one (it serves no one) until Center's side rebinds it. k2ops says
// so before the operator confirms, and reports what it found after.

/** The steps of a change_ip run, in order. */
export const CHANGE_IP_STEPS = ["move-ip", "reregister", "verify-ip"] as const;
export type ChangeIpStep = (typeof CHANGE_IP_STEPS)[number];

/** What the operator confirmed, and how far the change got (ProvisionRun.choices of a change_ip run). */
export type ChangeIpPlan = {
  instanceName: string;
  /** Lightsail region (ap-northeast-1) */
  region: string;
  centerInstanceId: number;
  oldIp: string;
  /** the static IP k2ops allocates: <instance>-ip-<unix s of the confirmation> */
  newStaticIpName: string;
  /** the static IP attached before (released once the new one is attached); null: the instance had a dynamic address */
  oldStaticIpName?: string | null;
  /** the new address, once the instance has it */
  newIp?: string;
  confirmedBy: string;
  confirmedAt: string;
};

/** Why k2ops cannot change the address, and Center's ownership consequence, by catalog code, in English. */
export const CHANGE_IP_PHRASES = {
  "blocked.noInstance": (_: NoValues) => "Center names no cloud instance for this item: there is nothing k2ops can act on.",
  "blocked.changeIpGone": (v: { id: string }) => `Center no longer lists cloud instance ${v.id}: there is no machine to give a new address.`,
  "blocked.changeIpProvider": (v: { name: string; provider: string }) =>
    `${v.name} is a ${v.provider} instance: k2ops changes addresses at Lightsail only (a Bandwagon move needs Center's deferred change-ip with a target region).`,
  "blocked.otherRegion": (v: { targetRegion: string; region: string }) =>
    `The item asks for region ${v.targetRegion}: a Lightsail address change is a static IP swap inside ${v.region}; a move to another region is a new VPS (a provision), not an IP change.`,
  "blocked.notRunning": (v: { name: string; state: string }) => `${v.name} is ${v.state} at Lightsail: a static IP can be attached to a running instance only.`,
  "blocked.goneAtLightsail": (v: { name: string }) => `${v.name} is gone at Lightsail: a static IP can be attached to a running instance only.`,
  "blocked.unreadableAtLightsail": (v: { name: string; error: string }) => `${v.name} is unreadable (${v.error}) at Lightsail: a static IP can be attached to a running instance only.`,
  "ownership.unowned": (v: { oldIp: string }) =>
    `Center binds this node's subscription to ${v.oldIp} and has no endpoint to rebind it: at its new address the node registers as private but owned by no one (it serves no one) until Center's side rebinds the subscription. Plan that with Center's developers before you change the address.`,
} satisfies PhraseBook;
type ChangeIpCode = keyof typeof CHANGE_IP_PHRASES;
export type ChangeIpBlockedCode = Extract<ChangeIpCode, `blocked.${string}`>;
export type OwnershipCode = Extract<ChangeIpCode, `ownership.${string}`>;

export type ChangeIpView = {
  operationId: number;
  reason: string;
  targetRegion: string | null;
  instance: Pick<CloudInstance, "id" | "provider" | "name" | "instance_id" | "ip_address" | "region" | "account_name"> | null;
  /** the instance at Lightsail now: state and public address, or why it cannot be read */
  providerState: string;
  /** `providerState` as the page translates it; null: Lightsail's own state word, shown verbatim */
  providerStatePhrase: Phrase<ProviderStateCode> | null;
  publicIp: string | null;
  confirmName: string | null;
  /** why k2ops cannot act, in English (the server's refusal says it too) */
  blocked: string | null;
  /** `blocked` as the page translates it (catalog code; values: names, provider, regions, state, Center's id) */
  blockedPhrase: Phrase<ChangeIpBlockedCode> | null;
  /** Center's ownership rule, when it will leave the node unowned at its new address (English) */
  ownershipWarning: string | null;
  /** `ownershipWarning` as the page translates it (value: the old address) */
  ownershipWarningPhrase: Phrase<OwnershipCode> | null;
  /** set once the operator confirmed */
  plan: ChangeIpPlan | null;
};

type Deps = { center: CenterClient; lightsail: LightsailWrapper; signal?: AbortSignal; progress?: (line: string) => Promise<void> | void; pollMs?: number; timeoutMs?: number };

function ownershipWarningOf(node: AdminNodeItem | undefined, oldIp: string): { text: string; phrase: Phrase<OwnershipCode> } | null {
  if (!node || node.class !== "private") return null;
  return phraseOf(CHANGE_IP_PHRASES, "ownership.unowned", { oldIp });
}

/**
 * What the change_ip item `operationId` (held by k2ops) would act on: Center's
 * cloud instance, its state and address at Lightsail now, the name to type,
 * why k2ops cannot act (another provider, a target region, not running), and
 * Center's ownership consequence; `providerState`, `blocked` and
 * `ownershipWarning` in English, each with its phrase (catalog code and values)
 * for the page. Errors: not_found (not held), conflict (another action).
 */
export async function changeIpView(operationId: number, d: Deps): Promise<ChangeIpView> {
  const run = await heldRun(operationId, ["change_ip"] as const);
  const params = (run.params ?? {}) as Record<string, unknown>;
  const base = { operationId, reason: String(params.reason ?? ""), targetRegion: typeof params.targetRegion === "string" && params.targetRegion ? params.targetRegion : null, plan: (run.choices as ChangeIpPlan | null) ?? null };
  const op = await findWorkItem(d.center, operationId, "change_ip");
  const blockedBy = (b: { text: string; phrase: Phrase<ChangeIpBlockedCode> }) => ({ blocked: b.text, blockedPhrase: b.phrase });
  const unknown = phraseOf(PROVIDER_STATE_PHRASES, "providerState.unknown", {});
  const none = { instance: null, providerState: unknown.text, providerStatePhrase: unknown.phrase, publicIp: null, confirmName: null, ownershipWarning: null, ownershipWarningPhrase: null };
  if (!op?.cloudInstanceId) return { ...base, ...none, ...blockedBy(phraseOf(CHANGE_IP_PHRASES, "blocked.noInstance", {})) };
  const ci = await d.center.getCloudInstance(op.cloudInstanceId, { timeoutMs: 15_000 }).catch(() => null);
  if (!ci) return { ...base, ...none, ...blockedBy(phraseOf(CHANGE_IP_PHRASES, "blocked.changeIpGone", { id: String(op.cloudInstanceId) })) };
  const instance = { id: ci.id, provider: ci.provider, name: ci.name, instance_id: ci.instance_id, ip_address: ci.ip_address, region: ci.region, account_name: ci.account_name };
  const target = lightsailTargetOf(ci);
  if (!target) return { ...base, ...none, instance, ...blockedBy(phraseOf(CHANGE_IP_PHRASES, "blocked.changeIpProvider", { name: ci.name, provider: ci.provider })) };
  const oldIp = base.plan?.oldIp ?? ci.ip_address;
  const node = (await d.center.listAllNodes({ timeoutMs: 15_000 }).catch(() => [] as AdminNodeItem[])).find((n) => n.ipv4 === oldIp);
  const warning = ownershipWarningOf(node, oldIp);
  let state: { kind: "lightsail"; state: string } | { kind: "gone" } | { kind: "unreadable"; error: string };
  let publicIp: string | null = null;
  try {
    const i = await d.lightsail.findInstance(target.name, target.region);
    state = i ? { kind: "lightsail", state: i.state } : { kind: "gone" };
    publicIp = i?.publicIp || null;
  } catch (e) {
    state = { kind: "unreadable", error: redactText(e instanceof Error ? e.message : String(e)) };
  }
  const stateSaid =
    state.kind === "lightsail"
      ? { text: state.state, phrase: null }
      : state.kind === "gone"
        ? phraseOf(PROVIDER_STATE_PHRASES, "providerState.gone", {})
        : phraseOf(PROVIDER_STATE_PHRASES, "providerState.unreadable", { error: state.error });
  const providerState = stateSaid.text;
  let blocked: { text: string; phrase: Phrase<ChangeIpBlockedCode> } | null = null;
  // a plan already confirmed goes on (a killed run resumes): only a fresh change is held to these
  if (!base.plan) {
    if (base.targetRegion && base.targetRegion !== ci.region && base.targetRegion !== target.region) blocked = phraseOf(CHANGE_IP_PHRASES, "blocked.otherRegion", { targetRegion: base.targetRegion, region: target.region });
    else if (providerState !== "running") {
      blocked =
        state.kind === "lightsail"
          ? phraseOf(CHANGE_IP_PHRASES, "blocked.notRunning", { name: target.name, state: state.state })
          : state.kind === "gone"
            ? phraseOf(CHANGE_IP_PHRASES, "blocked.goneAtLightsail", { name: target.name })
            : phraseOf(CHANGE_IP_PHRASES, "blocked.unreadableAtLightsail", { name: target.name, error: state.error });
    }
  }
  return { ...base, instance, providerState, providerStatePhrase: stateSaid.phrase, publicIp, confirmName: target.name, blocked: blocked?.text ?? null, blockedPhrase: blocked?.phrase ?? null, ownershipWarning: warning?.text ?? null, ownershipWarningPhrase: warning?.phrase ?? null };
}

/**
 * Confirms the change of the item `operationId` once `typedName` equals the
 * instance's name: records the plan (the new static IP's name is fixed here, so
 * every later attempt allocates that one and no other) and moves the run to its
 * first step. The caller starts the job. Errors (ActionFailure, nothing
 * changed): failed naming `name` when the typed name differs; conflict when blocked.
 */
export async function confirmChangeIp(operationId: number, typedName: string, d: Deps & { actor: string; now?: Date }): Promise<ChangeIpPlan> {
  const v = await changeIpView(operationId, d);
  if (v.plan) return v.plan;
  if (v.blocked || !v.instance || !v.confirmName) throw new ActionFailure("conflict", v.blocked ?? "nothing to act on");
  if (typedName.trim() !== v.confirmName) throw new ActionFailure("failed", msg`name: type the instance's name (${v.confirmName}) to give it a new address. Nothing was changed.`);
  const { name, region } = lightsailTargetOf(v.instance as CloudInstance)!;
  const now = d.now ?? new Date();
  const plan: ChangeIpPlan = {
    instanceName: name,
    region,
    centerInstanceId: v.instance.id,
    oldIp: v.publicIp ?? v.instance.ip_address,
    newStaticIpName: `${name}-ip-${Math.floor(now.getTime() / 1000)}`,
    confirmedBy: d.actor,
    confirmedAt: now.toISOString(),
  };
  await db().provisionRun.update({ where: { operationId }, data: { choices: plan as object, step: "move-ip", status: "in_progress", lastError: null } });
  return plan;
}

async function planOf(operationId: number): Promise<ChangeIpPlan> {
  const run = await heldRun(operationId, ["change_ip"] as const);
  const plan = run.choices as ChangeIpPlan | null;
  if (!plan) throw new ActionFailure("conflict", msg`Work item ${operationId}: the change is not confirmed yet.`);
  return plan;
}

async function savePlan(operationId: number, plan: ChangeIpPlan, step?: ChangeIpStep): Promise<void> {
  await db().provisionRun.update({ where: { operationId }, data: { choices: plan as object, ...(step ? { step } : {}) } });
}

async function until<T>(what: Text, d: { signal?: AbortSignal; pollMs?: number; timeoutMs?: number }, read: () => Promise<T | null>): Promise<T> {
  const end = Date.now() + (d.timeoutMs ?? 3 * 60_000);
  for (;;) {
    const v = await read();
    if (v !== null) return v;
    if (Date.now() > end) throw new ActionFailure("failed", msg`${what} did not happen within ${Math.round((d.timeoutMs ?? 180_000) / 1000)} s: run the item again to keep waiting.`);
    await wait(d.pollMs ?? 3_000, undefined, { signal: d.signal });
  }
}

/**
 * Step "move-ip": gives the instance the plan's new static IP (allocate, detach
 * the current one, attach, release the old one), waits until Lightsail shows
 * the new public address, and reports the item `in_progress` with {oldIp,
 * newIp}. Idempotent: each move is skipped when Lightsail shows it made.
 * Errors (ActionFailure): the instance gone or not running; the static IP
 * attached to another instance; Lightsail refusing; the address not showing in time.
 */
export async function moveAddress(operationId: number, d: Deps): Promise<{ summary: Text }> {
  const plan = await planOf(operationId);
  const { instanceName: name, region } = plan;
  const say = async (l: string) => d.progress?.(l);
  const inst = await d.lightsail.findInstance(name, region);
  if (!inst) throw new ActionFailure("failed", msg`${name} no longer exists at Lightsail (${region}): there is nothing to give a new address.`);
  if (inst.state !== "running") throw new ActionFailure("failed", msg`${name} is ${inst.state} at Lightsail: start it, then run the item again.`);
  let ip = await d.lightsail.findStaticIp(plan.newStaticIpName, region);
  if (!ip) {
    await say(`allocating static IP ${plan.newStaticIpName}`);
    await d.lightsail.allocateStaticIp(plan.newStaticIpName, region);
    ip = await until(msg`the allocation of ${plan.newStaticIpName}`, d, async () => {
      const s = await d.lightsail.findStaticIp(plan.newStaticIpName, region);
      return s?.ipAddress ? s : null;
    });
  }
  if (ip.attachedTo && ip.attachedTo !== name) throw new ActionFailure("failed", msg`static IP ${ip.name} (${ip.ipAddress}) is attached to ${ip.attachedTo}, not ${name}: k2ops leaves it alone.`);
  if (ip.attachedTo !== name) {
    if (inst.isStaticIp) {
      const current = (await d.lightsail.listStaticIps(region)).find((s) => s.attachedTo === name && s.name !== plan.newStaticIpName);
      if (current) {
        // recorded before the detach: the release at the end must find it even after a crash
        plan.oldStaticIpName = current.name;
        await savePlan(operationId, plan);
        await say(`detaching static IP ${current.name} (${current.ipAddress})`);
        await d.lightsail.detachStaticIp(current.name, region);
      }
    }
    await say(`attaching static IP ${ip.name} (${ip.ipAddress}) to ${name}`);
    await d.lightsail.attachStaticIp(ip.name, name, region);
  }
  const newIp = ip.ipAddress;
  await until(msg`${name} showing ${newIp} at Lightsail`, d, async () => ((await d.lightsail.findInstance(name, region))?.publicIp === newIp ? true : null));
  plan.newIp = newIp;
  await savePlan(operationId, plan);
  let released: string | null = null;
  if (plan.oldStaticIpName) {
    const old = await d.lightsail.findStaticIp(plan.oldStaticIpName, region);
    if (old && !old.isAttached) {
      await say(`releasing the old static IP ${old.name} (${old.ipAddress})`);
      await d.lightsail.releaseStaticIp(old.name, region);
      released = old.name;
    }
  }
  await d.center.updateNodeOperation(operationId, { status: "in_progress", result: { oldIp: plan.oldIp, newIp } }, { timeoutMs: 15_000 });
  await savePlan(operationId, plan, "reregister");
  return {
    summary: released
      ? msg`${name}: ${plan.oldIp} → ${newIp} (static IP ${ip.name}); the old static IP ${released} released; Center told in_progress {oldIp, newIp}`
      : msg`${name}: ${plan.oldIp} → ${newIp} (static IP ${ip.name}); Center told in_progress {oldIp, newIp}`,
  };
}

/** The fleet table's row for the new address (a copy of the old one's identity), so the machine's host key pins can live there. */
async function ensureFleetRow(oldIp: string, newIp: string): Promise<void> {
  const old = await db().node.findUnique({ where: { ipv4: oldIp } });
  await db().node.upsert({
    where: { ipv4: newIp },
    update: {},
    create: { ipv4: newIp, name: old?.name ?? "", country: old?.country ?? "", region: old?.region ?? "", ipType: old?.ipType ?? "unknown", class: old?.class ?? "private", source: "center", inCenter: false, arch: old?.arch ?? null, sshUser: old?.sshUser ?? null, sshPort: old?.sshPort ?? null },
  });
}

type SshDeps = Deps & { ssh: SshEngine; registerWaitMs?: number };

/**
 * Step "reregister": the machine's host key pins carried from the old address
 * to the new one (a different key there is refused), then the sidecar
 * restarted over SSH at the new address (`docker compose restart k2-sidecar`;
 * skipped when Center already lists the new address), and the wait until Center
 * lists the node at the new address. A record still at the old address (its
 * unregister failed) is removed: that address is no longer the node's.
 * Errors (ActionFailure): SSH refused (a changed key), the restart failing, no
 * registration within `registerWaitMs` (default 5 min).
 */
export async function reregister(operationId: number, d: SshDeps & { actor: string }): Promise<{ summary: Text }> {
  const plan = await planOf(operationId);
  if (!plan.newIp) throw new ActionFailure("conflict", msg`Work item ${operationId}: the instance has no new address yet.`);
  const { oldIp, newIp } = { oldIp: plan.oldIp, newIp: plan.newIp };
  const say = async (l: string) => d.progress?.(l);
  await ensureFleetRow(oldIp, newIp);
  const carried = await new PrismaHostKeyStore().carryPins(oldIp, newIp, `k2ops:${d.actor}`);
  const notes: string[] = [];
  if (carried) notes.push(`${carried} host key pin(s) carried from ${oldIp}`);
  const listed = async () => (await d.center.listAllNodes({ timeoutMs: 15_000 }).catch(() => null)) ?? [];
  if (!(await listed()).some((n) => n.ipv4 === newIp)) {
    await say(`restarting the sidecar at ${newIp} so it detects its new address and registers from it`);
    const r = await d.ssh.runScript({ host: newIp, port: 1022 }, "set -euo pipefail\ncd /apps/k2s\ndocker compose restart k2-sidecar 2>&1\n", { sudo: true, timeoutMs: 3 * 60_000, signal: d.signal }).catch((e: unknown) => {
      if (e instanceof HostKeyChangedError || e instanceof HostKeyNewTypeError) {
        throw new ActionFailure("failed", msg`${newIp}:1022 presented a host key other than the one pinned for the machine (carried from ${oldIp}): refused, nothing was run there. The address may be someone else's machine; an admin may clear the pin on the node's page once the key is known to be right.`);
      }
      throw e;
    });
    check(r, "docker compose restart k2-sidecar");
  }
  const nodes = await until(msg`the node's registration from ${newIp}`, { ...d, timeoutMs: d.registerWaitMs ?? 5 * 60_000 }, async () => {
    const all = await listed();
    return all.some((n) => n.ipv4 === newIp) ? all : null;
  });
  if (nodes.some((n) => n.ipv4 === oldIp)) {
    await d.center.deleteNode(oldIp, { timeoutMs: 15_000 }).then(
      () => notes.push(`the stale record of ${oldIp} removed from Center`),
      (e: unknown) => notes.push(redactText(`Center kept the record of ${oldIp} (${e instanceof Error ? e.message : String(e)})`)),
    );
  }
  await savePlan(operationId, plan, "verify-ip");
  return { summary: notes.length ? msg`registered at Center from ${newIp}; ${notes.join("; ")}` : msg`registered at Center from ${newIp}` };
}

/**
 * Step "verify-ip": the fleet table synced from Center, the §6 checklist at the
 * new address (re-read up to `attempts` times while it settles), Center's
 * ownership of the node read, and the item reported `done` with {oldIp, newIp,
 * owner}. The run ends done. Errors (ActionFailure): the checklist does not pass.
 */
export async function verifyChangedIp(operationId: number, d: SshDeps & { triggeredBy: string; attempts?: number; everyMs?: number }): Promise<{ summary: Text }> {
  const plan = await planOf(operationId);
  if (!plan.newIp) throw new ActionFailure("conflict", msg`Work item ${operationId}: the instance has no new address yet.`);
  const newIp = plan.newIp;
  const { centerNodes, checks } = await checklistUntilPass(newIp, d);
  const node = centerNodes.get(newIp);
  const owned = node?.privateOwnerUserId !== undefined && node?.privateOwnerUserId !== null;
  const owner = node?.class === "private" ? (owned ? "kept" : "lost") : "not private";
  await d.center.updateNodeOperation(operationId, { status: "done", result: { oldIp: plan.oldIp, newIp, owner, by: `k2ops:${d.triggeredBy}` } }, { timeoutMs: 15_000 });
  await db().provisionRun.update({ where: { operationId }, data: { status: "done", lastError: null } });
  const ownership =
    owner === "lost"
      ? `; WARNING: Center left the node private but owned by no one (its subscription is still bound to ${plan.oldIp}): it serves no one until Center rebinds the subscription`
      : owner === "kept"
        ? "; Center shows it owned by its subscription"
        : "";
  return { summary: msg`the checklist passes on ${newIp} (${checks} checks); work item done {oldIp ${plan.oldIp}, newIp ${newIp}}${ownership}` };
}
