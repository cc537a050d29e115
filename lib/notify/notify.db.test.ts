import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { db } from "@/lib/db";
import { redactText } from "@/lib/redact";
import { deliver, notify } from "./index";
import { listDeliveries, resendDelivery, sendTest } from "./log";
import { createTarget, deleteTarget, listTargetViews, targetsFor, updateTarget } from "./targets";

// Notification targets configured on Settings → Notifications (issue #16): the
// URL is sealed at rest and never shown, each target receives only its
// categories, every delivery is logged with its attempts, and a failed one can
// be sent again. A real HTTP receiver answers as told.

let t: TestDatabase;
let hook: http.Server;
let base = "";
const got: { path: string; body: Record<string, unknown> }[] = [];
let failNext = 0; // the receiver answers 503 this many times

beforeAll(async () => {
  process.env.K2OPS_CLAIM_KEY = crypto.randomBytes(32).toString("hex");
  delete process.env.K2OPS_NOTIFY_WEBHOOK;
  delete process.env.K2OPS_NOTIFY_SLACK_WEBHOOK;
  t = await createTestDatabase();
  hook = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d));
    req.on("end", () => {
      if (failNext > 0) {
        failNext--;
        res.statusCode = 503;
        res.end("busy");
        return;
      }
      got.push({ path: req.url ?? "", body: JSON.parse(body) as Record<string, unknown> });
      res.end("ok");
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
});
afterAll(async () => {
  delete process.env.K2OPS_CLAIM_KEY;
  await new Promise((r) => hook?.close(r));
  await t?.close();
});
beforeEach(async () => {
  got.length = 0;
  failNext = 0;
  await db().notifyTarget.deleteMany({});
});

const notice = (text: string) => ({ event: "halted", jobId: "j1", kind: "rollout:update", status: "halted", total: 3, done: 1, failed: 1, text, link: null });

describe("notification targets", () => {
  it("seals the URL at rest and never returns it; the page sees only scheme://host", async () => {
    const url = `${base}/hooks/T000/B000/very-secret-path-key`;
    const v = await createTarget({ name: "ops webhook", kind: "webhook", webhookUrl: url, categories: ["rollout"] }, "admin@example.com");
    expect(v.hint).toBe(base);
    const row = await db().notifyTarget.findUniqueOrThrow({ where: { id: v.id! } });
    expect(row.urlSealed).not.toContain("very-secret-path-key");
    expect(JSON.stringify(await listTargetViews({}))).not.toContain("very-secret-path-key");
    // opened for delivery, the URL is known to the redactor from then on
    const { targets } = await targetsFor("rollout", {});
    expect(targets.map((x) => x.url)).toEqual([url]);
    expect(redactText(`POST ${url} failed`)).not.toContain("very-secret-path-key");
  });

  it("refuses bad input naming the field, and a duplicate name", async () => {
    await expect(createTarget({ name: "s", kind: "slack", webhookUrl: "http://example.com/x", categories: ["rollout"] }, "a")).rejects.toThrow(/URL: a Slack incoming webhook/);
    await expect(createTarget({ name: "w", kind: "webhook", webhookUrl: "ftp://example.com/x", categories: ["rollout"] }, "a")).rejects.toThrow(/URL: http or https only/);
    await expect(createTarget({ name: "w", kind: "webhook", webhookUrl: `${base}/x`, categories: [] }, "a")).rejects.toThrow(/Events: choose at least one/);
    await expect(createTarget({ name: "w", kind: "webhook", webhookUrl: "", categories: ["rollout"] }, "a")).rejects.toThrow(/URL: required/);
    await createTarget({ name: "w", kind: "webhook", webhookUrl: `${base}/x`, categories: ["rollout"] }, "a");
    await expect(createTarget({ name: "w", kind: "webhook", webhookUrl: `${base}/y`, categories: ["rollout"] }, "a")).rejects.toThrow(/already exists/);
    expect(await db().notifyTarget.count()).toBe(1);
  });

  it("routes each category only to the targets that list it, and skips a disabled one", async () => {
    await createTarget({ name: "rollouts", kind: "webhook", webhookUrl: `${base}/rollouts`, categories: ["rollout"] }, "a");
    const m = await createTarget({ name: "metering", kind: "webhook", webhookUrl: `${base}/metering`, categories: ["metering", "provisioning"] }, "a");
    await notify("metering", notice("node jp-1 crossed 80% of its quota"));
    await notify("rollout", notice("rollout j1 halted"));
    expect(got.map((g) => g.path).sort()).toEqual(["/metering", "/rollouts"]);
    // an update without a URL keeps the stored one
    await updateTarget(m.id!, { name: "metering", kind: "webhook", webhookUrl: "", categories: ["metering"], enabled: false }, "a");
    got.length = 0;
    await notify("metering", notice("again"));
    expect(got).toEqual([]);
    await updateTarget(m.id!, { name: "metering", kind: "webhook", categories: ["metering"], enabled: true }, "a");
    await notify("metering", notice("again"));
    expect(got.map((g) => g.path)).toEqual(["/metering"]);
  });

  it("logs each delivery with its attempts; a failed one is sent again as a new row", async () => {
    const v = await createTarget({ name: "flaky", kind: "webhook", webhookUrl: `${base}/flaky`, categories: ["rollout"] }, "a");
    failNext = 1;
    const [ok] = await notify("rollout", notice("halted after 1 failure"), { delaysMs: [10, 10] });
    expect(ok).toMatchObject({ ok: true, attempts: 2 });
    failNext = 3;
    const [bad] = await notify("rollout", notice("halted again"), { delaysMs: [10, 10] });
    expect(bad).toMatchObject({ ok: false, attempts: 3 });
    const log = await listDeliveries();
    const failed = log.rows.find((r) => r.id === bad.deliveryId)!;
    expect(failed).toMatchObject({ status: "failed", attempts: 3, lastError: "HTTP 503", targetName: "flaky", category: "rollout", canResend: true });
    expect(log.rows.find((r) => r.id === ok.deliveryId)).toMatchObject({ status: "delivered", attempts: 2, lastError: null, canResend: false });
    await expect(resendDelivery(ok.deliveryId!)).rejects.toThrow(/was delivered/);
    const again = await resendDelivery(bad.deliveryId!, { delaysMs: [10] });
    expect(again.ok).toBe(true);
    expect((await db().notifyDelivery.findUniqueOrThrow({ where: { id: again.deliveryId! } })).retryOf).toBe(bad.deliveryId);
    expect(got.map((g) => g.body.text)).toEqual(["halted after 1 failure", "halted again"]);
    // a deleted target's failed delivery cannot be sent again
    failNext = 3;
    const [gone] = await notify("rollout", notice("third"), { delaysMs: [10, 10] });
    await deleteTarget(v.id!);
    expect((await listDeliveries()).rows.find((r) => r.id === gone.deliveryId)!.canResend).toBe(false);
    await expect(resendDelivery(gone.deliveryId!)).rejects.toThrow(/no longer exists/);
  });

  it("an unreachable target is logged with the error, and never with its URL", async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", () => r()));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const url = `http://127.0.0.1:${port}/secret-path-abc123`;
    await createTarget({ name: "dead", kind: "webhook", webhookUrl: url, categories: ["provisioning"] }, "a");
    const [r] = await notify("provisioning", notice("work item 7 queued"), { delaysMs: [] });
    expect(r.ok).toBe(false);
    const row = await db().notifyDelivery.findUniqueOrThrow({ where: { id: r.deliveryId! } });
    expect(row.lastError).toMatch(/fetch failed|ECONNREFUSED/);
    expect(JSON.stringify(row)).not.toContain("secret-path-abc123");
  });

  it("a test notice reaches one target and says who sent it; a notice's text is redacted", async () => {
    const v = await createTarget({ name: "slackish", kind: "webhook", webhookUrl: `${base}/t`, categories: ["metering"] }, "a");
    const r = await sendTest({ id: v.id! }, "admin@example.com");
    expect(r.ok).toBe(true);
    expect(got[0].body).toMatchObject({ event: "test", text: "test notice from k2ops, sent by admin@example.com to slackish" });
    await deliver(notice("K2_NODE_SECRET=abcdef0123456789abcdef0123456789 leaked?"), [{ id: null, name: "direct", kind: "webhook", url: `${base}/d`, categories: ["rollout"] }], { delaysMs: [] });
    expect(String(got[1].body.text)).not.toContain("abcdef0123456789abcdef0123456789");
    const logged = await db().notifyDelivery.findFirstOrThrow({ where: { targetName: "direct" } });
    expect(JSON.stringify(logged.notice)).not.toContain("abcdef0123456789abcdef0123456789");
  });
});
