import fs from "node:fs";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { _setSessionResolver } from "@/lib/actions/safe-action";
import type { SessionUser } from "@/lib/auth/roles";
import { syncFleet } from "@/lib/fleet";
import { getJob, waitForJob } from "@/lib/jobs";
import { registerJobKinds } from "@/lib/jobs/console";
import { startJobEngine, stopJobEngine } from "@/lib/jobs/engine";
import { startTestFleet, type TestFleet } from "@/lib/node-ops/test-fleet";
import { knownSecretMatches } from "@/lib/redact";
import { unwrappedCommand } from "@/lib/ssh/engine";
import { authRolloutEvidenceSchema, sumAuthRolloutLines } from "./auth-rollout";
import { loadFleetReport, reportCsv, type AuthRolloutReport, type UsersFileReport } from "./index";
import { usersFileGate } from "./users-file";

// The two fleet reports against real sshd simulated nodes (runbook §6.5,
// §6.6): a node with users entries, a clean one, one whose users file is
// missing, an un-migrated /apps/kaitu-slave node, one whose k2s also mirrors its
// log to docker logs, and a decommissioned one (skipped). Addresses
// 127.0.84.x are this suite's own.

// the actions revalidate the reports page; there is no Next.js request here
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));
const { startAuthRolloutReportAction, startUsersFileAuditAction } = await import("@/app/(console)/operations/reports/report-actions");

const SECRET = "7c".repeat(32);
const DIRTY = "127.0.84.10";
const CLEAN = "127.0.84.11";
const MISSING = "127.0.84.12";
const LEGACY = "127.0.84.13";
const MIRROR = "127.0.84.14";
const GONE = "127.0.84.19";
const SIM = [DIRTY, CLEAN, MISSING, LEGACY, MIRROR];
const TOKENS = ["tok_9f8e7d6c5b4a3921", "tok_abcdefabcdef0001", "tok_0011223344556677"];
const OPERATOR: SessionUser = { id: "u-op", email: "op@example.test", name: "Op", role: "operator" };
const VIEWER: SessionUser = { id: "u-v", email: "viewer@example.test", name: "V", role: "viewer" };
let who: SessionUser | null = OPERATOR;
let f: TestFleet;

const centerRow = (ip: string, name: string, i: number) => ({ id: i + 1, name, country: "JP", region: "jp-tokyo.aws", ipv4: ip, ipv6: "", class: "shared", updatedAt: 1, tunnels: [] });

beforeAll(async () => {
  f = await startTestFleet("/tmp/k2ops-test-reports", [DIRTY, CLEAN, MISSING, LEGACY].map((ip) => ({ ip, scenario: ip === LEGACY ? ("unmigrated" as const) : ("healthy" as const) })), { secret: SECRET, namePrefix: "rp" });
  // k2s's slog lines also in `docker logs k2s` on this one (node-behavior.md §2.4's switch)
  await f.fleet.addNode({ ip: MIRROR, name: "jp-tokyo.aws.rp5", country: "JP", region: "jp-tokyo.aws", scenario: "healthy", secret: SECRET, centerUrl: f.center.url, k2sLogsToStderr: true });
  // Center's list: the five, and a decommissioned node (no tunnel, its IPv4 as name) that is never contacted
  await syncFleet([...[DIRTY, CLEAN, MISSING, LEGACY, MIRROR].map((ip, i) => centerRow(ip, `rp${i + 1}`, i)), centerRow(GONE, GONE, 9)]);
  // the users files: three entries (a blank line is not one) on DIRTY, none on MISSING
  fs.writeFileSync(f.fleet.node(DIRTY).hostPath("/apps/k2s/users"), `udid-a:${TOKENS[0]}\n\nudid-b:${TOKENS[1]}\nudid-c:${TOKENS[2]}\n`);
  fs.rmSync(f.fleet.node(MISSING).hostPath("/apps/k2s/users"));
  await registerJobKinds();
  await startJobEngine({ databaseUrl: f.t.url, schedules: false, pollingIntervalSeconds: 0.5 });
  _setSessionResolver(async () => who);
}, 300_000);
afterAll(async () => {
  _setSessionResolver(null);
  await stopJobEngine({ timeoutMs: 10_000 });
  await f?.stop();
});

const tokenFree = (text: string) => TOKENS.every((t) => !text.includes(t));

describe("users-file audit (§6.5)", () => {
  it("a viewer may not start it; an operator's run reports entries, clean, missing and un-migrated nodes: BLOCKED", async () => {
    who = VIEWER;
    expect(await startUsersFileAuditAction({ target: { all: true } })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    who = OPERATOR;
    const res = await startUsersFileAuditAction({ target: { all: true } });
    expect(res).toMatchObject({ ok: true, data: { nodes: 5, skipped: 1 } });
    const jobId = (res as { data: { jobId: string } }).data.jobId;
    // dirty nodes fail their step: the job says BLOCKED as "failed"
    expect(await waitForJob(jobId, { timeoutMs: 120_000 })).toBe("failed");
    const rep = (await loadFleetReport(jobId)) as UsersFileReport;
    expect(rep.kind).toBe("users-file-audit");
    const by = new Map(rep.rows.map((r) => [r.ipv4, r]));
    expect(rep.rows).toHaveLength(6);
    expect(by.get(DIRTY)).toMatchObject({ name: "rp1", state: "dirty", entries: 3 });
    expect(by.get(CLEAN)).toMatchObject({ state: "clean", entries: 0 });
    expect(by.get(MIRROR)).toMatchObject({ state: "clean", entries: 0 });
    expect(by.get(MISSING)).toMatchObject({ state: "unreadable", cause: "missing", entries: null });
    // the un-migrated node is said to be one, never a clean 0
    expect(by.get(LEGACY)).toMatchObject({ state: "unreadable", cause: "unmigrated", entries: null, reason: expect.stringMatching(/un-migrated/) });
    expect(by.get(GONE)).toMatchObject({ state: "skipped", reason: expect.stringMatching(/decommissioned/) });
    expect(rep.verdict).toMatchObject({ state: "blocked", dirty: 3, entries: 1, unreadable: 2, audited: 5, skipped: 1 });
    expect(rep.verdict.text).toMatch(/^BLOCKED: 3 node\(s\)/);
    // the start is in the audit log (intent → outcome), and so is the viewer's refusal
    const audit = await f.t.prisma.auditEvent.findMany({ where: { action: "report.users_file.start" }, orderBy: { at: "asc" } });
    expect(audit.map((a) => [a.actorEmail, a.status])).toEqual([
      ["viewer@example.test", "denied"],
      ["op@example.test", "succeeded"],
    ]);
    // only the count left the node: no token in the job's rows, the evidence or the CSV
    const job = await getJob(jobId);
    expect(tokenFree(JSON.stringify(job))).toBe(true);
    const csv = reportCsv(rep);
    expect(csv.filename).toBe(`users-file-audit-${jobId}.csv`);
    expect(csv.body.split("\r\n")).toHaveLength(8);
    expect(csv.body).toContain(`rp1,${DIRTY},dirty,3,,`);
    expect(tokenFree(csv.body)).toBe(true);
  }, 180_000);

  it("the enforce gate the rollout calls: clean vs dirty (entries or the reason)", async () => {
    const gate = await usersFileGate([DIRTY, CLEAN, MISSING, LEGACY, MIRROR], { triggeredBy: "rollout" });
    expect(gate.clean).toEqual([CLEAN, MIRROR]);
    expect(gate.dirty).toEqual([
      { ipv4: DIRTY, entries: 3 },
      { ipv4: MISSING, reason: expect.stringMatching(/does not exist/) },
      { ipv4: LEGACY, reason: expect.stringMatching(/un-migrated/) },
    ]);
  }, 60_000);
});

const tsOf = (l: string) => /^time=(\S+)/.exec(l)?.[1] ?? "";
const iso = (ms: number) => new Date(ms).toISOString();

describe("auth-rollout report (§6.6)", () => {
  it("totals equal the lines the simulated k2s wrote (its log file, rotated files of the window), no double count, the isolation alert", async () => {
    const logOf = (ip: string) => f.fleet.node(ip).hostPath(`${ip === LEGACY ? "/apps/kaitu-slave" : "/apps/k2s"}/logs/k2s.log`);
    const diag = (ip: string) => fs.readFileSync(logOf(ip), "utf8").split("\n").filter((l) => l.includes("DIAG: auth-rollout"));
    // k2s logs its summary every 5 simulated minutes (25 s here): wait for one on every node (a command makes time pass on a node)
    await expect
      .poll(async () => {
        await Promise.all(SIM.map((ip) => f.fleet.node(ip).inNode("docker ps >/dev/null")));
        return SIM.every((ip) => diag(ip).length > 0);
      }, { timeout: 120_000, interval: 2000 })
      .toBe(true);
    // CLEAN: a rotated file holding two lines of the window and one from before it, and two Center-unreachable warnings
    const now = Date.now();
    const rotated = [
      `time=${iso(now - 25 * 3600_000)} level=INFO msg="DIAG: auth-rollout" total=1000 authed=1000 cookie_hit=0 cold=1000 unauthed=0 legacy_no_metadata=0`,
      `time=${iso(now - 25 * 3600_000)} level=WARN msg="DIAG: auth-center-unreachable" err="dial tcp: i/o timeout"`,
      // 61 min ago: outside a 1 h window whenever it is read (at exactly 1 h it was inside when the report ran within the same second)
      `time=${iso(now - 3660_000)} level=INFO msg="DIAG: auth-rollout" total=10 authed=7 cookie_hit=5 cold=2 unauthed=3 legacy_no_metadata=1`,
      `time=${iso(now - 1800_000)} level=INFO msg="DIAG: auth-rollout" total=20 authed=20 cookie_hit=15 cold=5 unauthed=0 legacy_no_metadata=0`,
    ];
    const logs = logOf(CLEAN).replace(/\/k2s\.log$/, "");
    fs.writeFileSync(`${logs}/k2s-${iso(now - 1000_000).replace(/:/g, "-").replace("Z", "")}.log.gz`, zlib.gzipSync(rotated.join("\n") + "\n"));
    fs.appendFileSync(logOf(CLEAN), [1, 2].map((i) => `time=${iso(now + i)} level=WARN msg="DIAG: auth-center-unreachable" err="context deadline exceeded"\n`).join(""));

    const res = await startAuthRolloutReportAction({ target: { all: true }, window: "24h" });
    expect(res).toMatchObject({ ok: true, data: { nodes: 5, skipped: 1 } });
    const jobId = (res as { data: { jobId: string } }).data.jobId;
    expect(await waitForJob(jobId, { timeoutMs: 120_000 })).toBe("succeeded");
    const rep = (await loadFleetReport(jobId)) as AuthRolloutReport;
    const job = (await getJob(jobId))!;
    const by = new Map(rep.rows.map((r) => [r.ipv4, r]));
    for (const ip of SIM) {
      const ev = authRolloutEvidenceSchema.parse(job.items.find((i) => i.nodeIpv4 === ip)!.evidence);
      if (!ev.ok) throw new Error(`${ip}: ${ev.reason}`);
      // the file, read where the real node has it (docker logs k2s is empty there), even when k2s mirrors it: no double count
      expect(ev.source, ip).toBe("file");
      expect(ev.dir, ip).toBe(ip === LEGACY ? "/apps/kaitu-slave" : "/apps/k2s");
      // every line k2s had written when the node was read (lines written since come later in time)
      const written = diag(ip).filter((l) => tsOf(l) <= ev.last!);
      const expected = sumAuthRolloutLines(ip === CLEAN ? [...rotated.slice(2), ...written] : written);
      expect(by.get(ip), ip).toMatchObject({ state: "ok", counts: expected.counts, lines: expected.lines, unreachable: ip === CLEAN ? 2 : 0 });
      expect(expected.lines).toBeGreaterThan(0);
    }
    expect(by.get(GONE)?.state).toBe("skipped");
    // fleet totals are the rows' sums; one node unreachable-to-Center while its peers reach it pages
    const sum = (k: "total" | "authed" | "unauthed") => rep.rows.reduce((a, r) => a + (r.counts?.[k] ?? 0), 0);
    expect(rep.fleet).toMatchObject({ window: "24h", read: 5, reporting: 5, unknown: 0, skipped: 1, unreachableTotal: 2 });
    expect(rep.fleet.totals.total).toBe(sum("total"));
    expect(rep.fleet.unauthedPct).toBe(Math.round((sum("unauthed") / sum("total")) * 1000) / 10);
    expect(rep.fleet.authedRatio).toBe(Math.round((sum("authed") / sum("total")) * 1000) / 10);
    expect(rep.fleet.alert).toMatchObject({ level: "page", nodes: [{ ipv4: CLEAN, count: 2 }] });
    expect(rep.fleet.alert?.text).toMatch(/^ALERT\(page\): 1\/5 node\(s\) report auth-center-unreachable while peers reach Center — 127\.0\.84\.11\(2\)/);
    expect(reportCsv(rep).body.split("\r\n")).toHaveLength(8);

    // an unreachable node is unknown, never zeros
    await f.fleet.setReachable(MIRROR, false);
    try {
      const again = await startAuthRolloutReportAction({ target: { selection: [MIRROR, CLEAN] }, window: "1h" });
      const id2 = (again as { data: { jobId: string } }).data.jobId;
      expect(await waitForJob(id2, { timeoutMs: 120_000 })).toBe("failed");
      const rep2 = (await loadFleetReport(id2)) as AuthRolloutReport;
      expect(rep2.rows.find((r) => r.ipv4 === MIRROR)).toMatchObject({ state: "unknown", counts: null, reason: expect.stringMatching(/^SSH failed/) });
      // CLEAN alone reads; its warnings are then "all reachable nodes": a fleet-wide note, not a page
      expect(rep2.fleet).toMatchObject({ read: 1, unknown: 1, alert: { level: "note" } });
      // the 1h window leaves out the rotated line of 61 min ago and keeps the one of 30 min ago
      const clean = rep2.rows.find((r) => r.ipv4 === CLEAN)!;
      const ev = authRolloutEvidenceSchema.parse((await getJob(id2))!.items.find((i) => i.nodeIpv4 === CLEAN)!.evidence);
      if (!ev.ok) throw new Error(ev.reason);
      const inHour = diag(CLEAN).filter((l) => tsOf(l) <= ev.last! && tsOf(l).slice(0, 19) >= ev.since.slice(0, 19));
      expect(clean.counts).toEqual(sumAuthRolloutLines([rotated[3], ...inHour]).counts);
    } finally {
      await f.fleet.setReachable(MIRROR, true);
    }
  }, 300_000);
});

describe("secrets", () => {
  it("no command line any node received holds a users-file token or the node secret", () => {
    for (const ip of SIM) {
      const commands = f.fleet.commands(ip);
      expect(commands.length).toBeGreaterThan(0);
      for (const c of commands) {
        expect(tokenFree(c.command), `${ip}: ${c.command}`).toBe(true);
        expect(c.command).not.toContain(SECRET);
        expect(knownSecretMatches(c.command)).toEqual([]);
        // the users file is only counted, never printed
        const line = unwrappedCommand(c.command);
        if (line.includes("/users")) expect(line).toContain("sudo -n awk 'NF{n++} END{print n+0}' /apps/k2s/users");
      }
    }
  });
});
