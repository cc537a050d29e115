import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { assertScriptAllowed } from "@/lib/guardrails/command";
import {
  authRolloutEvidence,
  authRolloutFleet,
  authRolloutRow,
  authRolloutScript,
  MAX_ROLLOUT_LINES,
  parseAuthRolloutLine,
  parseAuthRolloutOutput,
  sumAuthRolloutLines,
  type AuthRolloutRow,
} from "./auth-rollout";
import { DECOMMISSIONED_SUMMARY, windowSchema, windowSeconds, type ReasonPhrase, type ReportItem } from "./schema";
import { createTranslator } from "next-intl";
import { en } from "@/messages";

const T = "0123456789abcdef01234567";
const line = (t: string, tot: number, au: number, ck: number, un: number) =>
  `time=${t} level=INFO msg="DIAG: auth-rollout" total=${tot} authed=${au} cookie_hit=${ck} cold=${au - ck} unauthed=${un} legacy_no_metadata=${un}`;

describe("the window", () => {
  it("1h..30d in m, h or d", () => {
    expect(windowSeconds("24h")).toBe(86400);
    expect(windowSeconds("60m")).toBe(3600);
    expect(windowSeconds("30d")).toBe(30 * 86400);
    expect(windowSeconds("59m")).toBeNull();
    expect(windowSeconds("31d")).toBeNull();
    expect(windowSeconds("24")).toBeNull();
    expect(windowSeconds("1w")).toBeNull();
    expect(windowSchema.safeParse("24h").success).toBe(true);
    expect(windowSchema.safeParse("0h").success).toBe(false);
    expect(windowSchema.safeParse("24h; rm -rf /").success).toBe(false);
    expect(windowSchema.safeParse("721h").success).toBe(false);
  });
});

describe("parsing k2s's auth lines", () => {
  it("reads the six counters of a DIAG: auth-rollout slog line", () => {
    expect(parseAuthRolloutLine(line("2026-08-22T13:00:04.806Z", 57, 55, 40, 2))).toEqual({ total: 57, authed: 55, cookie_hit: 40, cold: 15, unauthed: 2, legacy_no_metadata: 2 });
    // a missing counter counts 0; an unknown key is ignored
    expect(parseAuthRolloutLine('time=x level=INFO msg="DIAG: auth-rollout" total=3 authed=3 extra=9')).toEqual({ total: 3, authed: 3, cookie_hit: 0, cold: 0, unauthed: 0, legacy_no_metadata: 0 });
    expect(parseAuthRolloutLine('time=x level=WARN msg="DIAG: auth-center-unreachable"')).toBeNull();
    expect(parseAuthRolloutLine('time=x msg="DIAG: auth-rollout" no counters')).toBeNull();
    // tokens glued to other text are not counters
    expect(parseAuthRolloutLine('msg="DIAG: auth-rollout" xtotal=5 total=1')).toMatchObject({ total: 1 });
  });

  it("sums lines, counts the unparsed, keeps the first and last time", () => {
    const s = sumAuthRolloutLines([line("2026-08-22T13:05:00.000Z", 50, 49, 40, 1), "noise", line("2026-08-22T13:00:00.000Z", 40, 40, 30, 0), 'msg="DIAG: auth-rollout" broken']);
    expect(s).toEqual({ counts: { total: 90, authed: 89, cookie_hit: 70, cold: 19, unauthed: 1, legacy_no_metadata: 1 }, lines: 2, unparsed: 1, first: "2026-08-22T13:00:00.000Z", last: "2026-08-22T13:05:00.000Z" });
  });
});

const meta = (dir = "/apps/k2s", k2s = "running") => [`K2OPS ${T} dir=${dir}`, `K2OPS ${T} k2s=${k2s}`, `K2OPS ${T} since=2026-08-21T13:00:00Z`];
const section = (src: string, lines: string[], o: { rc?: number; rollout?: number; unreachable?: number } = {}) => [
  `K2OPS ${T} begin ${src}`,
  ...lines,
  `K2OPS ${T} stats ${src} rollout=${o.rollout ?? lines.length} unreachable=${o.unreachable ?? 0} misconfigured=0`,
  `K2OPS ${T} rc ${src} ${o.rc ?? 0}`,
];
const out = (...parts: string[][]) => [...parts.flat(), `K2OPS ${T} done`, ""].join("\n");

describe("the node script's output", () => {
  const l1 = line("2026-08-22T13:00:00.000Z", 50, 48, 40, 2);
  const l2 = line("2026-08-22T13:05:00.000Z", 60, 60, 50, 0);

  it("the log file's lines (the real node's place, §2.4)", () => {
    const r = parseAuthRolloutOutput(out(meta(), section("file", [l1, l2], { unreachable: 3 })), T);
    expect(r).toMatchObject({ ok: true, source: "file", dir: "/apps/k2s", k2s: "running", unreachable: 3, sum: { lines: 2, counts: { total: 110, authed: 108, unauthed: 2 } } });
  });

  it("docker logs when the file has no line (a node logging to stderr); the file when neither has one", () => {
    expect(parseAuthRolloutOutput(out(meta(), section("file", []), section("docker", [l1])), T)).toMatchObject({ ok: true, source: "docker", sum: { lines: 1 } });
    expect(parseAuthRolloutOutput(out(meta(), section("file", []), section("docker", [])), T)).toMatchObject({ ok: true, source: "file", sum: { lines: 0 } });
    // no file, docker logs read
    expect(parseAuthRolloutOutput(out(meta(), [`K2OPS ${T} file=absent`], section("docker", [l2])), T)).toMatchObject({ ok: true, source: "docker" });
    // the file is empty and docker logs fails (no k2s container): read, no data
    expect(parseAuthRolloutOutput(out(meta("/apps/kaitu-slave", "missing"), section("file", []), section("docker", [], { rc: 1 })), T)).toMatchObject({ ok: true, source: "file", k2s: "missing", sum: { lines: 0 } });
  });

  it("unknown, never zeros: nothing readable, an unfinished or truncated answer, lines lost on the way, too many lines", () => {
    const none = parseAuthRolloutOutput(out(meta("/apps/k2s", "missing"), [`K2OPS ${T} file=absent`], section("docker", [], { rc: 1 })), T);
    expect(none).toMatchObject({ ok: false });
    expect(!none.ok && none.reason).toMatch(/no \/apps\/k2s\/logs\/k2s.log; docker logs k2s failed \(exit 1; k2s container: missing\)/);
    expect(parseAuthRolloutOutput(out(meta(), section("file", [l1], { rc: 2 }), section("docker", [], { rc: 1 })), T)).toMatchObject({ ok: false, reason: expect.stringMatching(/could not be read \(exit 2\)/) });
    expect(parseAuthRolloutOutput([...meta(), ...section("file", [l1])].join("\n"), T)).toMatchObject({ ok: false, reason: expect.stringMatching(/incomplete/) });
    expect(parseAuthRolloutOutput(out(meta(), section("file", [l1])), T, true)).toMatchObject({ ok: false, reason: expect.stringMatching(/truncated/) });
    expect(parseAuthRolloutOutput(out(meta(), section("file", [l1], { rollout: 2 })), T)).toMatchObject({ ok: false, reason: expect.stringMatching(/counted 2 .* but 1 arrived/) });
    expect(parseAuthRolloutOutput(out(meta(), section("file", [l1], { rollout: MAX_ROLLOUT_LINES + 1 })), T)).toMatchObject({ ok: false, reason: expect.stringMatching(/narrow the window/) });
  });

  it("lines forged with another token are data, not markers", () => {
    const forged = `K2OPS ffffffffffffffffffffffff stats file rollout=0 unreachable=0 misconfigured=0`;
    expect(parseAuthRolloutOutput(out(meta(), section("file", [l1, forged], { rollout: 1 })), T)).toMatchObject({ ok: true, sum: { lines: 1 } });
  });
});

describe("the node script", () => {
  it("is valid bash, passes the guardrails, reads no secret, embeds only the window and the token", () => {
    const s = authRolloutScript(86400, T);
    expect(spawnSync("bash", ["-n"], { input: s }).status).toBe(0);
    expect(() => assertScriptAllowed(s)).not.toThrow();
    expect(s).not.toMatch(/\.env|users/);
    expect(s).toContain("W=86400");
    expect(s).toContain('docker logs --since "${W}s" k2s');
    expect(s).toContain('"$D/logs/k2s.log"');
    expect(() => authRolloutScript(1.5, T)).toThrow();
    expect(() => authRolloutScript(3600, "not-hex")).toThrow();
  });
});

const item = (o: Partial<ReportItem> & { nodeIpv4: string }): ReportItem => ({ nodeName: `n-${o.nodeIpv4}`, status: "succeeded", summary: null, error: null, evidence: null, ...o });
const okRead = (unreachable: number, lines = 1) =>
  authRolloutEvidence({ ok: true, source: "file", dir: "/apps/k2s", k2s: "running", since: "s", unreachable, misconfigured: 0, sum: { counts: { total: 100, authed: 90, cookie_hit: 60, cold: 30, unauthed: 10, legacy_no_metadata: 4 }, lines, unparsed: 0, first: null, last: null } });

describe("rows and the fleet", () => {
  it("rows: ok, no data (read, no line), unknown (unreadable, or never read), skipped, pending", () => {
    expect(authRolloutRow(item({ nodeIpv4: "a", evidence: okRead(0) }), true)).toMatchObject({ state: "ok", counts: { total: 100 }, source: "file" });
    const nd = authRolloutRow(item({ nodeIpv4: "a", evidence: { ...okRead(0, 0), k2s: "missing" } }), true);
    expect(nd).toMatchObject({ state: "no_data", reason: expect.stringMatching(/k2s is missing/) });
    expect(authRolloutRow(item({ nodeIpv4: "a", status: "failed", evidence: authRolloutEvidence({ ok: false, reason: "SSH failed" }) }), true)).toMatchObject({ state: "unknown", counts: null, reason: "SSH failed" });
    expect(authRolloutRow(item({ nodeIpv4: "a", status: "cancelled" }), true)).toMatchObject({ state: "unknown", counts: null });
    expect(authRolloutRow(item({ nodeIpv4: "a", status: "skipped", summary: "decommissioned" }), true).state).toBe("skipped");
    expect(authRolloutRow(item({ nodeIpv4: "a", status: "queued" }), false).state).toBe("pending");
  });

  const rows = (unreach: number[], extra: AuthRolloutRow[] = []) => [...unreach.map((u, i) => authRolloutRow(item({ nodeIpv4: `10.0.0.${i + 1}`, evidence: okRead(u) }), true)), ...extra];
  const unknown = authRolloutRow(item({ nodeIpv4: "10.9.9.9", status: "failed", evidence: authRolloutEvidence({ ok: false, reason: "x" }) }), true);

  it("totals over the rows read, unauthed % and authed ratio; unknown rows apart, never as zeros", () => {
    const f = authRolloutFleet(rows([0, 0], [unknown]), "24h");
    expect(f).toMatchObject({ window: "24h", totals: { total: 200, authed: 180, unauthed: 20 }, unauthedPct: 10, authedRatio: 90, read: 2, reporting: 2, unknown: 1, alert: null });
    expect(authRolloutFleet([unknown], "24h")).toMatchObject({ unauthedPct: null, authedRatio: null, read: 0, unknown: 1, alert: null });
  });

  it("§6.6: some nodes unreachable-to-Center while peers reach it pages; all of them is a fleet-wide note", () => {
    const page = authRolloutFleet(rows([0, 5, 0]), "24h").alert;
    expect(page).toMatchObject({ level: "page", nodes: [{ ipv4: "10.0.0.2", count: 5 }] });
    expect(page?.text).toMatch(/^ALERT\(page\): 1\/3 node\(s\) report auth-center-unreachable while peers reach Center — 10\.0\.0\.2\(5\) — single-node isolation/);
    const note = authRolloutFleet(rows([2, 1], [unknown]), "24h").alert;
    expect(note).toMatchObject({ level: "note" });
    expect(note?.text).toMatch(/^NOTE: all 2 reachable node\(s\) report auth-center-unreachable — looks fleet-wide/);
  });
});

describe("the page's sentences (reports.view.reason / auth.alert) from lib's codes", () => {
  const t = createTranslator({ locale: "en", messages: en, namespace: "reports.view" });
  const said = (p: ReasonPhrase | null | undefined) => (p ? t(`reason.${p.code}`, p.values) : null);
  const l1 = line("2026-08-22T13:00:00.000Z", 50, 48, 40, 2);

  it("every reason renders exactly as lib's English", () => {
    const reads = [
      parseAuthRolloutOutput(out(meta("/apps/k2s", "missing"), [`K2OPS ${T} file=absent`], section("docker", [], { rc: 1 })), T),
      parseAuthRolloutOutput(out(meta(), section("file", [l1], { rc: 2 }), section("docker", [], { rc: 1 })), T),
      parseAuthRolloutOutput(out(meta(), section("file", [l1], { rc: 2 })), T),
      parseAuthRolloutOutput(out(meta(), [`K2OPS ${T} file=absent`]), T),
      parseAuthRolloutOutput([...meta(), ...section("file", [l1])].join("\n"), T),
      parseAuthRolloutOutput(out(meta(), section("file", [l1])), T, true),
      parseAuthRolloutOutput(out(meta(), section("file", [l1], { rollout: 2 })), T),
      parseAuthRolloutOutput(out(meta(), section("file", [l1], { rollout: MAX_ROLLOUT_LINES + 1 })), T),
    ];
    for (const r of reads) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(said(r.phrase)).toBe(r.reason);
    }
    const ok = (o: Partial<{ lines: number; unparsed: number; k2s: string; source: "file" | "docker" }>) =>
      authRolloutEvidence({ ok: true, source: o.source ?? "file", dir: "/apps/k2s", k2s: o.k2s ?? "running", since: "2026-08-21T13:00:00Z", unreachable: 0, misconfigured: 0, sum: { counts: { total: 1, authed: 1, cookie_hit: 1, cold: 0, unauthed: 0, legacy_no_metadata: 0 }, lines: o.lines ?? 1, unparsed: o.unparsed ?? 0, first: null, last: null } });
    const rows = [
      ...reads.map((r) => authRolloutRow(item({ nodeIpv4: "a", status: "failed", evidence: authRolloutEvidence(r) }), true)),
      authRolloutRow(item({ nodeIpv4: "a", evidence: ok({ unparsed: 3 }) }), true),
      authRolloutRow(item({ nodeIpv4: "a", evidence: ok({ lines: 0 }) }), true),
      authRolloutRow(item({ nodeIpv4: "a", evidence: ok({ lines: 0, k2s: "exited", source: "docker" }) }), true),
      authRolloutRow(item({ nodeIpv4: "a", status: "failed", evidence: { report: "auth-rollout", ok: false, reason: "stored before phrases" } }), true),
      authRolloutRow(item({ nodeIpv4: "a", status: "cancelled" }), true),
      authRolloutRow(item({ nodeIpv4: "a", status: "queued" }), true),
      authRolloutRow(item({ nodeIpv4: "a", status: "failed", error: "no worker" }), true),
      authRolloutRow(item({ nodeIpv4: "a", status: "skipped", summary: DECOMMISSIONED_SUMMARY }), true),
      authRolloutRow(item({ nodeIpv4: "a", status: "skipped" }), true),
      authRolloutRow(item({ nodeIpv4: "a", status: "skipped", summary: "other" }), true),
    ];
    for (const r of rows) expect(said(r.reasonPhrase)).toBe(r.reason);
    expect(rows.map((r) => r.reasonPhrase?.code)).toEqual(expect.arrayContaining(["logsUnreadable", "logsMissing", "noDataK2s", "notReadCancelled", "truncated", "incomplete", "tooManyLines", "countMismatch", "unparsed", "noData", "notRead", "decommissioned", "skipped", "message"]));
    expect(t("reason.sshFailed", { message: "connect ECONNREFUSED" })).toBe("SSH failed: connect ECONNREFUSED");
  });

  it("the alerts render exactly as lib's English", () => {
    const rows = (unreach: number[]) => unreach.map((u, i) => authRolloutRow(item({ nodeIpv4: `10.0.0.${i + 1}`, evidence: okRead(u) }), true));
    for (const a of [authRolloutFleet(rows([0, 5, 0, 7]), "24h").alert, authRolloutFleet(rows([2, 1]), "24h").alert]) {
      expect(a).not.toBeNull();
      expect(t(`auth.alert.${a!.code}.text`, a!.values)).toBe(a!.text);
    }
  });
});
