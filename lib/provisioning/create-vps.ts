import { setTimeout as wait } from "node:timers/promises";
import type { CenterClient } from "@/lib/center/client";
import { db } from "@/lib/db";
import { ActionFailure } from "@/lib/errors";
import { LightsailError, type LightsailWrapper } from "@/lib/lightsail/client";
import { redactText } from "@/lib/redact";
import { msg } from "@/lib/text";
import type { ConfirmedChoices } from "./choose";
import { redactedText } from "@/lib/redact/text";

// The wizard's step 3 (issue #14; provisioning.md Step 3): the VPS named
// pn-<subId>, created idempotently. Lightsail names are unique per region, so
// the name is the idempotency key: look it up first and reuse it (pending: wait;
// running: take it), create only when it does not exist, and treat "name already
// in use" as "look again". The intent (name, zone) is written on the run before
// the create, so a console killed in between finds the instance on its next
// attempt instead of buying a second one.
//
// k2ops creates at Lightsail directly, with its own Lightsail credentials: Center's
// POST /app/cloud/instances only queues the create for the next 02:00 Asia/Shanghai
// (center-api.md §6.6), hours past the 30-minute provisioning deadline (§5.6).

/** What step 3 leaves on the run (ProvisionRun.vps). */
export type VpsRecord = {
  name: string;
  provider: "aws_lightsail";
  /** Lightsail region (ap-northeast-1) and zone (ap-northeast-1a) */
  region: string;
  availabilityZone: string;
  ipv4: string;
  ipv6: string[];
  bundleId: string;
  blueprintId: string;
  /** an instance of that name already existed (an earlier attempt, or someone else's create) */
  reused: boolean;
  /** ISO times: the create was asked (absent when reused), the instance was seen running */
  requestedAt?: string;
  runningAt?: string;
};

export type CreateVpsDeps = {
  lightsail: LightsailWrapper;
  center: CenterClient;
  signal?: AbortSignal;
  /** a line of live progress (shown on the stepper) */
  progress?: (line: string) => Promise<void> | void;
  /** how often the instance's state is read while it is pending (ms, default 3,000) */
  pollMs?: number;
  /** how long a pending instance may take to run (ms, default 10 minutes) */
  runningTimeoutMs?: number;
};

/** States in which an instance of ours will never run without an operator (k2ops neither starts nor deletes it here). */
const DEAD_STATES = new Set(["stopped", "stopping", "shutting-down", "terminated"]);


/** The Lightsail region of the confirmed Center region slug (from the choices, else Center's list for the account). */
async function providerRegionOf(choices: ConfirmedChoices, center: CenterClient): Promise<string> {
  if (choices.providerRegion) return choices.providerRegion;
  const regions = await center.listCloudRegions({ account: choices.account }, { timeoutMs: 15_000 });
  const r = regions.items.find((x) => x.slug === choices.region)?.providerId;
  if (!r) throw new ActionFailure("failed", msg`Center lists no Lightsail region for ${choices.region} under ${choices.account}: choose the region again.`);
  return r;
}

/**
 * Step 3 for the run of `operationId`: makes sure the instance pn-<subId> exists
 * and runs at Lightsail (created with the confirmed bundle and blueprint in the
 * region's first zone unless it exists), records it on the run (`vps`), moves
 * the run to step "os" and reports the item `in_progress` with
 * `{instanceId, ipv4}` to Center (a Center that does not take the report is a
 * warning in the returned summary, not a failure: the node's registration is
 * what completes the item).
 *
 * Errors (ActionFailure "failed", a message without any secret): the provider
 * is not aws_lightsail; Lightsail refused the create; the instance exists but
 * is stopped/terminated; it is still pending after `runningTimeoutMs`.
 */
export async function ensureVps(operationId: number, deps: CreateVpsDeps): Promise<{ vps: VpsRecord; summary: string }> {
  const run = await db().provisionRun.findUnique({ where: { operationId } });
  if (!run || !["claimed", "in_progress"].includes(run.status)) throw new ActionFailure("not_found", msg`Work item ${operationId} is not held by k2ops.`);
  const choices = run.choices as ConfirmedChoices | null;
  if (!choices) throw new ActionFailure("conflict", msg`Work item ${operationId}: step 2 (account, region, plan, image) is not confirmed yet.`);
  if (choices.provider !== "aws_lightsail") {
    throw new ActionFailure("failed", msg`k2ops creates VPSs at AWS Lightsail only; ${choices.account} is a ${choices.provider} account, whose creates Center only queues for its next 02:00 Asia/Shanghai run, after the 30-minute provisioning deadline. Choose a Lightsail account, or abort the item.`);
  }
  const say = async (line: string) => deps.progress?.(line);
  const region = await providerRegionOf(choices, deps.center);
  const zone = `${region}a`;
  const name = choices.name;
  const pollMs = deps.pollMs ?? 3_000;
  const deadline = Date.now() + (deps.runningTimeoutMs ?? 10 * 60_000);
  const prior = run.vps as Partial<VpsRecord> | null;

  await say(`looking up ${name} in ${region}`);
  let inst = await deps.lightsail.findInstance(name, region);
  let reused = !!inst && !prior?.requestedAt;
  let requestedAt = prior?.requestedAt;
  if (!inst) {
    requestedAt = new Date().toISOString();
    // the intent before the create: an attempt after a crash looks the name up, never creates blindly
    await db().provisionRun.update({ where: { operationId }, data: { vps: { name, provider: "aws_lightsail", region, availabilityZone: zone, requestedAt, bundleId: choices.plan.id, blueprintId: choices.image.id } } });
    await say(`creating ${name} in ${zone} (${choices.plan.id}, ${choices.image.id})`);
    try {
      // K2OPS_LIGHTSAIL_KEY_PAIR: the key pair holding k2ops' SSH public key (step 4 logs in with it)
      const keyPairName = process.env.K2OPS_LIGHTSAIL_KEY_PAIR?.trim() || undefined;
      await deps.lightsail.createInstance({ name, availabilityZone: zone, bundleId: choices.plan.id, blueprintId: choices.image.id, keyPairName, tags: { "k2ops-work-item": String(operationId) } });
    } catch (e) {
      // a create whose answer was lost and was retried by the SDK, or a concurrent one: the name exists now
      if (!(e instanceof LightsailError && /already in use/i.test(e.message))) {
        throw new ActionFailure("failed", redactedText(msg`Lightsail refused to create ${name} in ${zone}: ${e instanceof Error ? e.message : String(e)}`));
      }
      reused = true;
    }
  }
  for (;;) {
    // a cancel (or a worker stopping) between the create and the instance's record stops here, as at any wait
    deps.signal?.throwIfAborted();
    inst ??= await deps.lightsail.findInstance(name, region);
    if (inst && DEAD_STATES.has(inst.state)) {
      throw new ActionFailure("failed", msg`${name} exists at Lightsail but is ${inst.state}: start it there (or delete it) and retry this step; k2ops does not create a second instance of the same name.`);
    }
    if (inst?.state === "running" && inst.publicIp) break;
    if (Date.now() > deadline) throw new ActionFailure("failed", msg`${name} is still ${inst?.state ?? "not listed"} at Lightsail after ${Math.round((deps.runningTimeoutMs ?? 600_000) / 60_000)} min; retry this step to keep waiting (nothing is created twice).`);
    await say(`${name} is ${inst?.state ?? "not listed yet"}; waiting for it to run`);
    await wait(pollMs, undefined, { signal: deps.signal });
    inst = null;
  }
  const vps: VpsRecord = {
    name,
    provider: "aws_lightsail",
    region,
    availabilityZone: inst.availabilityZone || zone,
    ipv4: inst.publicIp,
    ipv6: inst.ipv6,
    bundleId: inst.bundleId,
    blueprintId: inst.blueprintId,
    reused,
    ...(requestedAt ? { requestedAt } : {}),
    runningAt: new Date().toISOString(),
  };
  await db().provisionRun.update({ where: { operationId }, data: { vps: vps as object, step: "os", status: "in_progress" } });
  const notes: string[] = [];
  if (vps.bundleId !== choices.plan.id || vps.blueprintId !== choices.image.id) notes.push(`the existing instance has ${vps.bundleId}/${vps.blueprintId}, not the confirmed ${choices.plan.id}/${choices.image.id}`);
  try {
    await deps.center.updateNodeOperation(operationId, { status: "in_progress", result: { instanceId: name, ipv4: vps.ipv4 } }, { timeoutMs: 15_000 });
  } catch (e) {
    notes.push(redactText(`Center did not take the in_progress report (${e instanceof Error ? e.message : String(e)})`));
  }
  const summary = `${reused ? "reused" : "created"} ${name} at ${vps.ipv4} (${vps.availabilityZone}, ${vps.bundleId}, ${vps.blueprintId})${notes.length ? `; warning: ${notes.join("; ")}` : ""}`;
  await say(summary);
  return { vps, summary };
}
