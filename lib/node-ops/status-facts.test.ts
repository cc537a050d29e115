import { describe, expect, it } from "vitest";
import { speak } from "@/lib/i18n/server-text";
import { parseHumanBytes, statusFacts } from "./status-facts";

// Outputs in Ubuntu 22.04's formats (the simulator's shims print the same).
const RESOURCES = `Filesystem      Size  Used Avail Use% Mounted on
/dev/root        20G  5.1G   15G  26% /
               total        used        free      shared  buff/cache   available
Mem:           1.9Gi       612Mi       301Mi       1.0Mi       1.0Gi       1.2Gi
Swap:             0B          0B          0B
top - 10:21:07 up 2 days,  3:07,  0 users,  load average: 0.12, 0.09, 0.06
Tasks: 118 total,   1 running, 117 sleeping,   0 stopped,   0 zombie
%Cpu(s):  2.1 us,  1.3 sy,  0.0 ni, 95.8 id,  0.0 wa,  0.0 hi,  0.3 si,  0.1 st
MiB Mem :   1910.8 total,    301.2 free,    612.3 used,   1001.4 buff/cache`;
const SS = `Total: 512
TCP:   143 (estab 97, closed 12, orphaned 0, timewait 9)

Transport Total     IP        IPv6`;
const PORTS = ["443/tcp -> 0.0.0.0:443", "443/udp -> 0.0.0.0:443", ...Array.from({ length: 20 }, (_, i) => `443/udp -> 0.0.0.0:${40000 + i}`)].join("\n");
const IP = "203.0.113.7";
const healthy = {
  resources: RESOURCES,
  connections: SS,
  ipv6: "2: ens5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001\n    inet6 2406:da14:1:2::5/128 scope global dynamic noprefixroute \n",
  bbr: "net.ipv4.tcp_congestion_control = bbr",
  port_mapping: PORTS,
  container_net: IP,
  auto_update: "2026-11-30 04:00:01 k2s auto-update: up to date (v0.4.8-9d7c6f95)",
};
// as the page gets them (in English here); the zh-CN case is at the end
const byKey = (s: Record<string, string>) => Object.fromEntries(speak(statusFacts(s, IP), "en").map((f) => [f.key, f]));

describe("status facts (issue #10 item 15)", () => {
  it("parses a healthy node into values with ok states", () => {
    const f = byKey(healthy);
    expect(f.disk).toMatchObject({ value: "26% used, 15G free of 20G", state: "ok" });
    expect(f.memory).toMatchObject({ value: "1.2Gi available of 1.9Gi (63%)", state: "ok" });
    expect(f.cpu).toMatchObject({ value: "4.2% busy, load 0.12 / 0.09 / 0.06", state: "ok" });
    expect(f.connections).toMatchObject({ value: "97 established TCP (143 TCP sockets)", state: "ok" });
    expect(f.ipv6).toMatchObject({ value: "2406:da14:1:2::5", state: "ok" });
    expect(f.bbr).toMatchObject({ value: "bbr", state: "ok" });
    expect(f.hop_ports).toMatchObject({ value: "443/tcp published, 20 of 20 hop ports (40000-40019/udp)", state: "ok" });
    expect(f.container_net.state).toBe("ok");
    expect(f.auto_update.state).toBe("ok");
    // no internal section marker leaks into what is shown
    expect(JSON.stringify(statusFacts(healthy, IP))).not.toMatch(/K2OPS|=====/);
  });

  it("warns on what an operator must act on", () => {
    const f = byKey({
      ...healthy,
      resources: RESOURCES.replace("26% /", "91% /").replace("1.2Gi\n", "120Mi\n").replace("95.8 id", " 4.0 id"),
      ipv6: "",
      bbr: "net.ipv4.tcp_congestion_control = cubic",
      port_mapping: PORTS.split("\n").slice(0, 12).join("\n"),
      container_net: "",
      auto_update: "2026-11-30 04:00:01 docker compose pull failed: toomanyrequests",
    });
    expect(Object.values(f).filter((x) => x.state === "warn").map((x) => x.key)).toEqual(["disk", "memory", "cpu", "ipv6", "bbr", "hop_ports", "container_net", "auto_update"]);
    expect(f.hop_ports.value).toBe("443/tcp published, 10 of 20 hop ports (40000-40019/udp)");
  });

  it("output it cannot read is unknown, never ok and never warn", () => {
    const f = byKey({ ...healthy, resources: "bash: df: command not found", connections: "", bbr: "sysctl: permission denied", port_mapping: "" });
    for (const k of ["disk", "memory", "cpu", "connections", "bbr", "hop_ports"]) expect(f[k].state, k).toBe("unknown");
  });

  it("says each label and value in the reader's language; the node's own words stay verbatim (issue #16)", () => {
    const zh = Object.fromEntries(speak(statusFacts(healthy, IP), "zh-CN").map((f) => [f.key, f]));
    expect(zh.disk).toMatchObject({ label: "磁盘（/）", value: "已用 26%，20G 中剩余 15G" });
    expect(zh.hop_ports.value).toBe("443/tcp 已发布，跳跃端口 20/20 个（40000-40019/udp）");
    expect(zh.ipv6).toMatchObject({ label: "IPv6", value: "2406:da14:1:2::5" });
    expect(zh.bbr.value).toBe("bbr");
  });

  it("reads human sizes as free/df print them", () => {
    expect(parseHumanBytes("1.9Gi")).toBeCloseTo(1.9 * 1024 ** 3);
    expect(parseHumanBytes("512Mi")).toBe(512 * 1024 ** 2);
    expect(parseHumanBytes("20G")).toBe(20 * 1024 ** 3);
    expect(parseHumanBytes("0B")).toBe(0);
    expect(parseHumanBytes("lots")).toBeNull();
  });
});
