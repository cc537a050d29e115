import { describe, expect, it } from "vitest";
import { evaluateReporter } from "./parse";

const ok = (epoch: number, cum: number) => `time=2026-11-24T10:00:00.000Z level=INFO msg="DIAG: usage-reporter-cycle-ok" component=usage epoch=${epoch} cumulative=${cum} quotaTotal=1073741824000`;
const start = `time=2026-11-24T10:00:00.000Z level=INFO msg="DIAG: usage-reporter-start" component=usage center=https://k2.52j.me ipv4=203.0.113.10`;
const fail = `time=2026-11-24T10:00:00.000Z level=WARN msg="DIAG: usage-reporter-cycle-fail" component=usage used=1 limit=2 err="center HTTP 503"`;

describe("usage reporter check", () => {
  it("passes when the cumulative climbs within the cycle", () => {
    const r = evaluateReporter([ok(1, 10), ok(1, 20), ok(1, 20)].join("\n"));
    expect(r.status).toBe("pass");
    expect(r.observed).toContain("3 cycles");
  });
  it("passes a freshly recreated sidecar that reported once", () => {
    const r = evaluateReporter([ok(1, 50), ok(1, 60), start, ok(1, 61)].join("\n"));
    expect(r).toMatchObject({ status: "pass" });
    expect(r.observed).toContain("1 report accepted");
  });
  it("fails when the cumulative goes down within one cycle", () => {
    expect(evaluateReporter([ok(1, 50), ok(1, 40)].join("\n")).status).toBe("fail");
  });
  it("accepts the reset at a new billing cycle", () => {
    expect(evaluateReporter([ok(1, 500), ok(2, 3), ok(2, 9)].join("\n"))).toMatchObject({ status: "pass", observed: expect.stringContaining("epoch 2") });
  });
  it("fails when the latest report failed, with Center's error", () => {
    const r = evaluateReporter([ok(1, 10), ok(1, 20), fail].join("\n"));
    expect(r).toEqual({ status: "fail", observed: "latest report failed: center HTTP 503" });
  });
  it("fails without any cycle-ok line, and says whether the reporter started", () => {
    expect(evaluateReporter("").observed).toBe("no usage-reporter-cycle-ok line");
    expect(evaluateReporter(start).observed).toBe("reporter started but no cycle-ok yet");
  });
});

// ---- the whole checklist output, as the script prints it ----
import { parseComposePsJson, parseTime, parseVerificationOutput, splitSections } from "./parse";
import { buildVerificationScript, COMMANDS, shownCommand } from "./script";

const T = "ab".repeat(12);
const IP = "203.0.113.10";
const DOMAIN = "203-0-113-10.sslip.io";
type Sec = { text: string; pipe?: number[]; rc?: number; cut?: boolean };
const slog = (t: string, msg: string, attrs: string) => `time=${t} level=INFO msg="${msg}" ${attrs}`;
const ps = (o: Record<string, unknown>) => JSON.stringify({ Command: '"/entrypoint.sh"', ExitCode: 0, Health: "", Project: "k2s", Publishers: null, ...o });
const NDJSON = [ps({ Name: "k2-sidecar", Service: "k2-sidecar", State: "running", Health: "healthy", Status: "Up 2 days (healthy)" }), ps({ Name: "k2s", Service: "k2s", State: "running", Status: "Up 2 days" })].join("\n");
const PORTS = ["443/tcp -> 0.0.0.0:443", "443/tcp -> [::]:443", "443/udp -> 0.0.0.0:443", ...Array.from({ length: 20 }, (_, i) => `443/udp -> 0.0.0.0:${40000 + i}`)].join("\n");

/** A healthy node's output (sidecar and k2s started two days before `now`), with `over` replacing sections. */
function output(over: Record<string, Sec | null> = {}, meta: Partial<Record<"now" | "sidecar" | "tunnel", string>> = {}): string {
  const base: Record<string, Sec> = {
    names: { text: "k2s\nk2-sidecar", pipe: [0] },
    timezone: { text: "                Time zone: Asia/Singapore (+08, +0800)", pipe: [0, 0] },
    containers: { text: NDJSON, pipe: [0] },
    registration: { text: slog("2026-11-22T10:00:02.836Z", "Registration completed", `component=node ipv4=${IP} nodeCreated=false tunnels=1`), pipe: [0, 0, 0] },
    tunnel_domain: { text: slog("2026-11-22T10:00:02.836Z", "Tunnel registered", `component=node domain=${DOMAIN} protocol=k2v5 created=false`), pipe: [0, 0, 0] },
    meter: { text: slog("2026-11-22T10:00:03.001Z", "Traffic monitor initialized", "component=traffic interface=ens5 billingDate=2026-01-01 limitGB=1000 billingMode=sum rx=1 tx=2"), pipe: [0, 0, 0] },
    reporter: { text: [ok(1, 10), ok(1, 20), ok(1, 30)].join("\n").replace(/2026-11-24T10:00:00.000Z/g, "2026-11-24T09:59:00.000Z"), pipe: [0, 0, 0] },
    sidecar_errors: { text: "", pipe: [0, 1, 0], rc: 0 },
    k2s_ready: { text: slog("2026-11-22T10:00:06.806Z", "k2s server ready", "listen=:443"), pipe: [0, 0] },
    container_net: { text: IP, pipe: [0] },
    port_mapping: { text: PORTS, pipe: [0] },
    billing: { text: "K2_NODE_BILLING_START_DATE=2026-01-01\nK2_NODE_TRAFFIC_LIMIT_GB=1000", pipe: [0] },
    bbr: { text: "net.ipv4.tcp_congestion_control = bbr", pipe: [0] },
    ipv6: { text: "", pipe: [0] },
    iptables: { text: "iptables v1.8.7 (nf_tables)", pipe: [0] },
  };
  const m = { now: "2026-11-24T10:00:00.000000000Z", sidecar: "0 2026-11-22T10:00:01.102345678Z 0", tunnel: "0 2026-11-22T10:00:05.5Z 0 public.ecr.aws/d6n9t2r2/k2s:v0.4.8-9d7c6f95", ...meta };
  let raw = `===K2OPS ${T} BEGIN meta===\ndir=/apps/k2s\ntunnel=k2s\nnow=${m.now}\nsidecar_inspect=${m.sidecar}\ntunnel_inspect=${m.tunnel}\n===K2OPS ${T} END meta rc=0===\n`;
  for (const [k, v0] of Object.entries({ ...base, ...over })) {
    if (!v0) continue;
    const v = v0;
    const pipe = v.pipe ?? [v.rc ?? 0];
    raw += `===K2OPS ${T} BEGIN ${k}===\n${v.text ? v.text + "\n" : ""}`;
    if (v.cut) break;
    raw += `===K2OPS ${T} PIPE ${pipe.join(" ")}===\n===K2OPS ${T} END ${k} rc=${v.rc ?? pipe.at(-1)}===\n`;
  }
  return raw;
}
const parse = (raw: string) => parseVerificationOutput(raw, { token: T, ipv4: IP, centerNode: { tunnels: [{ domain: DOMAIN }] } });
const check = (raw: string, key: string) => parse(raw).checks.find((c) => c.key === key)!;

describe("checklist output: the healthy baseline", () => {
  it("passes every check", () => {
    const p = parse(output());
    expect(p.checks.map((c) => [c.key, c.status, c.observed])).toEqual(p.checks.map((c) => [c.key, "pass", c.observed]));
    expect(p.status).toBe("pass");
  });
  it("reads the PIPE fence, also after output without a trailing newline", () => {
    const s = splitSections(`===K2OPS ${T} BEGIN container_net===\n${IP}===K2OPS ${T} PIPE 0===\n===K2OPS ${T} END container_net rc=0===\n`, T);
    expect(s.get("container_net")).toEqual({ text: IP, rc: 0, pipe: [0] });
  });
  it("reads Docker's StartedAt (RFC3339Nano, trailing zeros trimmed) and the zero time", () => {
    expect(parseTime("2026-11-22T10:00:01.102345678Z")).toBe(Date.parse("2026-11-22T10:00:01.102Z"));
    expect(parseTime("2026-11-22T10:00:05.5Z")).toBe(Date.parse("2026-11-22T10:00:05.500Z"));
    expect(parseTime("2026-11-22T18:00:05+08:00")).toBe(Date.parse("2026-11-22T10:00:05.000Z"));
    expect(parseTime("0001-01-01T00:00:00Z")).toBeNull();
  });
});

describe("#10 fault 1: every check finds its line however long the node has run", () => {
  it("the sidecar-log checks read the whole current run (--since StartedAt) once, each keeping its own last line(s); no shared window", () => {
    const script = buildVerificationScript({ token: T });
    expect(script).not.toMatch(/tail -n 80/);
    expect(COMMANDS.sidecar_log).toMatch(/^docker logs --since "\$SS" k2-sidecar 2>&1 \| awk '[^']+'$/);
    expect(script).toContain(`[ -n "$SS" ] && runlog '${COMMANDS.sidecar_log.replace(/'/g, `'\\''`)}'`);
    expect(script.match(/docker logs --since/g)).toHaveLength(1);
  });
  it("the command shown to the operator is the command run, with the values the node had", () => {
    const c = check(output(), "registration");
    expect(c.command).toBe(COMMANDS.sidecar_log.replace('"$SS"', "2026-11-22T10:00:01.102Z"));
    expect(c.command).toMatch(/^docker logs --since 2026-11-22T10:00:01.102Z k2-sidecar 2>&1 \| awk 'index\(\$0,"Registration completed"\)/);
    expect(check(output(), "k2s_ready").command).toBe("sudo -n grep -F 'server ready' /apps/k2s/logs/k2s.log | tail -n 1");
    expect(shownCommand("containers", { D: "/apps/kaitu-slave", C: "k2-slave", SS: "", KS: "" })).toBe("cd /apps/kaitu-slave && sudo -n docker compose ps --format json");
  });
  it("a registration line days old still counts when it is from the current run", () => {
    expect(check(output({}, { now: "2026-12-20T10:00:00Z" }), "registration")).toMatchObject({ status: "pass", observed: "tunnels=1 nodeCreated=false" });
  });
});

describe("#10 fault 2: readiness evidence must be newer than the container's start", () => {
  const yesterday = slog("2026-11-23T10:00:06.806Z", "k2s server ready", "listen=:443");
  it("k2s Up 1 second + yesterday's 'server ready': pending (unknown), not pass", () => {
    const raw = output({ k2s_ready: { text: yesterday, pipe: [0, 0] } }, { tunnel: "0 2026-11-24T09:59:59.1Z 0" });
    const c = check(raw, "k2s_ready");
    expect(c.status).toBe("unknown");
    expect(c.observed).toMatch(/^pending: k2s started 1 s ago/);
    expect(parse(raw).status).toBe("unknown");
  });
  it("after the settle window, a stale line is a failure that says why", () => {
    const c = check(output({ k2s_ready: { text: yesterday, pipe: [0, 0] } }, { tunnel: "0 2026-11-24T09:58:00Z 0" }), "k2s_ready");
    expect(c).toMatchObject({ status: "fail", observed: expect.stringContaining("latest is older: 2026-11-23T10:00:06.806Z") });
  });
  it("a restart loop gets no settle window", () => {
    expect(check(output({ k2s_ready: { text: "", pipe: [1, 0] } }, { tunnel: "0 2026-11-24T09:59:59Z 3" }), "k2s_ready").status).toBe("fail");
  });
  it("a k2s start time that cannot be read makes the line's age unknown", () => {
    expect(check(output({}, { tunnel: "1 permission denied while trying to connect to the Docker daemon socket" }), "k2s_ready").status).toBe("unknown");
  });
  it("sidecar lines of an earlier run do not count; a just-started sidecar is pending", () => {
    const old = { text: slog("2026-11-20T10:00:02.836Z", "Registration completed", `component=node ipv4=${IP} nodeCreated=true tunnels=1`), pipe: [0, 0, 0] };
    expect(check(output({ registration: old }), "registration").status).toBe("fail");
    const fresh = check(output({ registration: { text: "", pipe: [0, 1, 0] }, reporter: { text: "", pipe: [0, 1, 0] } }, { sidecar: "0 2026-11-24T09:59:50Z 0" }), "registration");
    expect(fresh).toMatchObject({ status: "unknown", observed: expect.stringMatching(/^pending: k2-sidecar started 10 s ago/) });
  });
  it("a sidecar health 'starting' within the settle window is pending; in a restart loop it fails with the cause", () => {
    const starting = [ps({ Name: "k2-sidecar", Service: "k2-sidecar", State: "running", Health: "starting", Status: "Up 3 seconds (health: starting)" }), ps({ Name: "k2s", Service: "k2s", State: "running", Status: "Up 2 days" })].join("\n");
    expect(check(output({ containers: { text: starting, pipe: [0] } }, { sidecar: "0 2026-11-24T09:59:57Z 0" }), "containers").status).toBe("unknown");
    const errs = { text: `time=2026-11-24T09:59:40.000Z level=ERROR msg="Failed to initialize" component=sidecar err="failed to create node: secret is required"`, pipe: [0, 0, 0] };
    const looping = check(output({ containers: { text: starting, pipe: [0] }, sidecar_errors: errs }, { sidecar: "0 2026-11-24T09:59:57Z 12" }), "containers");
    expect(looping).toMatchObject({ status: "fail", observed: expect.stringContaining("restart loop: missing K2_NODE_SECRET") });
  });
});

describe("#10 fault 3: a command error is not 'no match'", () => {
  it("billing grep exit 2 (permission denied): metering checks unknown with the error, not 'metering off'", () => {
    const raw = output({ billing: { text: "grep: /apps/k2s/.env: Permission denied", pipe: [2] } });
    for (const k of ["meter_initialized", "reporter"]) expect(check(raw, k)).toMatchObject({ status: "unknown", observed: expect.stringContaining("Permission denied") });
    expect(parse(raw).status).toBe("unknown");
  });
  it("sudo refusing (exit 1 WITH a message) is an error too; exit 1 without output is metering off", () => {
    expect(check(output({ billing: { text: "sudo: a password is required", pipe: [1] } }), "reporter").status).toBe("unknown");
    expect(check(output({ billing: { text: "", pipe: [1] } }), "reporter")).toMatchObject({ status: "skip" });
  });
  it("the script reads .env and k2s.log with sudo -n, as the operations do", () => {
    expect(COMMANDS.billing).toMatch(/^sudo -n grep /);
    expect(COMMANDS.k2s_ready).toMatch(/^sudo -n grep /);
  });
  it("docker logs failing in front of grep is unknown, not 'no registration'", () => {
    expect(check(output({ registration: { text: "", pipe: [1, 1, 0] } }), "registration")).toMatchObject({ status: "unknown" });
  });
  it("timedatectl failing is unknown, not a wrong time zone", () => {
    expect(check(output({ timezone: { text: "Failed to connect to bus: Host is down", pipe: [1, 1] } }), "timezone").status).toBe("unknown");
  });
  it("k2s.log unreadable is unknown", () => {
    expect(check(output({ k2s_ready: { text: "grep: /apps/k2s/logs/k2s.log: Permission denied", pipe: [2, 0] } }), "k2s_ready").status).toBe("unknown");
  });
});

describe("#10 fault 4: docker compose ps in any layout", () => {
  it("the older v2 table (NAME COMMAND SERVICE STATUS PORTS) is unknown, never fail with the header as observed", () => {
    const old = "NAME                COMMAND             SERVICE             STATUS              PORTS\nk2-sidecar          \"/entrypoint.sh\"    k2-sidecar          running (healthy)   \nk2s                 \"./entrypoint.sh\"   k2s                 running             0.0.0.0:443->443/tcp";
    expect(check(output({ containers: { text: old, pipe: [0] } }), "containers")).toMatchObject({ status: "unknown", observed: expect.stringContaining("unrecognised") });
  });
  it("ONE JSON array (Compose < 2.21, no Status field) and one object per line are both read", () => {
    const arr = JSON.stringify([
      { ID: "a".repeat(64), Name: "k2-sidecar", Command: "/entrypoint.sh", Project: "k2s", Service: "k2-sidecar", State: "running", Health: "healthy", ExitCode: 0, Publishers: null },
      { ID: "b".repeat(64), Name: "k2s", Command: "./entrypoint.sh", Project: "k2s", Service: "k2s", State: "running", Health: "", ExitCode: 0, Publishers: [{ URL: "0.0.0.0", TargetPort: 443, PublishedPort: 443, Protocol: "tcp" }] },
    ]);
    expect(check(output({ containers: { text: arr, pipe: [0] } }), "containers")).toMatchObject({ status: "pass", observed: "k2-sidecar: running (healthy); k2s: running" });
    expect(check(output(), "containers").status).toBe("pass");
    expect(parseComposePsJson(`WARN[0000] The "K2_NODE_SECRET" variable is not set. Defaulting to a blank string.\n${NDJSON}`)).toHaveLength(2);
    expect(parseComposePsJson("[]")).toEqual([]);
  });
  it("a paused k2s and a k2-oc orphan are read from JSON as failures", () => {
    const cut = [ps({ Name: "k2-sidecar", Service: "k2-sidecar", State: "running", Health: "healthy", Status: "Up 2 days (healthy)" }), ps({ Name: "k2s", Service: "k2s", State: "paused", Status: "Up 2 days (Paused)" })].join("\n");
    expect(check(output({ containers: { text: cut, pipe: [0] } }), "containers")).toMatchObject({ status: "fail", observed: "k2s Up 2 days (Paused) — traffic cutoff" });
  });
  it("rows in an unknown shape, broken JSON, or compose failing are unknown", () => {
    expect(check(output({ containers: { text: '{"Name":"k2s","State":"sleeping"}', pipe: [0] } }), "containers").status).toBe("unknown");
    expect(check(output({ containers: { text: '{"Name":"k2s",', pipe: [0] } }), "containers").status).toBe("unknown");
    expect(check(output({ containers: { text: "no configuration file provided: not found", pipe: [1] } }), "containers").status).toBe("unknown");
  });
});

describe("#10 fault 5: an unrecognised or half-read answer is unknown", () => {
  it.each([
    ["timezone", { timezone: { text: "garbage", pipe: [0, 0] } }],
    ["registration", { registration: { text: slog("2026-11-22T10:00:02.836Z", "Registration completed", "component=node"), pipe: [0, 0, 0] } }],
    ["tunnel_domain", { tunnel_domain: { text: slog("2026-11-22T10:00:02.836Z", "Tunnel registered", "component=node"), pipe: [0, 0, 0] } }],
    ["meter_initialized", { meter: { text: slog("2026-11-22T10:00:03.001Z", "Traffic monitor initialized", "component=traffic"), pipe: [0, 0, 0] } }],
    ["reporter", { reporter: { text: `time=2026-11-24T09:59:00.000Z level=INFO msg="DIAG: usage-reporter-cycle-ok" component=usage epoch=1 cumulative=x`, pipe: [0, 0, 0] } }],
    ["k2s_ready", { k2s_ready: { text: `msg="k2s server ready" listen=:443`, pipe: [0, 0] } }],
    ["container_net", { container_net: { text: "<html>captive portal</html>", pipe: [0] } }],
    ["container_net", { container_net: { text: "Error response from daemon: Container 0123 is restarting, wait until the container is running", pipe: [1], rc: 1 } }],
    ["port_mapping", { port_mapping: { text: "443/tcp => somewhere", pipe: [0] } }],
    ["port_mapping", { port_mapping: { text: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock", pipe: [1], rc: 1 } }],
    ["containers", { containers: { text: NDJSON, cut: true } }],
  ] as [string, Record<string, Sec>][])("%s: %j → unknown", (key, over) => {
    const p = parse(output(over));
    expect(p.checks.find((c) => c.key === key)?.status).toBe("unknown");
    expect(p.failingChecks).not.toContain(key);
  });
  it("a recognised answer still fails: a wrong time zone, busybox's wget timeout, a missing sidecar", () => {
    expect(check(output({ timezone: { text: "                Time zone: Etc/UTC (UTC, +0000)", pipe: [0, 0] } }), "timezone").status).toBe("fail");
    expect(check(output({ container_net: { text: "wget: download timed out", pipe: [1], rc: 1 } }), "container_net").status).toBe("fail");
    const gone = parse(output({ registration: null, tunnel_domain: null, meter: null, reporter: null }, { sidecar: "1 Error: No such object: k2-sidecar" }));
    expect(gone.checks.filter((c) => ["registration", "tunnel_domain", "meter_initialized", "reporter"].includes(c.key)).map((c) => c.status)).toEqual(["fail", "fail", "fail", "fail"]);
  });
  it("no output at all is unknown, not fail", () => {
    const p = parseVerificationOutput("", { token: T, ipv4: IP, centerNode: null });
    expect(p).toMatchObject({ status: "unknown", failingChecks: [] });
    expect(p.checks.every((c) => c.status === "unknown")).toBe(true);
  });
});

describe("facts", () => {
  it("the tunnel's image tag comes from its inspect in the preamble, the sidecar's health from compose's rows", () => {
    expect(parse(output()).facts).toMatchObject({ versionTag: "v0.4.8-9d7c6f95", sidecarHealth: "healthy" });
    const starting = [ps({ Name: "k2-sidecar", Service: "k2-sidecar", State: "running", Health: "starting", Status: "Up 3 seconds (health: starting)" }), ps({ Name: "k2s", Service: "k2s", State: "running", Status: "Up 2 days" })].join("\n");
    expect(parse(output({ containers: { text: starting, pipe: [0] } })).facts.sidecarHealth).toBe("starting");
  });
  it("an unreadable inspect or compose gives no fact, never a guessed one; a sidecar that does not exist is missing", () => {
    expect(parse(output({}, { tunnel: "1 Cannot connect to the Docker daemon" })).facts.versionTag).toBeNull();
    expect(parse(output({}, { tunnel: "0 2026-11-22T10:00:05.5Z 0 <no value>" })).facts.versionTag).toBeNull();
    expect(parse(output({ containers: { text: "no configuration file provided: not found", pipe: [1], rc: 1 } })).facts.sidecarHealth).toBeNull();
    const gone = [ps({ Name: "k2s", Service: "k2s", State: "running", Status: "Up 2 days" })].join("\n");
    expect(parse(output({ containers: { text: gone, pipe: [0] } }, { sidecar: "1 Error: No such object: k2-sidecar" })).facts.sidecarHealth).toBe("missing");
  });
});

describe("architecture facts (issue #10 item 14)", () => {
  it("a legacy k2-slave node is not labelled like an un-migrated k2s node, even from the old directory", () => {
    const oldDir = (raw: string) => raw.replace("dir=/apps/k2s", "dir=/apps/kaitu-slave");
    expect(parse(oldDir(output({ names: { text: "k2-slave\nk2-sidecar", pipe: [0] } }))).facts.arch).toBe("k2-slave");
    expect(parse(oldDir(output())).facts.arch).toBe("kaitu-slave");
    expect(parse(output()).facts.arch).toBe("k2s");
  });
});
