import os from "node:os";
import path from "node:path";
import { CenterError, CenterUnavailableError, type CenterClient } from "@/lib/center/client";
import { dataDir } from "@/lib/config";
import { db } from "@/lib/db";
import type { ProvisionRun } from "@/lib/db/generated/client";
import { ActionFailure } from "@/lib/errors";
import { cancelJob } from "@/lib/jobs";
import { redactText, registerSecret } from "@/lib/redact";
import { msg } from "@/lib/text";
import { loadClaimKey, openClaim, sealClaim, type ClaimKey } from "./claim-vault";
import { redactedText } from "@/lib/redact/text";

// Claiming a Center work item (issue #14 step 1; provisioning.md Step 1;
// center-api.md §5.4-§5.6). Center's claim is a one-shot compare-and-set from
// `queued` with no renew and no release: what it hands over (a provision item's
// one-time claim token) exists nowhere else, so k2ops writes its intent before
// asking, seals the token (claim-vault) in the same write that records the
// answer, and never retries a claim it is unsure of. k2ops' own lease (one
// console process works an item at a time) lives in ProvisionRun; "release" is
// what Center allows: the item is reported failed with a concise reason (never
// the token), and k2ops destroys its sealed copy.

/** How long a console process holds an item before another may take it over (ms): renewed while it works. */
export const LEASE_MS = 5 * 60_000;
/** What k2ops asks Center to record as the claim's lease (s): Center enforces none (§5.6); the 30-minute sweep is the real deadline. */
export const CENTER_LEASE_SECONDS = 30 * 60;
/** A claim request's longest life (ms): its timeout with margin; a "claiming" run older than this was interrupted. */
export const CLAIM_IN_FLIGHT_MS = 60_000;
/** Statuses of a run that k2ops is still working. */
export const OPEN_RUN_STATUSES = ["claiming", "claimed", "in_progress"] as const;

export type ClaimCtx = { actor: string; requestId: string; client: CenterClient; key?: ClaimKey; now?: Date };

export type ClaimResult = {
  operationId: number;
  subId: number;
  action: string;
  status: "claimed";
  /** the item's ask, decoded from Center's params */
  params: Record<string, unknown>;
  /** provision items: the identity's non-secret parts; `claimCaptured` says the token is sealed at rest */
  centerUrl: string | null;
  claimCaptured: boolean;
  holder: string;
};

/** This process's name as a lease owner (host:pid). */
export function leaseOwnerName(): string {
  return process.env.K2OPS_INSTANCE_ID || `${os.hostname()}:${process.pid}`;
}

/**
 * The run of `operationId` k2ops holds (claimed or in progress), of one of
 * `actions`. Errors (ActionFailure): not_found when k2ops holds no claim on the
 * item; conflict when it is another action's item.
 */
export async function heldRun<A extends string>(operationId: number, actions: readonly A[]): Promise<ProvisionRun & { action: A }> {
  const run = await db().provisionRun.findUnique({ where: { operationId } });
  if (!run || !["claimed", "in_progress"].includes(run.status)) throw new ActionFailure("not_found", msg`Work item ${operationId} is not held by k2ops: claim it on the Provisioning page first.`);
  if (!(actions as readonly string[]).includes(run.action)) throw new ActionFailure("conflict", msg`Work item ${operationId} is a ${run.action} item, not a ${actions.join(" or ")}.`);
  return run as ProvisionRun & { action: A };
}

/** The key claim tokens are sealed with: K2OPS_CLAIM_KEY, else `$K2OPS_DATA_DIR/claim-key` (generated once, 0600). */
export function claimKey(): ClaimKey {
  return loadClaimKey({ keyFile: path.join(dataDir(), "claim-key") });
}

/** The sealing context binds a sealed token to its operation: a row copied onto another item cannot be opened. */
const contextOf = (operationId: number) => `node-operation:${operationId}`;

function parseParams(raw: string): Record<string, unknown> {
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Claims Center's work item `operationId` for `ctx.actor` (center-api.md §5.4):
 * records k2ops' intent (ProvisionRun "claiming"), sends the claim with holder
 * `k2ops:<actor>` and then, in one write, seals a provision item's claim token
 * and records the claim (status "claimed"; the working lease is taken by the process that runs its steps).
 *
 * Errors (ActionFailure, nothing retried):
 * - conflict: k2ops already works this item (its run is open), or Center
 *   answered 409 (taken by someone else, or gone): the intent is removed, the
 *   caller refreshes the list;
 * - failed: Center's answer was lost (timeout, 5xx after sending): Center may
 *   hold the claim and its one-time token is then lost; the run is kept as
 *   "claim-unknown" and shown, never claimed again blindly.
 */
export async function claimWorkItem(operationId: number, ctx: ClaimCtx): Promise<ClaimResult> {
  const now = ctx.now ?? new Date();
  const holder = `k2ops:${ctx.actor}`;
  let existing = await db().provisionRun.findUnique({ where: { operationId } });
  // a claim still "claiming" long after its 20 s request: its console died while it was in flight, so
  // Center may hold the claim (and the token is lost) — the same case as a lost answer
  if (existing?.status === "claiming" && now.getTime() - existing.updatedAt.getTime() > CLAIM_IN_FLIGHT_MS) {
    existing = await db().provisionRun.update({ where: { operationId }, data: { status: "claim-unknown", lastError: "interrupted: the console stopped while the claim was in flight; Center may hold the claim" } });
  }
  if (existing && (OPEN_RUN_STATUSES as readonly string[]).includes(existing.status)) {
    throw new ActionFailure("conflict", msg`Work item ${operationId} is already being worked in k2ops (claimed by ${existing.claimedBy}, ${existing.status}). Nothing was sent to Center.`);
  }
  if (existing?.status === "claim-unknown") {
    throw new ActionFailure("conflict", msg`Work item ${operationId}: an earlier claim got no answer from Center, so Center may hold it with a token k2ops never received. Check the item's status at Center; it is not claimed again blindly.`);
  }
  const key = ctx.key ?? claimKey();
  // the intent first: a console killed while the claim is in flight leaves this row, shown as interrupted
  await db().provisionRun.upsert({
    where: { operationId },
    create: { operationId, subId: 0, action: "unknown", status: "claiming", holder, claimedBy: ctx.actor, step: "claim" },
    update: { subId: 0, action: "unknown", status: "claiming", holder, claimedBy: ctx.actor, step: "claim", claimSealed: null, claimKeyId: null, lastError: null, claimedAt: null, leaseOwner: null, leaseUntil: null },
  });
  let r;
  try {
    r = await ctx.client.claimNodeOperation(operationId, { holder, leaseSeconds: CENTER_LEASE_SECONDS }, { timeoutMs: 20_000 });
  } catch (e) {
    // Center's envelope carries 409 as its code (HTTP 200) or as the HTTP status
    if (e instanceof CenterError && (e.code === 409 || e.httpStatus === 409)) {
      await db().provisionRun.delete({ where: { operationId } }).catch(() => undefined);
      throw new ActionFailure("conflict", msg`Work item ${operationId} is no longer claimable: someone else claimed it, or it is gone (Center: ${e.message}). The list was refreshed; pick another item.`);
    }
    if (e instanceof CenterError) {
      await db().provisionRun.delete({ where: { operationId } }).catch(() => undefined);
      throw new ActionFailure("failed", redactedText(msg`Center refused the claim of work item ${operationId} (HTTP ${e.httpStatus}, code ${e.code}): ${e.message}. Nothing was claimed.`));
    }
    // refused at connect: the request never reached Center, so nothing can have been claimed
    if (e instanceof CenterUnavailableError && e.kind === "network" && /ECONNREFUSED/.test(e.message)) {
      await db().provisionRun.delete({ where: { operationId } }).catch(() => undefined);
      throw new ActionFailure("failed", redactedText(msg`Center could not be reached (connection refused): work item ${operationId} was not claimed. Try again when Center answers.`));
    }
    const why = e instanceof CenterUnavailableError ? `${e.kind}${e.httpStatus ? ` ${e.httpStatus}` : ""}` : e instanceof Error ? e.message : String(e);
    const lost = redactedText(msg`Center's answer to the claim of work item ${operationId} was lost (${why}). Center may hold the claim, and its one-time token is then lost: check the item at Center; k2ops does not claim it again blindly.`);
    await db().provisionRun.update({ where: { operationId }, data: { status: "claim-unknown", lastError: lost.text } });
    throw new ActionFailure("failed", lost);
  }
  const op = r.operation;
  const token = r.identity?.claimToken ?? "";
  const params = parseParams(op.params);
  // one write: the answer and the sealed token together (the token is masked in every sink already: client.registerSecret)
  await db().provisionRun.update({
    where: { operationId },
    data: {
      subId: op.subId,
      action: op.action,
      status: "claimed",
      step: op.action === "provision" ? "choose" : "claim",
      claimedAt: now,
      params: params as object,
      centerUrl: r.identity?.centerUrl ?? null,
      domain: r.identity?.domain ?? null,
      claimSealed: token ? sealClaim(token, key, contextOf(operationId)) : null,
      claimKeyId: token ? key.id : null,
      // no working lease yet: the process that runs the job's steps takes it (a replica other than the claiming one may)
      leaseOwner: null,
      leaseUntil: null,
    },
  });
  return { operationId, subId: op.subId, action: op.action, status: "claimed", params, centerUrl: r.identity?.centerUrl ?? null, claimCaptured: !!token, holder };
}

/**
 * The claim token of a run k2ops holds, opened for writing the node's `.env`
 * on stdin (provisioning.md Step 5). Never log, audit or return it to a page.
 * Throws ActionFailure(not_found) when the run holds no token (destroyed, or a
 * non-provision item).
 */
export async function openRunClaim(operationId: number, key: ClaimKey = claimKey()): Promise<string> {
  const run = await db().provisionRun.findUnique({ where: { operationId } });
  if (!run?.claimSealed) throw new ActionFailure("not_found", msg`Work item ${operationId}: k2ops holds no claim token for it (never claimed here, or already destroyed).`);
  const token = openClaim(run.claimSealed, key, contextOf(operationId));
  // masked in every sink of this process too (a console started after the claim never saw it arrive)
  registerSecret(token);
  return token;
}

/**
 * Gives up an item k2ops claimed (provisioning.md Step 8): Center has no
 * release, so the item is reported `failed` with a concise reason that never
 * carries the token or a secret, k2ops' sealed token is destroyed and the run
 * ends "aborted". Errors: not_found (k2ops holds no open run for the item);
 * failed (Center did not take the update: the run stays open, nothing destroyed).
 */
export async function abortWorkItem(operationId: number, reason: string, ctx: Omit<ClaimCtx, "key">): Promise<{ operationId: number; status: "aborted"; reported: string }> {
  const run = await db().provisionRun.findUnique({ where: { operationId } });
  if (!run || !(OPEN_RUN_STATUSES as readonly string[]).includes(run.status) || run.status === "claiming") {
    throw new ActionFailure("not_found", run ? msg`Work item ${operationId}: k2ops holds no claim on it to abort (its run is ${run.status}).` : msg`Work item ${operationId}: k2ops holds no claim on it to abort.`);
  }
  // after the node's registration Center's item is done: a `failed` now would undo it (Center applies any update)
  if (run.step === "verify") throw new ActionFailure("conflict", msg`Work item ${operationId}: the node has registered and Center's item is done; there is nothing to give up (only its checklist is left).`);
  // the job working the run stops first (its in-flight step is cancelled, Center is not told by it)
  if (run.jobId) await cancelJob(run.jobId).catch(() => false);
  const reported = redactText(`aborted in k2ops by ${ctx.actor}: ${reason.trim() || "no reason given"}`).slice(0, 300);
  try {
    await ctx.client.updateNodeOperation(operationId, { status: "failed", error: reported }, { timeoutMs: 20_000 });
  } catch (e) {
    throw new ActionFailure("failed", redactedText(msg`Center did not take the abort of work item ${operationId} (${e instanceof Error ? e.message : String(e)}): k2ops still holds the claim; try again.`));
  }
  await destroyClaim(operationId, { status: "aborted", lastError: reported });
  return { operationId, status: "aborted", reported };
}

/** Destroys k2ops' sealed copy of an item's claim token (after registration, failure or abort) and ends or updates the run. */
export async function destroyClaim(operationId: number, data: { status: string; lastError?: string | null }): Promise<ProvisionRun> {
  return db().provisionRun.update({ where: { operationId }, data: { ...data, claimSealed: null, claimKeyId: null, leaseOwner: null, leaseUntil: null } });
}

/** k2ops' runs by operation id (the Provisioning page shows them beside Center's items). */
export async function provisionRuns(operationIds?: number[]): Promise<Map<number, Pick<ProvisionRun, "operationId" | "action" | "status" | "step" | "claimedBy" | "claimedAt" | "lastError"> & { claimHeld: boolean }>> {
  const rows = await db().provisionRun.findMany({ where: operationIds ? { operationId: { in: operationIds } } : {} });
  return new Map(rows.map((r) => [r.operationId, { operationId: r.operationId, action: r.action, status: r.status, step: r.step, claimedBy: r.claimedBy, claimedAt: r.claimedAt, lastError: r.lastError, claimHeld: !!r.claimSealed }]));
}
