import crypto from "node:crypto";
import { db } from "@/lib/db";
import { ActionFailure } from "@/lib/errors";
import { claimKey } from "@/lib/provisioning/claim";
import { openClaim, sealClaim } from "@/lib/provisioning/claim-vault";
import { registerSecret } from "@/lib/redact";
import { msg } from "@/lib/text";
import { NOTIFY_CATEGORIES, targetInputSchema, type NotifyCategory, type TargetInput } from "./schema";

// The operators' channels (issue #16 "Notifications settings"): targets from the
// environment (K2OPS_NOTIFY_WEBHOOK, K2OPS_NOTIFY_SLACK_WEBHOOK: every event) and
// targets the admins add on Settings → Notifications, each with the event
// categories it receives. A target's URL is a credential (a Slack incoming
// webhook's path is its key): stored sealed (AES-256-GCM, the console's vault
// key), registered with the redactor whenever it is opened, and never returned to
// a page, which shows only `hint` (scheme://host).

export { CATEGORY_EVENTS, NOTIFY_CATEGORIES, targetInputSchema, type NotifyCategory, type TargetInput } from "./schema";

export type NotifyTarget = {
  /** the stored target's id; null for a target from the environment */
  id: string | null;
  name: string;
  kind: "webhook" | "slack";
  url: string;
  categories: readonly NotifyCategory[];
};

/** A target as a page may show it: no URL. */
export type NotifyTargetView = {
  id: string | null;
  name: string;
  kind: "webhook" | "slack";
  hint: string;
  categories: NotifyCategory[];
  enabled: boolean;
  source: "environment" | "settings";
  updatedAt: string | null;
  updatedBy: string | null;
};

/** The environment's targets: every category. */
export function envTargets(env: Record<string, string | undefined> = process.env): NotifyTarget[] {
  const t: NotifyTarget[] = [];
  if (env.K2OPS_NOTIFY_WEBHOOK) t.push({ id: null, name: "K2OPS_NOTIFY_WEBHOOK", kind: "webhook", url: env.K2OPS_NOTIFY_WEBHOOK, categories: NOTIFY_CATEGORIES });
  if (env.K2OPS_NOTIFY_SLACK_WEBHOOK) t.push({ id: null, name: "K2OPS_NOTIFY_SLACK_WEBHOOK", kind: "slack", url: env.K2OPS_NOTIFY_SLACK_WEBHOOK, categories: NOTIFY_CATEGORIES });
  return t;
}

const hintOf = (url: string) => {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
};

const context = (id: string) => `notify-target:${id}`;

/** Every target, environment first, for the settings page (no URL). */
export async function listTargetViews(env: Record<string, string | undefined> = process.env): Promise<NotifyTargetView[]> {
  const fromEnv: NotifyTargetView[] = envTargets(env).map((t) => ({ id: null, name: t.name, kind: t.kind, hint: hintOf(t.url), categories: [...t.categories], enabled: true, source: "environment", updatedAt: null, updatedBy: null }));
  const rows = await db().notifyTarget.findMany({ orderBy: { name: "asc" } });
  return [
    ...fromEnv,
    ...rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind as "webhook" | "slack", hint: r.hint, categories: r.events.filter((e): e is NotifyCategory => (NOTIFY_CATEGORIES as readonly string[]).includes(e)), enabled: r.enabled, source: "settings" as const, updatedAt: r.updatedAt.toISOString(), updatedBy: r.updatedBy })),
  ];
}

/** Adds a target. Throws ActionFailure("conflict") when the name is taken, ("failed") without a URL. */
export async function createTarget(input: TargetInput, by: string): Promise<NotifyTargetView> {
  const v = targetInputSchema.parse(input);
  if (!v.webhookUrl) throw new ActionFailure("failed", "URL: required for a new target");
  if (await db().notifyTarget.findUnique({ where: { name: v.name } })) throw new ActionFailure("conflict", msg`A target named ${v.name} already exists.`);
  const id = crypto.randomUUID();
  await db().notifyTarget.create({ data: { id, name: v.name, kind: v.kind, urlSealed: sealClaim(v.webhookUrl, claimKey(), context(id)), hint: hintOf(v.webhookUrl), events: v.categories, enabled: v.enabled, updatedBy: by } });
  return (await listTargetViews({})).find((t) => t.id === id)!;
}

/** Changes a target; an empty URL keeps the stored one. Throws ActionFailure("not_found"/"conflict"). */
export async function updateTarget(id: string, input: TargetInput, by: string): Promise<NotifyTargetView> {
  const v = targetInputSchema.parse(input);
  const cur = await db().notifyTarget.findUnique({ where: { id } });
  if (!cur) throw new ActionFailure("not_found", "That target no longer exists.");
  const clash = await db().notifyTarget.findUnique({ where: { name: v.name } });
  if (clash && clash.id !== id) throw new ActionFailure("conflict", msg`A target named ${v.name} already exists.`);
  const url = v.webhookUrl ? { urlSealed: sealClaim(v.webhookUrl, claimKey(), context(id)), hint: hintOf(v.webhookUrl) } : {};
  if (!v.webhookUrl && cur.kind !== v.kind) throw new ActionFailure("failed", "URL: enter the URL again when the kind changes");
  await db().notifyTarget.update({ where: { id }, data: { name: v.name, kind: v.kind, events: v.categories, enabled: v.enabled, updatedBy: by, ...url } });
  return (await listTargetViews({})).find((t) => t.id === id)!;
}

/** Removes a target (its delivery log stays). Throws ActionFailure("not_found"). */
export async function deleteTarget(id: string): Promise<{ name: string }> {
  const cur = await db().notifyTarget.findUnique({ where: { id } });
  if (!cur) throw new ActionFailure("not_found", "That target no longer exists.");
  await db().notifyTarget.delete({ where: { id } });
  return { name: cur.name };
}

/** A stored target with its URL opened (registered with the redactor first). Throws ActionFailure("not_found"). */
export async function openTarget(id: string): Promise<NotifyTarget & { enabled: boolean }> {
  const r = await db().notifyTarget.findUnique({ where: { id } });
  if (!r) throw new ActionFailure("not_found", "That target no longer exists.");
  const url = openClaim(r.urlSealed, claimKey(), context(r.id));
  registerSecret(url);
  return { id: r.id, name: r.name, kind: r.kind as "webhook" | "slack", url, categories: r.events as NotifyCategory[], enabled: r.enabled };
}

/**
 * The enabled targets that receive `category`: the environment's, then the stored
 * ones listing it. A stored target whose URL does not open (another vault key) is
 * left out and said in `unopened`.
 */
export async function targetsFor(category: NotifyCategory, env: Record<string, string | undefined> = process.env): Promise<{ targets: NotifyTarget[]; unopened: string[] }> {
  for (const t of envTargets(env)) registerSecret(t.url);
  const rows = await db().notifyTarget.findMany({ where: { enabled: true, events: { has: category } }, orderBy: { name: "asc" } });
  const targets: NotifyTarget[] = [...envTargets(env)];
  const unopened: string[] = [];
  for (const r of rows) {
    try {
      targets.push(await openTarget(r.id));
    } catch {
      unopened.push(r.name);
    }
  }
  return { targets, unopened };
}
