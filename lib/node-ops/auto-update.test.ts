import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertAllowed, assertScriptAllowed } from "@/lib/guardrails/command";
import {
  AUTO_UPDATE_CRON_LINE,
  AUTO_UPDATE_READ,
  autoUpdateProblems,
  autoUpdateProblemsOnNode,
  autoUpdatePushScript,
  autoUpdateRefusal,
  cronEnsureScript,
  describeCron,
  describeFile,
  loadCanonicalAutoUpdate,
  parseAutoUpdateState,
  parseCronOutcome,
  parseScriptOutcome,
  type AutoUpdateState,
} from "./auto-update";

const shipped = fs.readFileSync(path.resolve("deploy-assets/docker/scripts/auto-update.sh"), "utf8");
const MD5 = "0123456789abcdef0123456789abcdef";
const state = (o: Partial<AutoUpdateState> = {}): AutoUpdateState => ({
  md5: MD5,
  size: 100,
  executable: true,
  hasCrontab: true,
  cronLines: 1,
  otherLines: 0,
  project: "k2s",
  hasDir: true,
  hasEnv: true,
  hasOldEnv: false,
  ...o,
});

describe("the canonical auto-update.sh", () => {
  it("the shipped script is deployable: no compose down, no webhook URL, pull then up -d", () => {
    expect(autoUpdateProblems(shipped)).toEqual([]);
    expect(shipped).toMatch(/docker compose pull/);
    expect(shipped).toMatch(/docker compose up -d/);
    expect(shipped).toMatch(/K2_SLACK_WEBHOOK/);
    expect(shipped).not.toMatch(/hooks\.slack\.com/);
    // the script itself passes the stdin-script guardrails (no down, no :latest)
    expect(() => assertScriptAllowed(shipped)).not.toThrow();
  });
  it("refuses an empty file, a compose down, a hard-coded webhook, no shebang", () => {
    expect(autoUpdateProblems("")).toEqual(["empty"]);
    expect(autoUpdateProblems("  \n")).toEqual(["empty"]);
    expect(autoUpdateProblems(shipped.replace("docker compose up -d ||", "docker compose down && docker compose up -d ||")).join()).toMatch(/compose down/);
    expect(autoUpdateProblems(shipped + "\nW=https://hooks.slack.com/services/T000/B000/XXXXXXXX\n").join()).toMatch(/Slack webhook/);
    expect(autoUpdateProblems(shipped.replace(/^#!.*\n/, "")).join()).toMatch(/first line/);
    // a comment that mentions down is not a command
    expect(autoUpdateProblems(shipped + "\n# never docker compose down here\n")).toEqual([]);
  });
  it("reads from K2OPS_DEPLOY_ASSETS_DIR and names the file it could not read", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k2ops-assets-"));
    expect(() => loadCanonicalAutoUpdate({ K2OPS_DEPLOY_ASSETS_DIR: dir })).toThrow(`No canonical auto-update script at ${dir}/docker/scripts/auto-update.sh`);
    fs.mkdirSync(`${dir}/docker/scripts`, { recursive: true });
    fs.writeFileSync(`${dir}/docker/scripts/auto-update.sh`, "");
    expect(() => loadCanonicalAutoUpdate({ K2OPS_DEPLOY_ASSETS_DIR: dir })).toThrow(/is not deployable: empty/);
    fs.writeFileSync(`${dir}/docker/scripts/auto-update.sh`, shipped);
    expect(loadCanonicalAutoUpdate({ K2OPS_DEPLOY_ASSETS_DIR: dir })).toMatchObject({ configured: true, text: shipped, md5: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(loadCanonicalAutoUpdate({})).toMatchObject({ configured: false, source: path.resolve("deploy-assets/docker/scripts/auto-update.sh") });
  });
});

describe("the commands", () => {
  it("the read is one guarded line with the cron line single-quoted", () => {
    expect(() => assertAllowed(AUTO_UPDATE_READ)).not.toThrow();
    expect(AUTO_UPDATE_READ).toContain(`grep -cxF '${AUTO_UPDATE_CRON_LINE}'`);
    expect(AUTO_UPDATE_READ).not.toMatch(/crontab -l[^;]*\|\s*crontab -/);
  });
  it("the push carries the file as base64 on stdin, md5-checked before it replaces anything", () => {
    const text = "#!/bin/bash\n$(touch /tmp/pwned)\ncd /apps/k2s\n";
    const s = autoUpdatePushScript({ text, md5: MD5 });
    expect(s).not.toContain("$(touch");
    expect(s).toContain(Buffer.from(text).toString("base64"));
    expect(s.indexOf('[ "$got" = "$want" ]')).toBeLessThan(s.indexOf('mv -f "$tmp" "$f"'));
    expect(() => assertScriptAllowed(s)).not.toThrow();
    expect(() => autoUpdatePushScript({ text, md5: "x; rm -rf /" })).toThrow();
  });
  it("the cron script reads the crontab whole before writing it back, and tells 'no crontab' from an unreadable one", () => {
    const s = cronEnsureScript();
    expect(s).toContain("if cur=$(crontab -l 2>/dev/null)");
    expect(s).toMatch(/"no crontab for "\*\) cur=""/);
    expect(s).toContain("exit 6");
    expect(s).not.toMatch(/crontab -l[^\n]*\|[^\n]*crontab -/);
    expect(() => assertScriptAllowed(s)).not.toThrow();
  });
});

/** Runs the cron script under bash with a fake `crontab` (its file in a temp dir; `unreadable`: `crontab -l` fails otherwise than "no crontab"). */
function runCron(initial: string | null, o: { unreadable?: boolean } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k2ops-cron-"));
  const tab = path.join(dir, "tab");
  if (initial !== null) fs.writeFileSync(tab, initial);
  const fake = [
    "#!/usr/bin/env bash",
    `F='${tab}'`,
    o.unreadable ? 'if [ "${1:-}" = -l ]; then echo "crontab: cannot open spool" >&2; exit 1; fi' : 'if [ "${1:-}" = -l ]; then [ -s "$F" ] || { echo "no crontab for root" >&2; exit 1; }; cat "$F"; exit 0; fi',
    'cat > "$F.new" && mv -f "$F.new" "$F"',
    "",
  ].join("\n");
  fs.writeFileSync(path.join(dir, "crontab"), fake, { mode: 0o755 });
  const r = spawnSync("bash", ["-s"], { input: cronEnsureScript(), encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
  return { code: r.status, out: r.stdout, err: r.stderr, tab: fs.existsSync(tab) ? fs.readFileSync(tab, "utf8") : null };
}

describe("the cron script (run by bash)", () => {
  it("a node with no crontab gets the line (the runbook's '0\\n0' defect printed 'cron ok' there)", () => {
    const r = runCron(null);
    expect(r.out).toBe("k2ops-cron: ADDED removed=0\n");
    expect(r.tab).toBe(`${AUTO_UPDATE_CRON_LINE}\n`);
  });
  it("the line once: nothing is written", () => {
    const before = `MAILTO=""\n${AUTO_UPDATE_CRON_LINE}\n`;
    const r = runCron(before);
    expect(r.out).toBe("k2ops-cron: OK\n");
    expect(r.tab).toBe(before);
  });
  it("copies and other entries running the script go; comments and other lines stay, in order", () => {
    const r = runCron(`MAILTO=""\n${AUTO_UPDATE_CRON_LINE}\n# 30 3 * * * /apps/k2s/auto-update.sh\n5 * * * * /bin/true\n${AUTO_UPDATE_CRON_LINE}\n30 3 * * * /apps/k2s/auto-update.sh\n\n`);
    expect(parseCronOutcome(r.out)).toEqual({ result: "FIXED", copies: 2, removed: 1, removedLines: ["30 3 * * * /apps/k2s/auto-update.sh"] });
    expect(r.tab).toBe(`MAILTO=""\n# 30 3 * * * /apps/k2s/auto-update.sh\n5 * * * * /bin/true\n${AUTO_UPDATE_CRON_LINE}\n`);
  });
  it("a crontab that cannot be read is never overwritten", () => {
    const r = runCron("17 * * * * /usr/local/bin/keep-me\n", { unreadable: true });
    expect(r.code).toBe(6);
    expect(r.err).toMatch(/could not be read: crontab: cannot open spool/);
    expect(r.tab).toBe("17 * * * * /usr/local/bin/keep-me\n");
  });
  it("the shipped auto-update.sh is valid bash", () => {
    expect(() => execFileSync("bash", ["-n", path.resolve("deploy-assets/docker/scripts/auto-update.sh")])).not.toThrow();
  });
});

describe("parsers", () => {
  it("reads the node's state", () => {
    const out = `md5=${MD5}\nsize=4096\nexec=yes\ncrontab=yes\ncron=1\nother=0\nproject=k2s\ndir=yes\nenv=yes\n`;
    expect(parseAutoUpdateState(out)).toEqual(state({ size: 4096 }));
  });
  it("no file, no crontab: nothing is present, counts are zero", () => {
    expect(parseAutoUpdateState("cron=0\nother=0\ndir=yes\nenv=yes\n")).toEqual(state({ md5: null, size: null, executable: false, hasCrontab: false, cronLines: 0, otherLines: 0, project: null }));
  });
  it("a missing or garbled count never reads as present once (the runbook's '0\\n0' defect)", () => {
    expect(parseAutoUpdateState("cron=0\n0\n").cronLines).toBe(0);
    expect(parseAutoUpdateState("").cronLines).toBe(-1);
    expect(parseAutoUpdateState("cron=x\n").cronLines).toBe(-1);
    expect(parseAutoUpdateState("md5=nothex\n").md5).toBeNull();
  });
  it("reads the scripts' answers", () => {
    expect(parseScriptOutcome(`k2ops-auto-update: DEPLOYED none -> ${MD5}\n`)).toBe("DEPLOYED");
    expect(parseScriptOutcome(`k2ops-auto-update: UP-TO-DATE ${MD5}\n`)).toBe("UP-TO-DATE");
    expect(parseScriptOutcome("garbage")).toBeNull();
    expect(parseCronOutcome("k2ops-cron: OK\n")).toEqual({ result: "OK", copies: 1, removed: 0, removedLines: [] });
    expect(parseCronOutcome("k2ops-cron: ADDED removed=0\n")).toEqual({ result: "ADDED", copies: 0, removed: 0, removedLines: [] });
    expect(parseCronOutcome("removed: 30 3 * * * /apps/k2s/auto-update.sh\nk2ops-cron: FIXED copies=2 removed=1\n")).toEqual({ result: "FIXED", copies: 2, removed: 1, removedLines: ["30 3 * * * /apps/k2s/auto-update.sh"] });
    expect(parseCronOutcome("nothing")).toBeNull();
  });
});

describe("guard, verification and outcome words", () => {
  it("the DIR-migration guard and an unprovisioned node refuse", () => {
    expect(autoUpdateRefusal(state())).toBeNull();
    expect(autoUpdateRefusal(state({ project: "kaitu-slave" }))?.text).toMatch(/DIR-migration guard/);
    expect(autoUpdateRefusal(state({ project: null, hasEnv: false, hasOldEnv: true }))?.text).toMatch(/DIR-migration guard/);
    expect(autoUpdateRefusal(state({ hasDir: false, hasEnv: false }))?.text).toMatch(/no \/apps\/k2s/);
  });
  it("verification: only the canonical md5, executable, the line exactly once and no other entry pass", () => {
    expect(autoUpdateProblemsOnNode(state(), MD5)).toEqual([]);
    expect(autoUpdateProblemsOnNode(state({ md5: "d41d8cd98f00b204e9800998ecf8427e", size: 0 }), MD5).map((p) => p.text).join()).toMatch(/empty file/);
    expect(autoUpdateProblemsOnNode(state({ md5: null, size: null, executable: false }), MD5).map((p) => p.text)).toEqual(["/apps/k2s/auto-update.sh is missing"]);
    expect(autoUpdateProblemsOnNode(state({ executable: false }), MD5).map((p) => p.text).join()).toMatch(/not executable/);
    expect(autoUpdateProblemsOnNode(state({ cronLines: 0 }), MD5).map((p) => p.text).join()).toMatch(/0 times/);
    expect(autoUpdateProblemsOnNode(state({ cronLines: 2 }), MD5).map((p) => p.text).join()).toMatch(/2 times/);
    expect(autoUpdateProblemsOnNode(state({ cronLines: -1 }), MD5).map((p) => p.text).join()).toMatch(/could not be read/);
    expect(autoUpdateProblemsOnNode(state({ otherLines: 1 }), MD5).map((p) => p.text).join()).toMatch(/other root crontab/);
  });
  it("words the outcome as the runbook does, truthfully", () => {
    expect(describeFile(state(), null)).toBe("UP-TO-DATE");
    expect(describeFile(state({ executable: false }), "UP-TO-DATE")).toBe("UP-TO-DATE (made executable)");
    expect(describeFile(state({ md5: null, size: null }), "DEPLOYED")).toBe("DEPLOYED (new)");
    expect(describeFile(state({ size: 0 }), "DEPLOYED")).toBe("DEPLOYED (replaced an empty file)");
    expect(describeFile(state(), "DEPLOYED")).toBe("DEPLOYED (replaced md5 01234567)");
    expect(describeCron(state(), null)).toBe("cron ok");
    expect(describeCron(state({ hasCrontab: false }), { result: "ADDED", copies: 0, removed: 0, removedLines: [] })).toBe("CRON ADDED (root had no crontab)");
    expect(describeCron(state(), { result: "ADDED", copies: 0, removed: 1, removedLines: ["x"] })).toBe("CRON ADDED; 1 other auto-update line removed");
    expect(describeCron(state(), { result: "FIXED", copies: 3, removed: 0, removedLines: [] })).toBe("CRON FIXED (3 copies of the line -> 1)");
  });
});
