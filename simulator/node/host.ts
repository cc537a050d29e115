// The host side of the node simulator: one-time host preparation, the console's client key, the
// process's live sshds (killed at exit), stale sshds and namespaces, and small process helpers.
import { execFileSync, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { SIM_MOUNT, SWAPFILE } from "./node-env";

export function lexists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}


export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { input, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"], encoding: "utf8" });
}

// sshds of this process, killed if the process exits without stop() (a killed test run must not leak nodes)
export const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const p of live) {
    try {
      process.kill(-p.pid!, "SIGKILL");
    } catch {
      p.kill("SIGKILL");
    }
  }
});

let hostReady = false;
/** One-time host preparation: the ubuntu user with passwordless sudo, mount points, sshd's run dir. */
export function prepareHost(): void {
  if (hostReady) return;
  if (process.getuid?.() !== 0) throw new Error("the node simulator needs root (namespaces, sshd)");
  // two test files may prepare the host at once: a useradd that lost the race finds the user there
  if (spawnSync("id", ["ubuntu"]).status !== 0 && spawnSync("useradd", ["-m", "-s", "/bin/bash", "ubuntu"]).status !== 0 && spawnSync("id", ["ubuntu"]).status !== 0) {
    sh("useradd", ["-m", "-s", "/bin/bash", "ubuntu"]);
  }
  // not locked (sshd without PAM refuses locked accounts), but no password login either
  sh("usermod", ["-p", "*", "ubuntu"]);
  // written beside and renamed into place: sudo in another file's nodes never reads a half-written rule
  const rule = `/etc/sudoers.d/.k2ops-sim.${process.pid}`;
  fs.writeFileSync(rule, "ubuntu ALL=(ALL) NOPASSWD: ALL\n", { mode: 0o440 });
  fs.renameSync(rule, "/etc/sudoers.d/k2ops-sim");
  for (const d of ["/apps", "/var/lib/docker", SIM_MOUNT, "/run/sshd", "/usr/local/sbin"]) fs.mkdirSync(d, { recursive: true });
  // the mount point of each node's own /swapfile (an empty file; a host's own swap file, if it has one, is left as it is)
  if (!lexists(SWAPFILE)) fs.closeSync(fs.openSync(SWAPFILE, "a", 0o600));
  // busybox (Debian's `busybox`): the containers' userland (`docker exec` runs busybox's sh, cat, wget … in the container's root)
  for (const b of ["jq", "flock", "unshare", "nsenter", "mknod", "/usr/sbin/sshd", "ssh-keygen", "/bin/busybox", "sudo"]) {
    if (spawnSync("sh", ["-c", `command -v ${b}`]).status !== 0) throw new Error(`the node simulator needs ${b} (scripts/ensure-system-deps.sh)`);
  }
  hostReady = true;
}

/** Generates the console's client key pair (ed25519) in `dir`; returns the private key path and public key. */
export function clientKey(dir: string): { privateKeyPath: string; publicKey: string } {
  fs.mkdirSync(dir, { recursive: true });
  const p = path.join(dir, "console_ed25519");
  if (!fs.existsSync(p)) sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "k2ops-console", "-f", p]);
  return { privateKeyPath: p, publicKey: fs.readFileSync(p + ".pub", "utf8").trim() };
}

export async function waitForPort(ip: string, port: number, ms: number, proc: ChildProcess): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error("sshd exited");
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: ip, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
      s.setTimeout(500, () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`sshd on ${ip}:${port} did not start`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Kills every process whose mount namespace is `ns` (sessions an sshd left behind, e.g. a hung command). */
export function killNamespace(ns: string | null): void {
  if (!ns) return;
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      if (fs.readlinkSync(`/proc/${pid}/ns/mnt`) === ns) process.kill(Number(pid), "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

/** sshds of an earlier run on the same state root (its pid files may be gone with a wiped dir) would answer in our place. */
export function killStaleSshds(stateRoot: string): void {
  const marker = `-f ${path.resolve(stateRoot)}/`;
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmd.includes("sshd") && cmd.includes(marker)) process.kill(Number(pid), "SIGKILL");
    } catch {
      /* gone */
    }
  }
}
