import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { registerJobKinds } from "@/lib/jobs/console";
import { startJobEngine, stopJobEngine } from "@/lib/jobs/engine";
import { getJob, waitForJob } from "@/lib/jobs";
import { AUTO_UPDATE_CRON_LINE, AUTO_UPDATE_READ, AUTO_UPDATE_TARGET, loadCanonicalAutoUpdate } from "@/lib/node-ops/auto-update";
import { startTestFleet, type TestFleet } from "@/lib/node-ops/test-fleet";
import { verifyNode } from "@/lib/node-ops/verify";
import { knownSecretMatches } from "@/lib/redact";
import { unwrappedCommand } from "@/lib/ssh/engine";
import type { Scenario } from "@/simulator/node/fleet";
import { previewRollout, startRollout } from "./index";
import { strategySchema } from "./strategy";

// The `auto-update` rollout kind (install/refresh auto-update, runbook §6.4
// made correct) against real sshd simulated nodes: a node with the standard
// cron line and no script yet, a node with NO crontab, a node whose script is
// an empty file, a node whose crontab has the line twice plus another entry;
// a second run changes nothing; the DIR-migration guard; audit rows; no
// command line ever carries the script. Addresses 127.0.83.10-19 are this suite's own.

const SECRET = "7d".repeat(32);
const STANDARD = "127.0.83.10"; // the provisioned cron line, no auto-update.sh yet
const NO_CRONTAB = "127.0.83.11"; // root has no crontab at all
const EMPTY_FILE = "127.0.83.12"; // auto-update.sh is an empty file (the runbook's `ssh -n … sudo tee` defect)
const MESSY_CRON = "127.0.83.13"; // the line twice, plus the script at another hour
const UNMIGRATED = "127.0.83.14"; // still in /apps/kaitu-slave
const NODES: [string, Scenario][] = [
  [STANDARD, "healthy"],
  [NO_CRONTAB, "healthy"],
  [EMPTY_FILE, "healthy"],
  [MESSY_CRON, "healthy"],
  [UNMIGRATED, "unmigrated"],
];
const FOUR = [STANDARD, NO_CRONTAB, EMPTY_FILE, MESSY_CRON];
const canonical = loadCanonicalAutoUpdate();
let f: TestFleet;

const crontabPath = (ip: string) => path.join(f.fleet.node(ip).dir, "crontab.root");
const crontab = (ip: string) => (fs.existsSync(crontabPath(ip)) ? fs.readFileSync(crontabPath(ip), "utf8") : null);
const scriptOf = (ip: string) => fs.readFileSync(f.fleet.node(ip).hostPath(AUTO_UPDATE_TARGET), "utf8");
const exactLines = (ip: string) => (crontab(ip) ?? "").split("\n").filter((l) => l === AUTO_UPDATE_CRON_LINE).length;
const fast = (o: Record<string, unknown> = {}) => strategySchema.parse({ canary: 0, batchSize: { mode: "count", value: 5 }, minHealthySeconds: 1, healthyDeadlineSeconds: 25, ...o });
const auditRows = async (jobId: string) => (await db().auditEvent.findMany({ where: { action: "rollout.auto-update.node" } })).filter((r) => (r.params as { jobId?: string }).jobId === jobId);

async function run(selection: string[]): Promise<string> {
  const { jobId } = await startRollout({ target: { selection }, params: { kind: "auto-update" }, strategy: fast({ failureThreshold: { mode: "count", value: 5 } }), expectedCount: selection.length, createdBy: "op@example.test" });
  await waitForJob(jobId, { timeoutMs: 180_000 });
  return jobId;
}

beforeAll(async () => {
  f = await startTestFleet("/tmp/k2ops-test-auto-update", NODES.map(([ip, scenario]) => ({ ip, scenario })), { secret: SECRET, namePrefix: "au" });
  // the nodes' starting points
  fs.rmSync(crontabPath(NO_CRONTAB), { force: true });
  const empty = f.fleet.node(EMPTY_FILE).hostPath(AUTO_UPDATE_TARGET);
  fs.writeFileSync(empty, "");
  fs.chmodSync(empty, 0o755);
  fs.writeFileSync(crontabPath(MESSY_CRON), `MAILTO=""\n${AUTO_UPDATE_CRON_LINE}\n# 0 4 * * * /apps/k2s/auto-update.sh (an old note)\n17 * * * * /usr/bin/true\n${AUTO_UPDATE_CRON_LINE}\n30 3 * * * /apps/k2s/auto-update.sh\n`);
  await registerJobKinds();
  await startJobEngine({ databaseUrl: f.t.url, schedules: false, pollingIntervalSeconds: 0.5 });
  // the fleet has been checked once (the plan needs each node's directory)
  await Promise.all(NODES.map(([ip]) => verifyNode(ip, { triggeredBy: "fixture" })));
}, 300_000);
afterAll(async () => {
  await stopJobEngine({ timeoutMs: 10_000 });
  await f?.stop();
});

describe("rollout kind auto-update", () => {
  it("the dry run lists exactly the commands a node receives", async () => {
    const preview = await previewRollout({ selection: [...FOUR, UNMIGRATED] }, { kind: "auto-update" }, fast());
    expect(preview.targeted).toBe(4);
    expect(preview.skipped).toEqual([{ ipv4: UNMIGRATED, name: expect.any(String), reason: expect.objectContaining({ text: expect.stringContaining("DIR-migration guard") }) }]);
    expect(preview.commands).toHaveLength(4);
    expect(preview.commands[0]).toBe(`pre-check (read only): ${AUTO_UPDATE_READ}`);
    expect(preview.commands[1]).toContain(`md5 ${canonical.md5}`);
    expect(preview.commands[1]).toContain("sudo -n bash -s");
    expect(preview.commands[2]).toContain(AUTO_UPDATE_CRON_LINE);
    expect(preview.commands[3]).toContain(AUTO_UPDATE_READ);
  });

  it("first run: each node gets the canonical script and the cron line exactly once, and says so truthfully", async () => {
    const before = Object.fromEntries(FOUR.map((ip) => [ip, f.fleet.commands(ip).length]));
    const jobId = await run(FOUR);
    const job = (await getJob(jobId))!;
    expect(job.status).toBe("succeeded");
    const summary = (ip: string) => job.items.find((i) => i.nodeIpv4 === ip)!.summary ?? "";
    expect(summary(STANDARD)).toMatch(/^DEPLOYED \(new\) \+ cron ok; verified/);
    expect(summary(NO_CRONTAB)).toMatch(/^DEPLOYED \(new\) \+ CRON ADDED \(root had no crontab\); verified/);
    expect(summary(EMPTY_FILE)).toMatch(/^DEPLOYED \(replaced an empty file\) \+ cron ok; verified/);
    expect(summary(MESSY_CRON)).toMatch(/^DEPLOYED \(new\) \+ CRON FIXED \(2 copies of the line -> 1; 1 other auto-update line removed\); verified/);
    for (const ip of FOUR) {
      expect(scriptOf(ip)).toBe(canonical.text);
      expect(fs.statSync(f.fleet.node(ip).hostPath(AUTO_UPDATE_TARGET)).mode & 0o777).toBe(0o755);
      expect(exactLines(ip)).toBe(1);
      // the evidence: what it read before and after
      const item = job.items.find((i) => i.nodeIpv4 === ip)!;
      expect(item.evidence).toMatchObject({ canonicalMd5: canonical.md5, after: { md5: canonical.md5, executable: true, cronLines: 1, otherLines: 0 } });
    }
    expect(job.items.find((i) => i.nodeIpv4 === EMPTY_FILE)!.evidence).toMatchObject({ before: { size: 0, md5: "d41d8cd98f00b204e9800998ecf8427e" } });
    expect(job.items.find((i) => i.nodeIpv4 === NO_CRONTAB)!.evidence).toMatchObject({ before: { hasCrontab: false, cronLines: 0 } });
    // the rest of a crontab is kept in order; the copies and the other entry are gone
    expect(crontab(MESSY_CRON)).toBe(`MAILTO=""\n# 0 4 * * * /apps/k2s/auto-update.sh (an old note)\n17 * * * * /usr/bin/true\n${AUTO_UPDATE_CRON_LINE}\n`);
    expect(crontab(NO_CRONTAB)).toBe(`${AUTO_UPDATE_CRON_LINE}\n`);
    // the installed script is valid shell on the node
    expect((await f.fleet.node(STANDARD).inNode(`bash -n ${AUTO_UPDATE_TARGET}`)).code).toBe(0);

    // every command line the nodes received: the read, or `sudo -n bash -s` with the script on stdin; nothing else
    const body = canonical.text.split("\n").filter((l) => l.trim().length > 20 && !l.startsWith("#"));
    const b64 = Buffer.from(canonical.text).toString("base64").slice(0, 60);
    for (const ip of FOUR) {
      const sent = f.fleet.commands(ip).slice(before[ip]).map((c) => unwrappedCommand(c.command));
      expect(sent.length).toBeGreaterThan(0);
      for (const c of sent) {
        expect([AUTO_UPDATE_READ as string, "sudo -n bash -s"]).toContain(c);
        expect(c).not.toContain(canonical.text);
        for (const l of body) expect(c).not.toContain(l.trim());
        expect(c).not.toContain(b64);
        expect(c).not.toMatch(/compose\s+down/);
        expect(knownSecretMatches(c)).toEqual([]);
      }
      // pre-check, push, [cron,] verification
      expect(sent.filter((c) => c === AUTO_UPDATE_READ)).toHaveLength(2);
    }

    // one audit row per node step, closed with the truthful outcome
    const rows = await auditRows(jobId);
    expect(rows.map((r) => r.targetId).sort()).toEqual([...FOUR].sort());
    for (const r of rows) {
      expect(r.status).toBe("succeeded");
      expect(r.actorEmail).toBe("op@example.test");
      expect((r.result as { step: string; summary: string }).summary).toBe(summary(r.targetId));
    }
  }, 300_000);

  it("second run is idempotent: UP-TO-DATE + cron ok everywhere, nothing written, crontabs unchanged", async () => {
    const tabs = Object.fromEntries(FOUR.map((ip) => [ip, crontab(ip)]));
    const mtimes = Object.fromEntries(FOUR.map((ip) => [ip, fs.statSync(f.fleet.node(ip).hostPath(AUTO_UPDATE_TARGET)).mtimeMs]));
    const before = Object.fromEntries(FOUR.map((ip) => [ip, f.fleet.commands(ip).length]));
    const jobId = await run(FOUR);
    const job = (await getJob(jobId))!;
    expect(job.status).toBe("succeeded");
    for (const ip of FOUR) {
      const item = job.items.find((i) => i.nodeIpv4 === ip)!;
      expect(item.summary).toMatch(/^UP-TO-DATE \+ cron ok; verified/);
      expect(crontab(ip)).toBe(tabs[ip]);
      expect(exactLines(ip)).toBe(1);
      expect(fs.statSync(f.fleet.node(ip).hostPath(AUTO_UPDATE_TARGET)).mtimeMs).toBe(mtimes[ip]);
      // only the two reads: no script was sent
      expect(f.fleet.commands(ip).slice(before[ip]).map((c) => unwrappedCommand(c.command))).toEqual([AUTO_UPDATE_READ, AUTO_UPDATE_READ]);
    }
    const rows = await auditRows(jobId);
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.status === "succeeded" && /^UP-TO-DATE \+ cron ok/.test((r.result as { summary: string }).summary))).toBe(true);
  }, 300_000);

  it("a script that drifted is put back; the DIR-migration guard holds on the node; failures are audited as failed", async () => {
    fs.appendFileSync(f.fleet.node(STANDARD).hostPath(AUTO_UPDATE_TARGET), "echo local edit\n");
    // a stale plan lets the un-migrated node through: the node-side guard refuses and nothing changes there
    await db().node.update({ where: { ipv4: UNMIGRATED }, data: { arch: "k2s", archDetail: { deployDir: "/apps/k2s" } } });
    const tabBefore = crontab(UNMIGRATED);
    const jobId = await run([STANDARD, UNMIGRATED]);
    const job = (await getJob(jobId))!;
    expect(job.status).toBe("failed");
    const std = job.items.find((i) => i.nodeIpv4 === STANDARD)!;
    expect(std.status).toBe("succeeded");
    expect(std.summary).toMatch(/^DEPLOYED \(replaced md5 [0-9a-f]{8}\) \+ cron ok/);
    expect(scriptOf(STANDARD)).toBe(canonical.text);
    const un = job.items.find((i) => i.nodeIpv4 === UNMIGRATED)!;
    expect(un.status).toBe("failed");
    expect(un.error).toMatch(/DIR-migration guard.*Nothing was changed/);
    expect(fs.existsSync(f.fleet.node(UNMIGRATED).hostPath(AUTO_UPDATE_TARGET))).toBe(false);
    expect(crontab(UNMIGRATED)).toBe(tabBefore);
    const rows = await auditRows(jobId);
    expect(rows.find((r) => r.targetId === UNMIGRATED)).toMatchObject({ status: "failed", error: expect.stringMatching(/DIR-migration guard/) });
    expect(rows.find((r) => r.targetId === STANDARD)).toMatchObject({ status: "succeeded" });
  }, 300_000);
});
