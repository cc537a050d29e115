import { setTimeout as wait } from "node:timers/promises";
import type { CenterClient } from "@/lib/center/client";
import type { CloudInstance } from "@/lib/center/schemas";
import { db } from "@/lib/db";
import { ActionFailure } from "@/lib/errors";
import { lightsailTargetOf, type LightsailWrapper } from "@/lib/lightsail/client";
import { redactText } from "@/lib/redact";
import { msg } from "@/lib/text";
import { heldRun } from "./claim";
import { findWorkItem } from "./index";
import { redactedText } from "@/lib/redact/text";
import { phraseOf, type NoValues, type Phrase, type PhraseBook } from "@/lib/phrase";

// The lifecycle work items (issue #14; center-api.md §5.7 and §6): `stop` (a
// private subscription's grace ended) and `destroy` (its suspension ended) name
// the subscription's cloud instance. Center itself has no stop endpoint and
// defers deletes to its next 02:00 run, so k2ops acts at the provider with its
// own Lightsail client, confirms the result there (stopped / gone), then reports
// the item `done` (allowed for non-provision items) with what it saw. A destroy
// also removes the node's record at Center. Both are destructive: the operator
// types the instance's name. Idempotent: an instance already stopped / gone is
// the result, not an error.

/**
 * The instance's state at the provider as k2ops words it when it is not the
 * provider's own state word (Lightsail's "running", "stopped", … are shown verbatim).
 */
export const PROVIDER_STATE_PHRASES = {
  "providerState.gone": (_: NoValues) => "gone",
  "providerState.unknown": (_: NoValues) => "unknown",
  "providerState.unreadable": (v: { error: string }) => `unreadable (${v.error})`,
} satisfies PhraseBook;
export type ProviderStateCode = keyof typeof PROVIDER_STATE_PHRASES;

/** Why k2ops cannot act on a stop/destroy item, by catalog code, in English. */
export const LIFECYCLE_PHRASES = {
  "blocked.noInstance": (_: NoValues) => "Center names no cloud instance for this item: there is nothing k2ops can act on.",
  "blocked.stopGone": (v: { id: string }) => `Center no longer lists cloud instance ${v.id}: it was deleted; there is nothing to stop.`,
  "blocked.lifecycleProvider": (v: { name: string; provider: string }) =>
    `${v.name} is a ${v.provider} instance: k2ops acts at Lightsail only, and Center has no stop (its delete waits for its 02:00 run). Act at the provider, then report the item from Center.`,
} satisfies PhraseBook;
export type LifecycleBlockedCode = keyof typeof LIFECYCLE_PHRASES;

export type LifecycleView = {
  operationId: number;
  action: "stop" | "destroy";
  reason: string;
  /** Center's cloud instance the item names (null: Center has none any more) */
  instance: Pick<CloudInstance, "id" | "provider" | "name" | "instance_id" | "ip_address" | "region" | "account_name"> | null;
  /** the provider's state now (Lightsail), or why it cannot be read */
  providerState: string;
  /** `providerState` as the page translates it; null: the provider's own state word, shown verbatim */
  providerStatePhrase: Phrase<ProviderStateCode> | null;
  /** what the operator must type to confirm */
  confirmName: string | null;
  /** why k2ops cannot act on it (another provider, no instance), in English (the server's refusal says it too) */
  blocked: string | null;
  /** `blocked` as the page translates it (catalog code; values: the instance's name, provider, Center's id) */
  blockedPhrase: Phrase<LifecycleBlockedCode> | null;
};

type Deps = { center: CenterClient; lightsail: LightsailWrapper; signal?: AbortSignal; pollMs?: number; timeoutMs?: number };

async function providerState(lightsail: LightsailWrapper, name: string, region: string): Promise<string> {
  return (await lightsail.findInstance(name, region))?.state ?? "gone";
}

/**
 * What the stop/destroy item `operationId` (held by k2ops) would act on: Center's
 * cloud instance (by the item's cloudInstanceId), its state at Lightsail now,
 * and the name to type; `providerState` and `blocked` in English, with their
 * phrases (catalog code and values) for the page. Errors: not_found (not
 * held), conflict (another action).
 */
export async function lifecycleView(operationId: number, d: Deps): Promise<LifecycleView> {
  const run = await heldRun(operationId, ["stop", "destroy"] as const);
  const op = await findWorkItem(d.center, operationId, run.action);
  const reason = String(((run.params ?? {}) as Record<string, unknown>).reason ?? "");
  const base = { operationId, action: run.action, reason };
  const state = (s: { text: string; phrase: Phrase<ProviderStateCode> }) => ({ providerState: s.text, providerStatePhrase: s.phrase });
  const blocked = (b: { text: string; phrase: Phrase<LifecycleBlockedCode> } | null) => ({ blocked: b?.text ?? null, blockedPhrase: b?.phrase ?? null });
  const unknown = state(phraseOf(PROVIDER_STATE_PHRASES, "providerState.unknown", {}));
  if (!op?.cloudInstanceId) return { ...base, instance: null, ...unknown, confirmName: null, ...blocked(phraseOf(LIFECYCLE_PHRASES, "blocked.noInstance", {})) };
  const ci = await d.center.getCloudInstance(op.cloudInstanceId, { timeoutMs: 15_000 }).catch(() => null);
  // Center drops an instance once it is deleted (its delete task, or a sync that no longer finds it at the provider)
  if (!ci) {
    const gone = state(phraseOf(PROVIDER_STATE_PHRASES, "providerState.gone", {}));
    return { ...base, instance: null, ...gone, confirmName: null, ...blocked(run.action === "destroy" ? null : phraseOf(LIFECYCLE_PHRASES, "blocked.stopGone", { id: String(op.cloudInstanceId) })) };
  }
  const instance = { id: ci.id, provider: ci.provider, name: ci.name, instance_id: ci.instance_id, ip_address: ci.ip_address, region: ci.region, account_name: ci.account_name };
  const target = lightsailTargetOf(ci);
  if (!target) return { ...base, instance, ...unknown, confirmName: null, ...blocked(phraseOf(LIFECYCLE_PHRASES, "blocked.lifecycleProvider", { name: ci.name, provider: ci.provider })) };
  const now = await providerState(d.lightsail, target.name, target.region).then(
    (s) => (s === "gone" ? state(phraseOf(PROVIDER_STATE_PHRASES, "providerState.gone", {})) : { providerState: s, providerStatePhrase: null }),
    (e: unknown) => state(phraseOf(PROVIDER_STATE_PHRASES, "providerState.unreadable", { error: redactText(e instanceof Error ? e.message : String(e)) })),
  );
  return { ...base, instance, ...now, confirmName: target.name, ...blocked(null) };
}

/**
 * Carries out the stop/destroy item `operationId` once `typedName` equals the
 * instance's name: Lightsail StopInstance (then waits for "stopped") or
 * DeleteInstance (then waits until it is gone, and removes the node's record at
 * Center), then reports the item `done` with what it saw and ends the run.
 * Errors (ActionFailure, nothing changed unless said): failed naming `name` when
 * the typed name differs; conflict when the item is blocked (see lifecycleView);
 * failed when Lightsail refused or the state did not come within `timeoutMs`
 * (the item stays held: run it again).
 */
export async function carryOutLifecycle(operationId: number, typedName: string, d: Deps & { actor: string }): Promise<{ summary: string; state: string }> {
  const v = await lifecycleView(operationId, d);
  if (v.action === "destroy" && !v.blocked && !v.instance) {
    // already deleted (an earlier attempt, or someone else): nothing destructive is left to confirm
    await d.center.updateNodeOperation(operationId, { status: "done", result: { state: "gone", by: `k2ops:${d.actor}`, note: "Center no longer lists the instance" } }, { timeoutMs: 15_000 });
    await db().provisionRun.update({ where: { operationId }, data: { status: "done", lastError: null } });
    return { summary: "the instance is already deleted (Center no longer lists it); work item done", state: "gone" };
  }
  if (v.blocked || !v.instance || !v.confirmName) throw new ActionFailure("conflict", v.blocked ?? "nothing to act on");
  if (typedName.trim() !== v.confirmName) {
    throw new ActionFailure(
      "failed",
      v.action === "stop"
        ? msg`name: type the instance's name (${v.confirmName}) to stop it. Nothing was changed.`
        : msg`name: type the instance's name (${v.confirmName}) to destroy it. Nothing was changed.`,
    );
  }
  const { name, region } = lightsailTargetOf(v.instance as CloudInstance)!;
  const want = v.action === "stop" ? "stopped" : "gone";
  await db().provisionRun.update({ where: { operationId }, data: { status: "in_progress", step: v.action, lastError: null } });
  try {
    if (v.providerState !== want) {
      if (v.action === "stop") await d.lightsail.stopInstance(name, region);
      else await d.lightsail.deleteInstance(name, region);
    }
    const until = Date.now() + (d.timeoutMs ?? 5 * 60_000);
    let state = await providerState(d.lightsail, name, region);
    while (state !== want) {
      if (Date.now() > until) throw new ActionFailure("failed", msg`${name} is ${state} at Lightsail, not ${want}, after ${Math.round((d.timeoutMs ?? 300_000) / 1000)} s: run the item again to keep waiting.`);
      await wait(d.pollMs ?? 3_000, undefined, { signal: d.signal });
      state = await providerState(d.lightsail, name, region);
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const failure = e instanceof ActionFailure ? e : new ActionFailure("failed", redactedText(v.action === "stop" ? msg`Lightsail refused to stop ${name}: ${why}` : msg`Lightsail refused to destroy ${name}: ${why}`));
    await db().provisionRun.update({ where: { operationId }, data: { lastError: failure.message.slice(0, 500) } });
    throw failure;
  }
  const notes: string[] = [];
  if (v.action === "destroy" && v.instance.ip_address) {
    // the node's record at Center (§2.4): its machine is gone
    await d.center.deleteNode(v.instance.ip_address, { timeoutMs: 15_000 }).then(
      () => notes.push(`node ${v.instance!.ip_address} removed from Center`),
      (e: unknown) => notes.push(redactText(`Center kept node ${v.instance!.ip_address} (${e instanceof Error ? e.message : String(e)})`)),
    );
  }
  await d.center.updateNodeOperation(operationId, { status: "done", result: { instanceId: name, ipv4: v.instance.ip_address, state: want, by: `k2ops:${d.actor}` } }, { timeoutMs: 15_000 });
  await db().provisionRun.update({ where: { operationId }, data: { status: "done", lastError: null } });
  return { summary: `${name} (${v.instance.ip_address}) ${want === "gone" ? "deleted" : "stopped"} at Lightsail; work item done${notes.length ? `; ${notes.join("; ")}` : ""}`, state: want };
}
