"use server";

import { z } from "zod";
import { ipv4Schema, setSshOverride } from "@/lib/fleet";
import { sshOverrideSchema } from "@/lib/fleet/schema";
import { confirmNewHostKeyType, sshConfigured, sshEngine, targetOf } from "@/lib/node-ops/engine";
import { revalidatePath } from "next/cache";
import { ActionFailure, defineAction } from "@/lib/actions/safe-action";
import { CONTAINERS } from "@/lib/guardrails/command";
import { db } from "@/lib/db";
import { verifyNode } from "@/lib/node-ops/verify";
import { outcomeAfterChange, addUser, fixTimezone, applyEnvEdit, rebootLightsail, clearHostKey, clearUsers, fixIptablesLegacy, nodeStatus, previewEnvEdit, pullAndUp, pushCompose, removeUser, restartContainer, tailLogs, viewUsers } from "@/lib/node-ops/ops";
import { envEditSchema } from "@/lib/node-ops/env-schema";
import { sayEnvNotes } from "@/lib/node-ops/env-file";
import { requestLocale } from "@/lib/actions/locale";
import { migrateDeployDir, migrateLegacyK2Slave } from "@/lib/node-ops/migrate";
import { OPERATION_ID, cancelOperation, runCancellable } from "@/lib/node-ops/running";
import { hasRole } from "@/lib/auth/roles";
import { msg } from "@/lib/text";

const ipv4 = ipv4Schema;
const node = z.object({ ipv4 });
const target = (i: { ipv4: string }) => ({ type: "node", id: i.ipv4 });
const confirmed = { confirm: z.literal(true, { error: "Confirm the operation first" }) };

/** Dangerous operations: the operator typed the node's name; checked here, whatever the browser sent. */
async function requireTypedName(ip: string, typed: string) {
  const n = await db().node.findUnique({ where: { ipv4: ip }, select: { name: true } });
  if (!n) throw new ActionFailure("not_found", msg`No node ${ip}.`);
  if (typed.trim() !== (n.name || ip)) throw new ActionFailure("conflict", msg`Type the node name (${n.name || ip}) exactly to confirm. Nothing was changed.`);
}

const after = (ip: string) => revalidatePath(`/nodes/${ip}`);

// a long operation may carry a client-chosen id, so the operator can watch and cancel it
const cancellable = { operationId: z.string().regex(OPERATION_ID, "an operation id is a UUID").optional() };
const asOperation = (input: { ipv4: string; operationId?: string }, name: string, actor: string) =>
  input.operationId ? { operationId: input.operationId, name, ipv4: input.ipv4, actor } : null;

export const verifyNodeAction = defineAction({
  name: "node.verify",
  role: "operator",
  input: node,
  target,
  run: async (input, ctx) => {
    const out = await verifyNode(input.ipv4, { triggeredBy: ctx.user.email });
    after(input.ipv4);
    if (out.status === "error") return { status: out.status, error: out.error };
    return { status: out.status, failingChecks: out.failingChecks, unknownChecks: out.checks.filter((c) => c.status === "unknown").map((c) => c.key) };
  },
  auditResult: (r) => r,
  // a checklist that could not run did not do its job; one that ran and found problems (or could
  // not read some evidence) did, on a node that is not known to be healthy
  outcome: (r) =>
    r.status === "error"
      ? { status: "failed", reason: `verification could not run: ${r.error}` }
      : r.status === "pass"
        ? { status: "succeeded" }
        : r.status === "unknown"
          ? { status: "degraded", reason: `checks that could not be read: ${(r.unknownChecks ?? []).join(", ")}` }
          : { status: "degraded", reason: `checks failing: ${(r.failingChecks ?? []).join(", ")}` },
});

export const nodeStatusAction = defineAction({
  name: "node.status",
  role: "viewer",
  mutating: false,
  input: node,
  run: (input, ctx) => nodeStatus(input.ipv4, { actor: ctx.user.email, requestId: ctx.audit.requestId }),
});

export const tailLogsAction = defineAction({
  name: "node.logs",
  role: "viewer",
  mutating: false,
  input: node.extend({ container: z.enum(CONTAINERS), lines: z.coerce.number().int().min(1).max(5000).default(100) }),
  run: (input, ctx) => tailLogs(input.ipv4, input.container, input.lines, { actor: ctx.user.email, requestId: ctx.audit.requestId }),
});

export const pullAndUpAction = defineAction({
  name: "node.update",
  role: "operator",
  input: node.extend({ ...confirmed, ...cancellable }),
  target,
  run: async (input, ctx) => {
    const r = await runCancellable(asOperation(input, "node.update", ctx.user.email), () => pullAndUp(input.ipv4, { actor: ctx.user.email, requestId: ctx.audit.requestId }));
    after(input.ipv4);
    return r;
  },
  auditResult: (r) => ({ summary: r.summary }),
  outcome: (r) => outcomeAfterChange(r.parsed.check),
});

export const pushComposeAction = defineAction({
  name: "node.compose.push",
  role: "operator",
  input: node.extend({ apply: z.boolean().default(false), ...confirmed, ...cancellable }),
  target,
  run: async (input, ctx) => {
    const r = await runCancellable(asOperation(input, "node.compose.push", ctx.user.email), () =>
      pushCompose(input.ipv4, { apply: input.apply }, { actor: ctx.user.email, requestId: ctx.audit.requestId }),
    );
    after(input.ipv4);
    return r;
  },
  auditResult: (r) => ({ summary: r.summary, outcome: r.parsed.outcome, md5: r.parsed.md5 }),
  outcome: (r) => outcomeAfterChange(r.parsed.check),
});

export const restartContainerAction = defineAction({
  name: "node.restart",
  role: "operator",
  input: node.extend({ container: z.enum(CONTAINERS), ...confirmed, ...cancellable }),
  target,
  run: (input, ctx) =>
    runCancellable(asOperation(input, "node.restart", ctx.user.email), () => restartContainer(input.ipv4, input.container, { actor: ctx.user.email, requestId: ctx.audit.requestId })),
  auditResult: (r) => ({ summary: r.summary }),
});

export const viewUsersAction = defineAction({
  name: "node.users.view",
  role: "viewer",
  mutating: false,
  input: node,
  run: (input, ctx) => viewUsers(input.ipv4, { actor: ctx.user.email, requestId: ctx.audit.requestId }),
});

export const addUserAction = defineAction({
  name: "node.users.add",
  role: "operator",
  input: node.extend({ udid: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, "1-128 letters, digits, . _ -"), token: z.string().regex(/^[A-Za-z0-9._~+/=-]{8,256}$/, "8-256 URL-safe characters") }),
  target,
  run: (input, ctx) => addUser(input.ipv4, { udid: input.udid, token: input.token }, { actor: ctx.user.email, requestId: ctx.audit.requestId }),
  auditResult: (r) => ({ summary: r.summary }),
});

export const removeUserAction = defineAction({
  name: "node.users.remove",
  role: "operator",
  input: node.extend({ udid: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/), ...confirmed }),
  target,
  run: (input, ctx) => removeUser(input.ipv4, input.udid, { actor: ctx.user.email, requestId: ctx.audit.requestId }),
  auditResult: (r) => ({ summary: r.summary }),
});

export const clearUsersAction = defineAction({
  name: "node.users.clear",
  role: "operator",
  input: node.extend({ confirmName: z.string().max(100) }),
  target,
  run: async (input, ctx) => {
    await requireTypedName(input.ipv4, input.confirmName);
    return clearUsers(input.ipv4, { actor: ctx.user.email, requestId: ctx.audit.requestId });
  },
  auditResult: (r) => ({ summary: r.summary }),
});

export const fixIptablesAction = defineAction({
  name: "node.fix.iptables",
  role: "operator",
  input: node.extend({ confirmName: z.string().max(100), ...cancellable }),
  target,
  run: async (input, ctx) => {
    await requireTypedName(input.ipv4, input.confirmName);
    const r = await runCancellable(asOperation(input, "node.fix.iptables", ctx.user.email), () => fixIptablesLegacy(input.ipv4, { actor: ctx.user.email, requestId: ctx.audit.requestId }));
    after(input.ipv4);
    return r;
  },
  auditResult: (r) => ({ summary: r.summary }),
});

export const clearHostKeyAction = defineAction({
  name: "node.hostkey.clear",
  role: "admin",
  input: node.extend({ confirmName: z.string().max(100) }),
  target,
  run: async (input, ctx) => {
    await requireTypedName(input.ipv4, input.confirmName);
    await clearHostKey(input.ipv4, ctx.user.email);
    after(input.ipv4);
    return { cleared: true };
  },
});

export const confirmHostKeyTypeAction = defineAction({
  name: "node.hostkey.confirmType",
  role: "admin",
  input: node.extend({ confirmName: z.string().max(100) }),
  target,
  run: async (input, ctx) => {
    await requireTypedName(input.ipv4, input.confirmName);
    const n = await db().node.findUnique({ where: { ipv4: input.ipv4 }, select: { ipv4: true, sshUser: true, sshPort: true, hostKeyState: true } });
    if (!n || n.hostKeyState !== "new_key_type") throw new ActionFailure("conflict", msg`${input.ipv4} has no new host key type waiting for confirmation.`);
    const key = await confirmNewHostKeyType(n, ctx.user.email);
    if (!key) throw new ActionFailure("conflict", "No presented key is waiting: read the node once more, then confirm.");
    after(input.ipv4);
    return { confirmed: true, algorithm: key.algorithm, fingerprint: key.fingerprint };
  },
  auditResult: (r) => r,
});

export const cancelOperationAction = defineAction({
  name: "node.operation.cancel",
  role: "operator",
  input: node.extend({ operationId: z.string().regex(OPERATION_ID, "an operation id is a UUID") }),
  target,
  run: async (input, ctx) => {
    const op = cancelOperation(input.operationId, input.ipv4, { email: ctx.user.email, isAdmin: hasRole(ctx.user.role, "admin") });
    return { cancelled: op.name, startedAt: new Date(op.startedAt).toISOString() };
  },
  auditResult: (r) => r,
});

const envEdit = node.extend({ edit: envEditSchema });

export const previewEnvAction = defineAction({
  name: "node.env.preview",
  role: "operator",
  mutating: false,
  input: envEdit,
  run: async (input, ctx) => {
    const r = await previewEnvEdit(input.ipv4, input.edit, hasRole(ctx.user.role, "admin"), { actor: ctx.user.email, requestId: ctx.audit.requestId });
    // each refused or noted variable in the reader's language (the editor shows them beside the field)
    return r.parsed ? { ...r, parsed: sayEnvNotes(r.parsed, await requestLocale(ctx.user)) } : r;
  },
});

export const applyEnvAction = defineAction({
  name: "node.env.apply",
  role: "operator",
  input: envEdit.extend({ ...confirmed, ...cancellable }),
  target,
  run: async (input, ctx) => {
    const r = await runCancellable(asOperation(input, "node.env.apply", ctx.user.email), () =>
      applyEnvEdit(input.ipv4, input.edit, hasRole(ctx.user.role, "admin"), { actor: ctx.user.email, requestId: ctx.audit.requestId }),
    );
    after(input.ipv4);
    return r;
  },
  auditResult: (r) => ({ summary: r.summary, changes: r.parsed.changes }),
  outcome: (r) => outcomeAfterChange(r.parsed.check),
});

export const rebootLightsailAction = defineAction({
  name: "node.reboot",
  role: "operator",
  input: node.extend({ confirmName: z.string().max(100) }),
  target,
  run: async (input, ctx) => {
    await requireTypedName(input.ipv4, input.confirmName);
    return rebootLightsail(input.ipv4, { actor: ctx.user.email, requestId: ctx.audit.requestId });
  },
  auditResult: (r) => r.parsed,
});

export const setSshOverrideAction = defineAction({
  name: "node.ssh.override",
  role: "admin",
  input: node.merge(sshOverrideSchema),
  target,
  run: async (input, ctx) => {
    const exists = await db().node.findUnique({ where: { ipv4: input.ipv4 }, select: { ipv4: true } });
    if (!exists) throw new ActionFailure("not_found", msg`No node ${input.ipv4}.`);
    const r = await ctx.commit((tx) => setSshOverride(input.ipv4, { sshUser: input.sshUser, sshPort: input.sshPort }, tx), (v) => v);
    // pooled connections were made with the old user/port
    if (sshConfigured()) sshEngine().forget(targetOf({ ipv4: input.ipv4, ...r.before }));
    after(input.ipv4);
    return r.after;
  },
});

// ---- issue #10 item 14: the state fixes and the two legacy migrations ----

export const fixTimezoneAction = defineAction({
  name: "node.fix.timezone",
  role: "operator",
  input: node.extend({ confirmName: z.string().max(100), ...cancellable }),
  target,
  run: async (input, ctx) => {
    await requireTypedName(input.ipv4, input.confirmName);
    const r = await runCancellable(asOperation(input, "node.fix.timezone", ctx.user.email), () => fixTimezone(input.ipv4, { actor: ctx.user.email, requestId: ctx.audit.requestId }));
    after(input.ipv4);
    return r;
  },
  auditResult: (r) => ({ summary: r.summary, timezone: r.parsed.timezone }),
  outcome: (r) => outcomeAfterChange(r.parsed.check),
});

export const migrateK2SlaveAction = defineAction({
  name: "node.migrate.k2slave",
  role: "operator",
  input: node.extend({ confirmName: z.string().max(100), ...cancellable }),
  target,
  run: async (input, ctx) => {
    await requireTypedName(input.ipv4, input.confirmName);
    const r = await runCancellable(asOperation(input, "node.migrate.k2slave", ctx.user.email), () => migrateLegacyK2Slave(input.ipv4, { actor: ctx.user.email, requestId: ctx.audit.requestId }));
    after(input.ipv4);
    return r;
  },
  auditResult: (r) => ({ summary: r.summary, dir: r.parsed.dir }),
  outcome: (r) => outcomeAfterChange(r.parsed.check),
});

export const migrateDirAction = defineAction({
  name: "node.migrate.dir",
  role: "operator",
  input: node.extend({ confirmName: z.string().max(100), ...cancellable }),
  target,
  run: async (input, ctx) => {
    await requireTypedName(input.ipv4, input.confirmName);
    const r = await runCancellable(asOperation(input, "node.migrate.dir", ctx.user.email), () => migrateDeployDir(input.ipv4, { actor: ctx.user.email, requestId: ctx.audit.requestId }));
    after(input.ipv4);
    return r;
  },
  // the usage read and restored is audited with the outcome (bytes and GiB, no secret)
  auditResult: (r) => ({ summary: r.summary, usageBefore: r.parsed.usageBefore, restoredGb: r.parsed.restoredGb, cutover: r.parsed.cutover }),
  outcome: (r) => outcomeAfterChange(r.parsed.check),
});
