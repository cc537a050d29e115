import { beforeEach, describe, expect, it, vi } from "vitest";
import { ActionFailure } from "@/lib/errors";
import { assertAllowed } from "@/lib/guardrails/command";
import { createTranslator } from "next-intl";
import { en } from "@/messages";
import { DECOMMISSIONED_SUMMARY, type ReasonPhrase, type ReportItem } from "./schema";
import { parseUsersCount, readUsersFileEntries, USERS_COUNT_COMMAND, usersFileEvidence, usersFileGate, usersFileRow, usersFileVerdict, type UsersFileRow } from "./users-file";

// the SSH stack, replaced: each host answers what `answers` says (or throws)
type Answer = { stdout: string; stderr?: string; code: number } | Error;
const answers = new Map<string, Answer>();
let inFlight = 0;
let maxInFlight = 0;
vi.mock("@/lib/node-ops/ops", () => ({
  onNode: async (ipv4: string, _op: unknown, fn: (t: { host: string }) => Promise<unknown>) => fn({ host: ipv4 }),
}));
vi.mock("@/lib/node-ops/engine", () => ({
  sshEngine: () => ({
    exec: async (t: { host: string }, command: string) => {
      expect(command).toBe(USERS_COUNT_COMMAND);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      const a = answers.get(t.host) ?? { stdout: "k2ops-workdir=/apps/k2s\n0\n", code: 0 };
      if (a instanceof Error) throw a;
      return { stdout: a.stdout, stderr: a.stderr ?? "", code: a.code, timedOut: false, truncated: false, durationMs: 1 };
    },
  }),
}));

const res = (stdout: string, code = 0, stderr = "") => ({ stdout, stderr, code, timedOut: false });

describe("the audit's command", () => {
  it("is the runbook's awk count on /apps/k2s/users, read-only, and passes the guardrails", () => {
    expect(USERS_COUNT_COMMAND).toContain("sudo -n awk 'NF{n++} END{print n+0}' /apps/k2s/users");
    // never the content
    expect(USERS_COUNT_COMMAND).not.toMatch(/\bcat\b|\bhead\b|\btail\b|\bgrep\b/);
    expect(() => assertAllowed(USERS_COUNT_COMMAND)).not.toThrow();
  });
});

describe("parseUsersCount", () => {
  it("a count from a node running from /apps/k2s", () => {
    expect(parseUsersCount(res("k2ops-workdir=/apps/k2s\n0\n"))).toEqual({ ok: true, entries: 0 });
    expect(parseUsersCount(res("k2ops-workdir=/apps/k2s\n3\n"))).toEqual({ ok: true, entries: 3 });
    // migrated: the old directory is kept, the live stack is in /apps/k2s
    expect(parseUsersCount(res("k2ops-workdir=/apps/k2s\nk2ops-legacy-dir=1\n2\n"))).toEqual({ ok: true, entries: 2 });
    // no running sidecar but no legacy dir either: the file is the one
    expect(parseUsersCount(res("k2ops-workdir=\n0\n"))).toEqual({ ok: true, entries: 0 });
  });

  it("an un-migrated node is reported as such, never as a clean 0", () => {
    const r = parseUsersCount(res("k2ops-workdir=/apps/kaitu-slave\nk2ops-legacy-dir=1\n0\n"));
    expect(r).toMatchObject({ ok: false, cause: "unmigrated" });
    expect(!r.ok && r.reason).toMatch(/un-migrated.*\/apps\/kaitu-slave/);
    expect(parseUsersCount(res("k2ops-workdir=/apps/kaitu-slave\nk2ops-legacy-dir=1\n", 3))).toMatchObject({ ok: false, cause: "unmigrated" });
    // no running sidecar, legacy dir present: which file is live is unknown
    expect(parseUsersCount(res("k2ops-workdir=\nk2ops-legacy-dir=1\n0\n"))).toMatchObject({ ok: false, cause: "unmigrated" });
  });

  it("a missing file, a failed awk, odd output or a timeout are unreadable", () => {
    expect(parseUsersCount(res("k2ops-workdir=/apps/k2s\n", 3, "k2ops: /apps/k2s/users does not exist"))).toMatchObject({ ok: false, cause: "missing" });
    const failed = parseUsersCount(res("k2ops-workdir=/apps/k2s\n", 2, "awk: cannot open /apps/k2s/users (Permission denied)"));
    expect(failed).toMatchObject({ ok: false, cause: "error" });
    expect(!failed.ok && failed.reason).toMatch(/exit 2.*Permission denied/);
    expect(parseUsersCount(res("k2ops-workdir=/apps/k2s\nhello\n"))).toMatchObject({ ok: false, cause: "error" });
    expect(parseUsersCount(res("k2ops-workdir=/srv/other\n0\n"))).toMatchObject({ ok: false, cause: "error" });
    expect(parseUsersCount({ stdout: "", stderr: "", code: null, timedOut: true })).toMatchObject({ ok: false, cause: "unreachable" });
  });
});

describe("usersFileGate", () => {
  beforeEach(() => {
    answers.clear();
    maxInFlight = 0;
  });

  it("splits nodes into clean and dirty (entries, or unreadable with the reason), in the given order, duplicates dropped", async () => {
    answers.set("10.0.0.2", { stdout: "k2ops-workdir=/apps/k2s\n4\n", code: 0 });
    answers.set("10.0.0.3", { stdout: "k2ops-workdir=/apps/k2s\n", code: 3 });
    answers.set("10.0.0.4", new ActionFailure("failed", "10.0.0.4:1022 refused the connection. Nothing was changed on the node."));
    answers.set("10.0.0.5", { stdout: "k2ops-workdir=/apps/kaitu-slave\nk2ops-legacy-dir=1\n0\n", code: 0 });
    answers.set("10.0.0.6", new Error("database down"));
    const out = await usersFileGate(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.1"], { triggeredBy: "rollout" });
    expect(out.clean).toEqual(["10.0.0.1"]);
    expect(out.dirty.map((d) => d.ipv4)).toEqual(["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"]);
    expect(out.dirty[0]).toEqual({ ipv4: "10.0.0.2", entries: 4 });
    expect(out.dirty[1]).toMatchObject({ ipv4: "10.0.0.3", reason: expect.stringMatching(/does not exist/) });
    expect(out.dirty[2]).toMatchObject({ reason: expect.stringMatching(/^SSH failed: .*refused/) });
    expect(out.dirty[3]).toMatchObject({ reason: expect.stringMatching(/un-migrated/) });
    expect(out.dirty[4]).toMatchObject({ reason: "database down" });
  });

  it("reads at most `concurrency` nodes at once (default 16)", async () => {
    const ips = Array.from({ length: 40 }, (_, i) => `10.1.0.${i + 1}`);
    const out = await usersFileGate(ips, { triggeredBy: "t" });
    expect(out.clean).toHaveLength(40);
    expect(maxInFlight).toBeLessThanOrEqual(16);
    maxInFlight = 0;
    await usersFileGate(ips, { triggeredBy: "t" }, { concurrency: 3 });
    expect(maxInFlight).toBeLessThanOrEqual(3);
  });
});

const item = (o: Partial<ReportItem> & { nodeIpv4: string }): ReportItem => ({ nodeName: o.nodeIpv4, status: "succeeded", summary: null, error: null, evidence: null, ...o });

describe("rows and the verdict", () => {
  it("a row per item: clean, dirty, unreadable (evidence or a step that never ran), skipped, pending", () => {
    expect(usersFileRow(item({ nodeIpv4: "a", evidence: usersFileEvidence({ ok: true, entries: 0 }) }), true).state).toBe("clean");
    expect(usersFileRow(item({ nodeIpv4: "a", status: "failed", evidence: usersFileEvidence({ ok: true, entries: 2 }) }), true)).toMatchObject({ state: "dirty", entries: 2 });
    expect(usersFileRow(item({ nodeIpv4: "a", status: "failed", evidence: usersFileEvidence({ ok: false, cause: "missing", reason: "gone" }) }), true)).toMatchObject({ state: "unreadable", cause: "missing", reason: "gone" });
    expect(usersFileRow(item({ nodeIpv4: "a", status: "skipped", summary: "decommissioned" }), true)).toMatchObject({ state: "skipped", reason: "decommissioned" });
    expect(usersFileRow(item({ nodeIpv4: "a", status: "running" }), false).state).toBe("pending");
    // the job ended without reading it (interrupted, cancelled): unknown, never clean
    expect(usersFileRow(item({ nodeIpv4: "a", status: "queued" }), true).state).toBe("unreadable");
    expect(usersFileRow(item({ nodeIpv4: "a", status: "cancelled" }), true)).toMatchObject({ state: "unreadable", reason: "not audited (cancelled)" });
    expect(usersFileRow(item({ nodeIpv4: "a", status: "failed", error: "no worker" }), true)).toMatchObject({ state: "unreadable", reason: "no worker" });
  });

  const row = (state: UsersFileRow["state"]): UsersFileRow => ({ ipv4: "x", name: "x", state, entries: null, cause: null, reason: null, reasonPhrase: null });

  it("BLOCKED with the count of dirty + unreadable; OK only when every audited node is clean", () => {
    expect(usersFileVerdict([row("clean"), row("clean"), row("skipped")])).toMatchObject({ state: "ok", dirty: 0, audited: 2, skipped: 1, text: "OK: all 2 audited node(s) have an empty users file." });
    const b = usersFileVerdict([row("clean"), row("dirty"), row("unreadable")]);
    expect(b).toMatchObject({ state: "blocked", dirty: 2, entries: 1, unreadable: 1 });
    expect(b.text).toMatch(/^BLOCKED: 2 node\(s\) have a non-empty \(or unreadable\) \/apps\/k2s\/users/);
    expect(usersFileVerdict([row("clean"), row("pending")])).toMatchObject({ state: "running", pending: 1 });
    expect(usersFileVerdict([row("unreadable")]).state).toBe("blocked");
    expect(usersFileVerdict([row("skipped")]).state).toBe("empty");
  });
});

describe("the page's sentences (reports.view.reason / users.text) from lib's codes", () => {
  const t = createTranslator({ locale: "en", messages: en, namespace: "reports.view" });
  const said = (p: ReasonPhrase | null | undefined) => (p ? t(`reason.${p.code}`, p.values) : null);

  it("every reason renders exactly as lib's English", () => {
    const reads = [
      parseUsersCount({ stdout: "", stderr: "", code: null, timedOut: true }),
      parseUsersCount(res("k2ops-workdir=/apps/kaitu-slave\n0\n")),
      parseUsersCount(res("k2ops-workdir=/srv/other\n0\n")),
      parseUsersCount(res("k2ops-workdir=\nk2ops-legacy-dir=1\n0\n")),
      parseUsersCount(res("k2ops-workdir=\nk2ops-legacy-dir=1\n", 3)),
      parseUsersCount(res("k2ops-workdir=/apps/k2s\n", 3, "k2ops: /apps/k2s/users does not exist")),
      parseUsersCount(res("k2ops-workdir=/apps/k2s\n", 2, "awk: permission denied\n")),
      parseUsersCount(res("k2ops-workdir=/apps/k2s\n", 1)),
      parseUsersCount(res("k2ops-workdir=/apps/k2s\nhello\n")),
    ];
    for (const r of reads) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(said(r.phrase)).toBe(r.reason);
    }
    const rows = [
      ...reads.map((r) => usersFileRow(item({ nodeIpv4: "a", evidence: usersFileEvidence(r) }), true)),
      usersFileRow(item({ nodeIpv4: "a", evidence: { report: "users-file", ok: false, cause: "error", reason: "stored before phrases" } }), true),
      usersFileRow(item({ nodeIpv4: "a", status: "cancelled" }), true),
      usersFileRow(item({ nodeIpv4: "a", status: "queued" }), true),
      usersFileRow(item({ nodeIpv4: "a", status: "failed", error: "no worker" }), true),
      usersFileRow(item({ nodeIpv4: "a", status: "skipped", summary: DECOMMISSIONED_SUMMARY }), true),
      usersFileRow(item({ nodeIpv4: "a", status: "skipped" }), true),
    ];
    for (const r of rows) expect(said(r.reasonPhrase)).toBe(r.reason);
    const codes = new Set(rows.map((r) => r.reasonPhrase?.code));
    for (const c of ["usersTimeout", "unmigrated", "otherWorkdir", "legacyDir", "legacyDirMissing", "notAuditedCancelled", "usersMissing", "countFailed", "notACount", "notAudited", "decommissioned", "skipped", "message"]) expect(codes).toContain(c);
  });

  it("SSH failures and thrown errors carry their phrase", async () => {
    answers.set("10.0.0.3", new ActionFailure("failed", "connect ECONNREFUSED"));
    answers.set("10.0.0.4", new Error("database down"));
    for (const ip of ["10.0.0.3", "10.0.0.4"]) {
      const r = await readUsersFileEntries(ip, { triggeredBy: "t" });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(said(r.phrase)).toBe(r.reason);
    }
    answers.clear();
  });

  it("every verdict renders exactly as lib's English", () => {
    const row = (state: UsersFileRow["state"]): UsersFileRow => ({ ipv4: "x", name: "x", state, entries: null, cause: null, reason: null, reasonPhrase: null });
    const verdicts = [
      usersFileVerdict([row("clean"), row("pending")]),
      usersFileVerdict([row("dirty"), row("unreadable"), row("clean"), row("pending")]),
      usersFileVerdict([row("dirty"), row("unreadable"), row("clean")]),
      usersFileVerdict([row("skipped")]),
      usersFileVerdict([row("clean"), row("clean"), row("skipped")]),
    ];
    expect(verdicts.map((v) => v.code)).toEqual(["running", "runningDirty", "blocked", "empty", "ok"]);
    for (const v of verdicts) expect(t(`users.text.${v.code}`, v.values)).toBe(v.text);
  });
});
