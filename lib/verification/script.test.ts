// The checklist script run by a real bash against stub node commands: what it
// prints, and how many processes it costs a node (issue 17: a verification
// spawns as few processes as it can).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { splitSections } from "./parse";
import { buildVerificationScript, COMMANDS, fencedScript, isSingleStage, SECTIONS } from "./script";

const T = "cd".repeat(10);
let bin: string;

/** Stubs: docker answers the script's ps/inspect, everything else prints a line or nothing. */
function stubs(dir: string, names: string) {
  const put = (name: string, body: string) => fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  put(
    "docker",
    `case "$1 $2" in
  "ps --format") printf '${names.replace(/\n/g, "\\n")}\\n' ;;
  "inspect --format") echo "2026-12-01T10:00:00.123456789Z 3" ;;
  "exec k2-sidecar") printf 203.0.113.10 ;;
  port*) printf '443/tcp -> 0.0.0.0:443\\n\\n\\n' ;;
esac`,
  );
  put("timedatectl", `echo "                Time zone: Asia/Shanghai (CST, +0800)"`);
  put("sudo", `shift; exec "$@"`);
  for (const c of ["sysctl", "ip", "iptables"]) put(c, "exit 0");
}

function runScript(script: string, env: Record<string, string> = {}) {
  return spawnSync("bash", ["-s"], { input: script, encoding: "utf8", env: { ...process.env, PATH: `${bin}:/usr/bin:/bin`, ...env } });
}

beforeAll(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), "k2ops-vstub-"));
});
afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

describe("the verification script on a node", () => {
  it("prints every section, the tunnel container from the names section, and the node's clock in UTC", () => {
    stubs(bin, "k2-sidecar\nk2-slave");
    const before = Date.now();
    const r = runScript(buildVerificationScript({ token: T }), { TZ: "Asia/Tokyo" });
    const s = splitSections(r.stdout, T);
    expect([...s.keys()].sort()).toEqual(["meta", ...SECTIONS].sort());
    const meta = s.get("meta")!.text;
    expect(meta).toContain("tunnel=k2-slave");
    expect(meta).toContain("sidecar_inspect=0 2026-12-01T10:00:00.123456789Z 3");
    const now = Date.parse(/^now=(\S+)$/m.exec(meta)![1]);
    expect(/^now=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6,9}Z$/m.test(meta)).toBe(true);
    // UTC whatever the node's TZ (a local time read as Z would be 9 h off here)
    expect(Math.abs(now - before)).toBeLessThan(5_000);
    expect(s.get("names")!.text).toBe("k2-sidecar\nk2-slave");
    // output kept line for line; output without a final newline still ends before the fence
    expect(s.get("port_mapping")).toMatchObject({ text: "443/tcp -> 0.0.0.0:443\n\n", rc: 0, pipe: [0] });
    expect(s.get("container_net")).toMatchObject({ text: "203.0.113.10", rc: 0, pipe: [0] });
    expect(s.get("timezone")).toMatchObject({ rc: 0, pipe: [0, 0] });
  });

  it("keeps k2s as the tunnel when no k2-slave runs, and finds it without a names section", () => {
    stubs(bin, "k2-sidecar\nk2s");
    expect(splitSections(runScript(buildVerificationScript({ token: T })).stdout, T).get("meta")!.text).toContain("tunnel=k2s");
    stubs(bin, "k2-sidecar\nk2-slave");
    const status = fencedScript(T, [["sidecar_health", "docker inspect --format='{{.State.Health.Status}}' k2-sidecar"]]);
    expect(splitSections(runScript(status).stdout, T).get("meta")!.text).toContain("tunnel=k2-slave");
  });

  it("spawns one process per pipeline stage plus timeout (and bash for a pipeline), nothing more: no $(…) subshells", () => {
    stubs(bin, "k2-sidecar\nk2s");
    const script = buildVerificationScript({ token: T });
    fs.writeFileSync(path.join(bin, "verify.sh"), script);
    // a fresh PID namespace numbers every process from 1: the last PID is the count
    const count = (cmd: string) => spawnSync("unshare", ["--pid", "--fork", "bash", "-c", `${cmd}; sh -c 'echo $$'; :`], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` } });
    const base = count("true");
    if (base.status !== 0) return expect.soft(base.stderr, "unshare --pid needs root").toBe("");
    const spawned = Number(count(`bash ${bin}/verify.sh >/dev/null 2>&1`).stdout.trim()) - Number(base.stdout.trim());
    // a one-stage command: timeout + the command; a pipeline: timeout + bash + its stages (the stubs stand for the node's binaries; sudo execs its command)
    const perCommand = Object.values(COMMANDS).map((c) => (isSingleStage(c) ? 2 : 2 + c.replace(/'[^']*'/g, "''").split(" | ").length));
    // + the script's bash + two docker inspects under timeout
    // (the compose section's `cd` fails here, before its sudo: one less)
    expect(spawned).toBeLessThanOrEqual(perCommand.reduce((a, b) => a + b, 0) + 1 + 4);
    // 15 sections from 11 commands (the sidecar log is read once for four checks): 71 processes before
    expect(SECTIONS).toHaveLength(15);
    expect(spawned).toBeLessThanOrEqual(40);
  });

  it("one sidecar-log read fills the four sections, each shaped as a grep pipeline (PIPE <docker> <matched> <awk>)", () => {
    stubs(bin, "k2-sidecar\nk2s");
    const rep = (i: number) => `time=2026-12-01T10:${String(i).padStart(2, "0")}:00.000Z level=INFO msg="DIAG: usage-reporter-cycle-ok" epoch=1 cumulative=${i}`;
    const lines = ["time=2026-12-01T10:00:00Z msg=\"Registration completed\" tunnels=1", "time=2026-12-01T10:00:01Z msg=\"Registration completed\" tunnels=2", "time=2026-12-01T10:00:01Z msg=\"Tunnel registered\" domain=x", ...Array.from({ length: 25 }, (_, i) => rep(i)), "noise"];
    fs.writeFileSync(path.join(bin, "log.txt"), lines.join("\n") + "\n");
    const logs = (body: string) => fs.writeFileSync(path.join(bin, "docker"), fs.readFileSync(path.join(bin, "docker"), "utf8").replace(/^case/m, `[ "$1 $2" = "logs --since" ] && { ${body}; }\ncase`), { mode: 0o755 });
    logs(`cat ${bin}/log.txt >&2; exit 0`);
    const s = splitSections(runScript(buildVerificationScript({ token: T })).stdout, T);
    expect(s.get("registration")).toEqual({ text: lines[1], rc: 0, pipe: [0, 0, 0] });
    expect(s.get("tunnel_domain")).toEqual({ text: lines[2], rc: 0, pipe: [0, 0, 0] });
    expect(s.get("meter")).toEqual({ text: "", rc: 0, pipe: [0, 1, 0] });
    expect(s.get("reporter")!.text.split("\n")).toEqual(Array.from({ length: 20 }, (_, i) => rep(i + 5)));
    // docker failing in front: its message reaches every section, the failed stage is reported
    stubs(bin, "k2-sidecar\nk2s");
    logs(`echo "Error response from daemon: dial unix /var/run/docker.sock: connect: permission denied" >&2; exit 1`);
    const f = splitSections(runScript(buildVerificationScript({ token: T })).stdout, T);
    for (const k of ["registration", "tunnel_domain", "meter", "reporter"]) expect(f.get(k)).toEqual({ text: "", rc: 0, pipe: [1, 1, 0] });
    // a hung read: every section timed out, no PIPE
    stubs(bin, "k2-sidecar\nk2s");
    logs("sleep 30");
    const h = splitSections(runScript(buildVerificationScript({ token: T }).replace(/timeout 10 bash -c "\$1/, 'timeout 1 bash -c "$1')).stdout, T);
    for (const k of ["registration", "reporter"]) expect(h.get(k)).toEqual({ text: "", rc: 124, pipe: null });
  });
});
