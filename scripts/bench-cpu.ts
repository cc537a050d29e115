// CPU accounting for the benchmarks: the whole machine's busy time (/proc/stat), this process's,
// and that of the descendants it waited for (/proc/self/stat cutime + cstime). Both files count
// in clock ticks (USER_HZ).
import { spawnSync } from "node:child_process";
import fs from "node:fs";

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** The fields of /proc/<pid>/stat from field 3 (state) on: field k is [k - 3]. */
function statFields(pid: number | "self"): string[] {
  const st = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return st.slice(st.lastIndexOf(")") + 2).split(" ");
}

/** CPU of this process's waited-for descendants so far, in ms (fields 16 and 17 of /proc/self/stat). */
export function childCpuMs(): number {
  const f = statFields("self");
  return ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
}

/** CPU a process has used so far, user and system, in ms (fields 14 and 15 of /proc/<pid>/stat). */
export function processCpuMs(pid: number): number {
  const f = statFields(pid);
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/** The whole machine's busy time so far, in ms over all cores (user nice system irq softirq steal). */
export function machineBusyMs(): number {
  const f = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  return ((f.slice(0, 8).reduce((a, b) => a + b, 0) - f[3] - f[4]) * 1000) / CLK_TCK; // less idle, iowait
}

export type CpuMark = { machine: number; self: number; children: number };
/** CPU used so far, in ms: the whole machine's, this process's, and its reaped children's. */
export function cpuMark(): CpuMark {
  const u = process.cpuUsage();
  return { machine: machineBusyMs(), self: (u.user + u.system) / 1000, children: childCpuMs() };
}

/**
 * Since `m`, in ms: the tool's own CPU (this process and its reaped children) and the rest of the
 * machine's (in bench:verify the nodes: simulated, their sshd sessions, checklists and shims;
 * modelled, the endpoints' process; with the kernel's own work, loopback network and memory, and
 * anything a tool left behind: Ansible's ControlPersist ssh masters are not its children).
 */
export function cpuSince(m: CpuMark): { tool: number; nodes: number } {
  const n = cpuMark();
  const tool = n.self - m.self + (n.children - m.children);
  return { tool: Math.round(tool), nodes: Math.max(0, Math.round(n.machine - m.machine - tool)) };
}
