// The §3 status read as an operator wants it: each fact parsed, with a state,
// and its raw output one click away. A section that cannot be read is
// "unknown" (never ok, never warn). Pure: input is the status script's sections.

import { msg, type Text } from "@/lib/text";

export type FactState = "ok" | "warn" | "unknown";
/** A fact: its label and value are sentences (said in the reader's language) or the node's own words. */
export type StatusFact = { key: string; label: Text; value: string | Text; state: FactState; raw: string };

// thresholds an operator acts on
const DISK_WARN_PCT = 85;
const MEM_WARN_AVAILABLE_PCT = 10;
const CPU_WARN_BUSY_PCT = 90;
const HOP_PORTS = 20; // 40000-40019/udp in the canonical compose file

const unknown = (key: string, label: Text, raw: string, why: Text = msg`could not be read`): StatusFact => ({ key, label, value: why, state: "unknown", raw });

/** Bytes from `free -h` / `df -h` sizes ("1.9Gi", "512Mi", "20G", "0B"). */
export function parseHumanBytes(s: string): number | null {
  const m = /^([\d.]+)\s*([KMGTP]?)(i?)B?$/i.exec(s.trim());
  if (!m) return null;
  const exp = " KMGTP".indexOf(m[2].toUpperCase() || " ");
  return Number(m[1]) * (m[3] || /^[KMGTP]$/i.test(m[2]) ? 1024 : 1000) ** Math.max(0, exp);
}

function disk(resources: string): StatusFact {
  const line = resources.split("\n").find((l) => /\s\/$/.test(l.trim()) || / \/$/.test(l));
  const m = line && /(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+)%\s+\/$/.exec(line.trim());
  if (!m) return unknown("disk", msg`Disk (/)`, resources);
  const pct = Number(m[5]);
  return { key: "disk", label: msg`Disk (/)`, value: msg`${pct}% used, ${m[4]} free of ${m[2]}`, state: pct >= DISK_WARN_PCT ? "warn" : "ok", raw: line! };
}

function memory(resources: string): StatusFact {
  const line = resources.split("\n").find((l) => /^Mem:\s/.test(l));
  const cols = line?.trim().split(/\s+/) ?? [];
  const total = parseHumanBytes(cols[1] ?? "");
  const available = parseHumanBytes(cols[6] ?? "");
  if (!line || total === null || available === null || total <= 0) return unknown("memory", msg`Memory`, resources);
  const pct = Math.round((available / total) * 100);
  return { key: "memory", label: msg`Memory`, value: msg`${cols[6]} available of ${cols[1]} (${pct}%)`, state: pct < MEM_WARN_AVAILABLE_PCT ? "warn" : "ok", raw: line };
}

function cpu(resources: string): StatusFact {
  const line = resources.split("\n").find((l) => /^%Cpu\(s\):/.test(l));
  const idle = line && /([\d.]+)\s+id\b/.exec(line);
  const load = /load average:\s*([\d.]+),\s*([\d.]+),\s*([\d.]+)/.exec(resources);
  if (!idle) return unknown("cpu", msg`CPU`, resources);
  const busy = Math.round((100 - Number(idle[1])) * 10) / 10;
  return { key: "cpu", label: msg`CPU`, value: load ? msg`${busy}% busy, load ${load[1]} / ${load[2]} / ${load[3]}` : msg`${busy}% busy`, state: busy >= CPU_WARN_BUSY_PCT ? "warn" : "ok", raw: [resources.split("\n").find((l) => l.startsWith("top -")) ?? "", line].filter(Boolean).join("\n") };
}

function connections(ss: string): StatusFact {
  const m = /^TCP:\s+(\d+)\s+\(estab (\d+)/m.exec(ss);
  if (!m) return unknown("connections", msg`Connections`, ss);
  return { key: "connections", label: msg`Connections`, value: msg`${m[2]} established TCP (${m[1]} TCP sockets)`, state: "ok", raw: ss.trim() };
}

function ipv6(out: string): StatusFact {
  const addrs = [...out.matchAll(/inet6\s+([0-9a-f:]+)\/\d+\s+scope global/gi)].map((m) => m[1]);
  if (addrs.length) return { key: "ipv6", label: msg`IPv6`, value: addrs.join(", "), state: "ok", raw: out.trim() };
  // no output at all is "no global address", the command answered
  return { key: "ipv6", label: msg`IPv6`, value: msg`no global IPv6 address`, state: "warn", raw: out.trim() };
}

function bbr(out: string): StatusFact {
  const m = /net\.ipv4\.tcp_congestion_control\s*=\s*(\S+)/.exec(out);
  if (!m) return unknown("bbr", msg`TCP congestion control`, out);
  return { key: "bbr", label: msg`TCP congestion control`, value: m[1], state: m[1] === "bbr" ? "ok" : "warn", raw: out.trim() };
}

function hopPorts(out: string): StatusFact {
  const ports = new Set([...out.matchAll(/^443\/udp -> [^\n]*:(\d+)$/gm)].map((m) => Number(m[1])).filter((p) => p >= 40000 && p <= 40019));
  const tcp443 = /^443\/tcp -> /m.test(out);
  if (!out.trim()) return unknown("hop_ports", msg`Published ports`, out, msg`no port mapping read (is the tunnel container running?)`);
  const value = tcp443 ? msg`443/tcp published, ${ports.size} of ${HOP_PORTS} hop ports (40000-40019/udp)` : msg`443/tcp NOT published, ${ports.size} of ${HOP_PORTS} hop ports (40000-40019/udp)`;
  return { key: "hop_ports", label: msg`Published ports`, value, state: tcp443 && ports.size === HOP_PORTS ? "ok" : "warn", raw: out.trim() };
}

function containerNet(out: string, ipv4: string): StatusFact {
  const got = out.trim();
  if (got === ipv4) return { key: "container_net", label: msg`Container network`, value: msg`reaches the internet as ${ipv4}`, state: "ok", raw: got };
  if (/^\d+\.\d+\.\d+\.\d+$/.test(got)) return { key: "container_net", label: msg`Container network`, value: msg`reaches the internet as ${got}, not ${ipv4}`, state: "warn", raw: got };
  return { key: "container_net", label: msg`Container network`, value: got ? msg`no internet from the sidecar container` : msg`no answer from the sidecar container`, state: "warn", raw: got };
}

function autoUpdate(out: string): StatusFact {
  const lines = out.split("\n").map((l) => l.trim()).filter(Boolean);
  if (!lines.length) return { key: "auto_update", label: msg`Auto-update`, value: msg`no auto-update log`, state: "warn", raw: "" };
  const last = lines[lines.length - 1];
  const bad = lines.slice(-5).some((l) => /error|fail/i.test(l));
  return { key: "auto_update", label: msg`Auto-update`, value: last.slice(0, 200), state: bad ? "warn" : "ok", raw: lines.join("\n") };
}

/** Every status fact, in the order an operator reads them. `sections` maps the status script's section keys to their (redacted) output. */
export function statusFacts(sections: Record<string, string>, ipv4: string): StatusFact[] {
  const s = (k: string) => sections[k] ?? "";
  return [
    disk(s("resources")),
    memory(s("resources")),
    cpu(s("resources")),
    connections(s("connections")),
    ipv6(s("ipv6")),
    bbr(s("bbr")),
    hopPorts(s("port_mapping")),
    containerNet(s("container_net"), ipv4),
    autoUpdate(s("auto_update")),
  ];
}
