import crypto from "node:crypto";
import { db } from "@/lib/db";
import { centerClientFromEnv } from "@/lib/center/client";
import type { AdminNodeItem } from "@/lib/center/schemas";
import { recordSshContact } from "@/lib/fleet";
import { redactText } from "@/lib/redact";
import { buildVerificationScript, parseVerificationOutput } from "@/lib/verification";
import { saveVerification, type VerificationOutcome } from "@/lib/verification/store";
import { HostKeyChangedError } from "@/lib/ssh/host-keys";
import { sshEngine, targetOf } from "./engine";

// Runs a node's whole §6 checklist in ONE SSH round trip: one script on stdin
// (each check under its own `timeout`), parsed here, stored with history.

export const VERIFY_TIMEOUT_MS = Number(process.env.K2OPS_VERIFY_TIMEOUT_MS ?? 90_000);

export type VerifyOptions = { triggeredBy: string; jobId?: string; centerNodes?: Map<string, AdminNodeItem> | null; signal?: AbortSignal };

/** Center's view for the cross-check; null when Center cannot be asked (the check then reads unknown). */
export async function centerNodeMap(): Promise<Map<string, AdminNodeItem> | null> {
  if (!process.env.KAITU_CENTER_URL) return null;
  try {
    return new Map((await centerClientFromEnv().listAllNodes()).map((n) => [n.ipv4, n]));
  } catch {
    return null;
  }
}

export async function verifyNode(ipv4: string, opts: VerifyOptions): Promise<VerificationOutcome> {
  const started = new Date();
  const t0 = performance.now();
  const node = await db().node.findUnique({ where: { ipv4 } });
  if (!node) throw new Error(`No node ${ipv4} in the fleet table (sync from Center first)`);
  const fail = async (error: string): Promise<VerificationOutcome> => {
    const outcome: VerificationOutcome = { status: "error", error: redactText(error), durationMs: performance.now() - t0 };
    await saveVerification(ipv4, outcome, { triggeredBy: opts.triggeredBy, jobId: opts.jobId, startedAt: started });
    return outcome;
  };
  if (node.hostKeyState === "changed") return fail("host key changed: every operation on this node is blocked until an admin clears it");
  if (node.hostKeyState === "new_key_type") return fail("new host key type: every operation on this node is blocked until an admin confirms it");

  const token = crypto.randomBytes(12).toString("hex");
  let stdout: string;
  let sshAt: Date;
  try {
    const res = await sshEngine().runScript(targetOf(node), buildVerificationScript({ token }), { timeoutMs: VERIFY_TIMEOUT_MS });
    sshAt = new Date();
    if (res.timedOut) {
      await recordSshContact(ipv4, true);
      return fail(`the checklist did not finish within ${Math.round(VERIFY_TIMEOUT_MS / 1000)} s`);
    }
    stdout = res.stdout;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    await recordSshContact(ipv4, false, msg);
    if (e instanceof HostKeyChangedError) {
      await db().node.update({ where: { ipv4 }, data: { hostKeyState: "changed" } });
    }
    return fail(msg);
  }

  const centerNodes = opts.centerNodes === undefined ? await centerNodeMap() : opts.centerNodes;
  const centerNode = centerNodes ? (centerNodes.get(ipv4) ?? { tunnels: [] }) : null;
  const parsed = parseVerificationOutput(stdout, { token, ipv4, centerNode });
  const outcome: VerificationOutcome = { status: parsed.status, failingChecks: parsed.failingChecks, checks: parsed.checks, durationMs: performance.now() - t0 };
  // the run, what it learned and the SSH contact: one write of the node row
  await saveVerification(
    ipv4,
    outcome,
    { triggeredBy: opts.triggeredBy, jobId: opts.jobId, startedAt: started },
    {
      lastSeenSshAt: sshAt,
      lastSshError: null,
      arch: parsed.facts.arch ?? undefined,
      // operations go to the directory the stack runs from (a legacy k2-slave may still be in the old one)
      ...(parsed.facts.deployDir ? { archDetail: { deployDir: parsed.facts.deployDir } } : {}),
      versionTag: parsed.facts.versionTag ?? undefined,
      sidecarHealth: parsed.facts.sidecarHealth ?? undefined,
      lastOperation: "verify",
      lastOperationAt: new Date(),
    },
  );
  return outcome;
}
