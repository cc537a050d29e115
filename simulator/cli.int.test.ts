import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { fleetNodeSecret } from "./center/seed";

// `npm run sim` as a newcomer uses it: start, reach a node, stop — and nothing
// of the fleet (sshd, namespace, mount) survives, whether it is stopped with
// Ctrl-C or killed outright. Addresses 127.0.61.x / 127.0.60.x are this file's.

const procs: ChildProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null) p.kill("SIGKILL");
});

function startSim(prefix: string, state: string): Promise<{ p: ChildProcess; out: () => string }> {
  fs.rmSync(state, { recursive: true, force: true });
  const p = spawn("npx", ["tsx", "simulator/cli.ts", "--nodes", "3", "--ip-prefix", prefix, "--state", state], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  procs.push(p);
  let out = "";
  p.stdout!.on("data", (d) => (out += d));
  p.stderr!.on("data", (d) => (out += d));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`sim did not start: ${out}`)), 90_000);
    p.stdout!.on("data", () => {
      if (out.includes("Ctrl-C stops the fleet.")) {
        clearTimeout(t);
        resolve({ p, out: () => out });
      }
    });
    p.on("exit", () => reject(new Error(`sim exited: ${out}`)));
  });
}

const listening = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host, port }, () => (s.destroy(), resolve(true)));
    s.on("error", () => resolve(false));
  });

/** processes that mention the state dir (sshd listeners, their watchers, sessions) */
function leftovers(state: string): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmd.includes(state)) out.push(`${pid} ${cmd.slice(0, 120)}`);
    } catch {
      /* gone */
    }
  }
  return out;
}
const hostMounts = (state: string) => fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(state));
const exited = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once("exit", (c) => r(c))));

describe("npm run sim", () => {
  it("prints how to reach the fleet; Ctrl-C leaves no process and no mount behind", async () => {
    const state = "/tmp/k2ops-test-sim-cli-a";
    const { p, out } = await startSim("127.0.61", state);
    expect(out()).toMatch(/export KAITU_CENTER_URL="http:\/\/127\.0\.0\.1:\d+"/);
    expect(out()).toContain("export K2OPS_SSH_KEY_PATH=");
    expect(out()).toContain("ssh -i ");
    // simulated API keys are printed for `export`; the nodes' secrets never are
    for (const n of [11, 12, 13]) expect(out()).not.toContain(fleetNodeSecret(`127.0.61.${n}`));
    for (const n of [11, 12, 13]) expect(await listening(`127.0.61.${n}`, 1022)).toBe(true);
    expect(leftovers(state).length).toBeGreaterThan(0);

    process.kill(-p.pid!, "SIGINT"); // Ctrl-C signals the terminal's whole foreground group
    await exited(p);
    await expect.poll(out, { timeout: 30_000, interval: 250 }).toContain("simulated fleet stopped");
    await expect.poll(() => leftovers(state), { timeout: 5_000, interval: 250 }).toEqual([]);
    expect(hostMounts(state)).toEqual([]);
    for (const n of [11, 12, 13]) expect(await listening(`127.0.61.${n}`, 1022)).toBe(false);
  }, 150_000);

  it("killed outright (SIGKILL, no handler runs), its nodes still go away within seconds", async () => {
    const state = "/tmp/k2ops-test-sim-cli-b";
    const { p } = await startSim("127.0.60", state);
    expect(await listening("127.0.60.11", 1022)).toBe(true);
    // npx → tsx → node: kill the whole tree at once, as a crashed terminal would
    for (const pid of fs.readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
      try {
        if (fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("simulator/cli.ts")) process.kill(Number(pid), "SIGKILL");
      } catch {
        /* gone */
      }
    }
    await exited(p);
    await expect.poll(() => leftovers(state), { timeout: 10_000, interval: 250 }).toEqual([]);
    expect(await listening("127.0.60.11", 1022)).toBe(false);
  }, 150_000);
});
