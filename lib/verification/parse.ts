import { redactText } from "@/lib/redact";
import type { StoredCheck } from "./store";
import type { SectionKey } from "./script";

// Splits the checklist script's output into its sections and evaluates the
// runbook §6 checks (plus the metering checks when a billing date is set).

export type Section = { text: string; rc: number | null };
export type CenterView = { tunnels: { domain: string }[] } | null;

export type ParsedVerification = {
  status: "pass" | "fail";
  failingChecks: string[];
  checks: StoredCheck[];
  facts: { arch: string | null; versionTag: string | null; sidecarHealth: string | null; hygiene: { bbr: string | null; ipv6: boolean | null; iptables: string | null } };
};

const EVIDENCE_CAP = 4000;

/** Only lines fenced with this run's token count; anything else (even a fake fence) is section content. */
export function splitSections(raw: string, token: string): Map<string, Section> {
  const out = new Map<string, Section>();
  const begin = new RegExp(`^===K2OPS ${token} BEGIN ([a-z0-9_]+)===$`);
  const end = new RegExp(`^===K2OPS ${token} END ([a-z0-9_]+) rc=(\\d+)===$`);
  let current: string | null = null;
  let buf: string[] = [];
  for (const line of raw.split("\n")) {
    const b = begin.exec(line);
    if (b && current === null) {
      current = b[1];
      buf = [];
      continue;
    }
    const e = end.exec(line);
    if (e && current === e[1]) {
      out.set(current, { text: buf.join("\n"), rc: Number(e[2]) });
      current = null;
      continue;
    }
    if (current !== null) buf.push(line);
  }
  // a section cut short (output cap, connection drop) is kept, marked incomplete
  if (current !== null) out.set(current, { text: buf.join("\n"), rc: null });
  return out;
}

function slogAttr(line: string, key: string): string | null {
  const m = new RegExp(`(?:^|\\s)${key}=("(?:[^"\\\\]|\\\\.)*"|\\S+)`).exec(line);
  if (!m) return null;
  return m[1].startsWith('"') ? m[1].slice(1, -1).replace(/\\"/g, '"') : m[1];
}

/** compose ps table → rows (columns are separated by 3+ spaces; a trailing empty PORTS cell is allowed). */
export function parseComposePs(text: string): { name: string; status: string }[] {
  const lines = text.split("\n").filter((l) => l.trim());
  const headerIdx = lines.findIndex((l) => /^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS/.test(l));
  if (headerIdx < 0) return [];
  const header = lines[headerIdx];
  const statusAt = header.indexOf("STATUS");
  const portsAt = header.indexOf("PORTS");
  return lines.slice(headerIdx + 1).map((l) => ({
    name: l.split(/\s{3,}/)[0].trim(),
    status: l.slice(statusAt, portsAt > 0 ? portsAt : undefined).trim(),
  }));
}

/** The cause of a sidecar restart loop, from its error lines (node-behavior §3.4). */
export function restartLoopCause(logs: string): string | null {
  if (/secret is required/.test(logs)) return "missing K2_NODE_SECRET";
  if (/all ipv4 services failed/.test(logs)) return "container network broken (iptables nf_tables, DNS or firewall)";
  if (/invalid secretToken/.test(logs)) return "Center rejected the node secret (TOFU mismatch)";
  if (/Center request failed|failed to register node/.test(logs)) return "Center unreachable or failing";
  return null;
}

function cap(s: string): string {
  const r = redactText(s);
  return r.length > EVIDENCE_CAP ? r.slice(0, EVIDENCE_CAP) + "\n… (truncated)" : r;
}

/**
 * The usage reporter's health from its DIAG lines. Only the current run counts
 * (lines after the last `usage-reporter-start`, when it is still in view) and
 * only the current billing cycle (a new epoch restarts the count). A sidecar
 * recreated moments ago (pull + up -d) has reported once: that is healthy, the
 * climb shows from the next report (next_report_interval, 60 s in production).
 */
export function evaluateReporter(text: string): { status: "pass" | "fail"; observed: string } {
  let lines = text.split("\n").filter((l) => l.includes("usage-reporter-"));
  const start = lines.findLastIndex((l) => l.includes("usage-reporter-start"));
  if (start >= 0) lines = lines.slice(start + 1);
  const last = lines.at(-1);
  if (last && /usage-reporter-(cycle|meter)-fail/.test(last)) {
    return { status: "fail", observed: `latest report failed: ${slogAttr(last, "err") ?? last.slice(0, 200)}` };
  }
  const oks = lines.filter((l) => l.includes("usage-reporter-cycle-ok")).map((l) => ({ epoch: slogAttr(l, "epoch"), cum: Number(slogAttr(l, "cumulative")) }));
  if (!oks.length) return { status: "fail", observed: start >= 0 ? "reporter started but no cycle-ok yet" : "no usage-reporter-cycle-ok line" };
  const epoch = oks.at(-1)!.epoch;
  const cum = oks.filter((o) => o.epoch === epoch).map((o) => o.cum);
  if (cum.some((v) => !Number.isFinite(v))) return { status: "fail", observed: "cycle-ok line without a numeric cumulative" };
  if (cum.length === 1) return { status: "pass", observed: `1 report accepted since the sidecar started (epoch ${epoch}, cumulative ${cum[0]}); the climb shows from the next report` };
  const climbing = cum.every((v, i) => i === 0 || v >= cum[i - 1]);
  return climbing
    ? { status: "pass", observed: `${cum.length} cycles in epoch ${epoch}, cumulative ${cum[0]} → ${cum[cum.length - 1]}` }
    : { status: "fail", observed: `cumulative went down within epoch ${epoch}: ${cum.join(" → ")}` };
}

export function parseVerificationOutput(raw: string, ctx: { token: string; ipv4: string; centerNode: CenterView }): ParsedVerification {
  const s = splitSections(raw, ctx.token);
  const meta = s.get("meta")?.text ?? "";
  const tunnel = /tunnel=(\S+)/.exec(meta)?.[1] ?? "k2s";
  const dir = /dir=(\S+)/.exec(meta)?.[1] ?? "/apps/k2s";
  const domain = `${ctx.ipv4.replace(/\./g, "-")}.sslip.io`;
  const checks: StoredCheck[] = [];

  const add = (
    key: string,
    name: string,
    proves: string,
    command: string,
    expected: string,
    section: SectionKey | null,
    evaluate: (text: string) => { status: StoredCheck["status"]; observed: string },
  ) => {
    const sec = section ? s.get(section) : { text: "", rc: 0 };
    if (section && !sec) {
      checks.push({ key, name, proves, command, expected, observed: "no output for this check (the script did not reach it)", status: "unknown", evidence: "" });
      return;
    }
    if (sec && sec.rc === 124) {
      checks.push({ key, name, proves, command, expected, observed: "timed out on the node", status: "unknown", evidence: cap(sec.text) });
      return;
    }
    const r = evaluate(sec?.text ?? "");
    checks.push({ key, name, proves, command, expected, observed: cap(r.observed), status: r.status, evidence: cap(sec?.text ?? "") });
  };

  add("timezone", "Timezone", "Host clock zone is Asia/Singapore, so the 04:00 auto-update cron fires when planned", "timedatectl | grep 'Time zone'", "Asia/Singapore (+08, +0800)", "timezone", (t) => {
    const zone = /Time zone:\s*(.+)$/m.exec(t)?.[1]?.trim() ?? t.trim();
    return { status: /^Asia\/Singapore\b/.test(zone) ? "pass" : "fail", observed: zone || "(empty)" };
  });

  const logs = s.get("sidecar_logs")?.text ?? "";
  const loop = restartLoopCause(logs);
  add("containers", "Containers up", "Both containers run, the sidecar is healthy, k2s is not paused, no retired k2-oc orphan", `cd ${dir} && docker compose ps`, `k2-sidecar Up (healthy), ${tunnel} Up, no k2-oc`, "containers", (t) => {
    const rows = parseComposePs(t);
    if (!rows.length) return { status: "fail", observed: t.trim().split("\n")[0] || "no containers listed" };
    const side = rows.find((r) => r.name === "k2-sidecar");
    const tun = rows.find((r) => r.name === tunnel);
    const problems: string[] = [];
    if (!side) problems.push("k2-sidecar missing");
    else if (!/^Up\b/.test(side.status) || !/\(healthy\)/.test(side.status)) problems.push(`k2-sidecar ${side.status}`);
    if (!tun) problems.push(`${tunnel} not running`);
    else if (!/^Up\b/.test(tun.status) || /\(Paused\)/.test(tun.status)) problems.push(`${tunnel} ${tun.status}${/\(Paused\)/.test(tun.status) ? " — traffic cutoff" : ""}`);
    if (rows.some((r) => r.name === "k2-oc")) problems.push("k2-oc orphan present (push compose + up -d --remove-orphans)");
    if (loop) problems.push(`restart loop: ${loop}`);
    return problems.length ? { status: "fail", observed: problems.join("; ") } : { status: "pass", observed: rows.map((r) => `${r.name}: ${r.status}`).join("; ") };
  });

  add("registration", "Sidecar registered", "The sidecar completed registration with Center (one tunnel)", "docker logs k2-sidecar 2>&1 | grep 'Registration completed'", "Registration completed … tunnels=1", "sidecar_logs", (t) => {
    const line = t.split("\n").filter((l) => l.includes("Registration completed")).pop();
    if (!line) return { status: "fail", observed: loop ? `never registered: ${loop}` : "no 'Registration completed' line" };
    return slogAttr(line, "tunnels") === "1" ? { status: "pass", observed: `tunnels=1 nodeCreated=${slogAttr(line, "nodeCreated")}` } : { status: "fail", observed: `tunnels=${slogAttr(line, "tunnels")}` };
  });

  add("tunnel_domain", "Tunnel domain", "The tunnel uses the node's own {ipv4-dashes}.sslip.io domain", "docker logs k2-sidecar 2>&1 | grep 'Tunnel registered'", domain, "sidecar_logs", (t) => {
    const line = t.split("\n").filter((l) => l.includes("Tunnel registered")).pop();
    if (!line) return { status: "fail", observed: "no 'Tunnel registered' line" };
    const d = slogAttr(line, "domain");
    return { status: d === domain ? "pass" : "fail", observed: `${d} (created=${slogAttr(line, "created")})` };
  });

  add("k2s_ready", "k2s ready", "The tunnel server started and listens on :443 (k2s writes this to its log file, not to docker logs)", `grep 'server ready' ${dir}/logs/k2s.log`, "k2s server ready listen=:443", "k2s_ready", (t) => {
    const line = t.split("\n").filter((l) => l.includes("server ready")).pop();
    return line ? { status: "pass", observed: `${slogAttr(line, "msg") ?? "server ready"} listen=${slogAttr(line, "listen")}` } : { status: "fail", observed: "no 'server ready' line in k2s.log" };
  });

  add("container_net", "Container network", "Containers reach the internet and see the node's own public IP", "docker exec k2-sidecar wget -qO- --timeout=5 https://api.ipify.org", ctx.ipv4, "container_net", (t) => {
    const out = t.trim();
    return out === ctx.ipv4 ? { status: "pass", observed: out } : { status: "fail", observed: out || "(no output)" };
  });

  add("center", "Center cross-check", "Center lists this node with exactly one tunnel on its sslip.io domain", "GET /app/nodes (Center API)", `one tunnel: ${domain}`, null, () => {
    if (!ctx.centerNode) return { status: "unknown", observed: "Center could not be asked" };
    const domains = ctx.centerNode.tunnels.map((t) => t.domain);
    if (!domains.length) return { status: "fail", observed: "node not listed at Center (or without tunnels)" };
    return domains.length === 1 && domains[0] === domain ? { status: "pass", observed: domains[0] } : { status: "fail", observed: domains.join(", ") };
  });

  add("port_mapping", "Port mapping", "Docker publishes 443/tcp, 443/udp and the 20 hop ports 40000-40019/udp", `docker port ${tunnel}`, "22 IPv4 maps", "port_mapping", (t) => {
    if (tunnel === "k2-slave") return { status: "skip", observed: "legacy k2-slave uses the host network: no port maps" };
    const v4 = t.split("\n").filter((l) => /->\s*0\.0\.0\.0:\d+$/.test(l.trim()));
    const want = new Set(["443/tcp->443", "443/udp->443", ...Array.from({ length: 20 }, (_, i) => `443/udp->${40000 + i}`)]);
    for (const l of v4) {
      const m = /^(\d+\/\w+)\s*->\s*0\.0\.0\.0:(\d+)$/.exec(l.trim());
      if (m) want.delete(`${m[1]}->${m[2]}`);
    }
    return want.size === 0 ? { status: "pass", observed: `${v4.length} IPv4 maps` } : { status: "fail", observed: `${v4.length} IPv4 maps; missing ${[...want].slice(0, 4).join(", ")}${want.size > 4 ? "…" : ""}` };
  });

  const billing = s.get("billing")?.text ?? "";
  const billingDate = /^K2_NODE_BILLING_START_DATE=(.*)$/m.exec(billing)?.[1]?.trim() ?? "";
  const meteringOff = (): { status: StoredCheck["status"]; observed: string } => ({ status: "skip", observed: "metering off (no billing date)" });
  add("meter_initialized", "Meter initialized", "The traffic meter runs with the configured billing date and quota", "docker logs k2-sidecar 2>&1 | grep 'Traffic monitor initialized'", "billingDate=… limitGB=…", "sidecar_logs", (t) => {
    if (!billingDate) return meteringOff();
    const line = t.split("\n").filter((l) => l.includes("Traffic monitor initialized")).pop();
    return line ? { status: "pass", observed: `billingDate=${slogAttr(line, "billingDate")} limitGB=${slogAttr(line, "limitGB")}` } : { status: "fail", observed: "no 'Traffic monitor initialized' line" };
  });
  add("reporter", "Usage reporter", "Usage reports reach Center and the cumulative count climbs", "docker logs k2-sidecar 2>&1 | grep usage-reporter", "periodic usage-reporter-cycle-ok, cumulative non-decreasing", "sidecar_logs", (t) => {
    if (!billingDate) return meteringOff();
    return evaluateReporter(t);
  });

  const names = (s.get("names")?.text ?? "").split("\n").map((x) => x.trim()).filter(Boolean);
  const image = (s.get("version")?.text ?? "").trim();
  const health = (s.get("sidecar_health")?.text ?? "").trim();
  const bbr = /=\s*(\S+)/.exec(s.get("bbr")?.text ?? "")?.[1] ?? null;
  const ipv6Text = s.get("ipv6")?.text;
  const arch = dir === "/apps/kaitu-slave" ? "kaitu-slave" : names.includes("k2-slave") ? "k2-slave" : names.includes("k2v5") ? "k2v5-era" : names.includes("k2s") ? "k2s" : names.length ? "unknown" : null;

  const failing = checks.filter((c) => c.status === "fail").map((c) => c.key);
  const allUnknown = checks.every((c) => c.status === "unknown");
  return {
    status: failing.length || allUnknown ? "fail" : "pass",
    failingChecks: allUnknown ? ["no_output"] : failing,
    checks,
    facts: {
      arch,
      versionTag: /:([^:\s]+)$/.exec(image)?.[1] ?? null,
      sidecarHealth: /^(healthy|starting|unhealthy)$/.test(health) ? health : health ? "missing" : null,
      hygiene: { bbr, ipv6: ipv6Text === undefined ? null : /inet6 (?!fd00:)[0-9a-f:]+\/\d+ scope global/.test(ipv6Text), iptables: (s.get("iptables")?.text ?? "").trim() || null },
    },
  };
}
