import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { acceptsTcp } from "./net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostKeyChangedError, MemoryHostKeyStore } from "@/lib/ssh/host-keys";
import { SshEngine, SshUnreachableError, type SshTarget } from "@/lib/ssh/engine";
import { SimFleet, type NodeSpec } from "./fleet";

// Fidelity of a fresh simulated machine (scenario "unprovisioned") under k2ops' own
// provisioning script, deploy-assets/docker/scripts/provision-node.sh, run exactly as
// k2ops runs it: SSH as ubuntu to port 22, `sudo -n bash -s`, the script on stdin
// (SshEngine.runScript with sudo). Its documented effects (node-behavior.md §8) on the
// node's own state, SSH moved to 1022 with the same host key (one host-key store across
// both ports: the pin is per address), the idempotent re-run, the fault knobs
// (failProvision, rekeyOnPortMove), and the host's own files untouched.
// Addresses 127.0.65.x are this suite's own.

const P = "127.0.65.11"; // provisioned end to end, run again, restarted
const F = "127.0.65.12"; // Docker's install fails, then succeeds
const K = "127.0.65.13"; // comes back on 1022 with another host key
const R = "127.0.65.14"; // the other failure points, the SSH rollback last
const dir = "/tmp/k2ops-test-fidelity-provision";
const SCRIPT = fs.readFileSync(path.resolve(import.meta.dirname, "../../deploy-assets/docker/scripts/provision-node.sh"), "utf8");

let fleet: SimFleet;
let keys: MemoryHostKeyStore;
let ssh: SshEngine;
let host: Snapshot;

const spec = (ip: string, i: number): NodeSpec => ({ ip, name: `pn-${65_000 + i}`, country: "JP", region: "ap-tokyo", scenario: "unprovisioned", secret: "", centerUrl: "http://127.0.0.1:9", port: 22 });

// ---- the host's own files and kernel settings, before and after ------------------------
const HOST_PATHS = [
  "/etc/sysctl.conf",
  "/etc/sysctl.conf.bak_provision",
  "/etc/sysctl.d/99-k2s-swappiness.conf",
  "/etc/fstab",
  "/etc/os-release",
  "/etc/lsb-release",
  "/etc/group",
  "/etc/localtime",
  "/etc/ssh/sshd_config",
  "/etc/ssh/sshd_config.d",
  "/etc/ssh/sshd_config.d/99-k2s-port.conf",
  "/etc/docker",
  "/etc/docker/daemon.json",
  "/etc/apt/preferences.d",
  "/etc/apt/preferences.d/no-snapd",
  "/etc/apt/keyrings",
  "/etc/apt/keyrings/docker.gpg",
  "/etc/apt/sources.list.d",
  "/etc/apt/sources.list.d/docker.list",
  "/etc/systemd/journald.conf.d",
  "/etc/systemd/journald.conf.d/k2s.conf",
  "/etc/systemd/system/k2s-crash-monitor.service",
  "/usr/local/bin",
  "/usr/local/bin/docker-compose",
  "/usr/bin/docker-compose",
  "/swapfile",
  "/root/.gnupg",
];
const HOST_PROC = ["/proc/sys/vm/swappiness", "/proc/sys/net/ipv4/tcp_congestion_control", "/proc/sys/net/core/default_qdisc", "/proc/swaps"];
type Snapshot = Record<string, string>;
function snapshot(): Snapshot {
  const out: Snapshot = {};
  for (const p of HOST_PATHS) {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) out[p] = "absent";
    else if (st.isSymbolicLink()) out[p] = `link ${fs.readlinkSync(p)}`;
    else if (st.isDirectory()) out[p] = `dir ${st.mode.toString(8)} ${fs.readdirSync(p).sort().join(",")}`;
    else out[p] = `file ${st.mode.toString(8)} ${st.size} ${st.mtimeMs} ${crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex")}`;
  }
  for (const p of HOST_PROC) out[p] = fs.existsSync(p) ? fs.readFileSync(p, "utf8") : "absent";
  return out;
}

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  const key = SimFleet.clientKey(path.join(dir, "keys"));
  fleet = new SimFleet(path.join(dir, "nodes"), key.publicKey); // prepares the host (its /swapfile mount point included)
  host = snapshot();
  await fleet.addNodes([spec(P, 1), spec(F, 2), spec(K, 3), spec(R, 4)], 2);
  keys = new MemoryHostKeyStore();
  ssh = new SshEngine({ privateKey: fs.readFileSync(key.privateKeyPath, "utf8"), hostKeys: keys });
}, 60_000);
afterAll(async () => {
  await ssh?.closeAll();
  await fleet?.stop();
});

const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
/** One command over SSH as ubuntu (a one-line command in its own process group, as k2ops sends it). */
async function run(ip: string, port: number, command: string) {
  const r = await ssh.exec({ host: ip, port }, command as never, { timeoutMs: 20_000 });
  return { out: r.stdout, err: r.stderr, code: r.code };
}
/** provision-node.sh as k2ops runs it: `sudo -n bash -s`, the script on stdin. */
async function provision(ip: string, port: number) {
  const target: SshTarget = { host: ip, port };
  const r = await ssh.runScript(target, SCRIPT, { sudo: true, timeoutMs: 120_000 });
  ssh.forget(target);
  return { out: plain(r.stdout), err: r.stderr, code: r.code };
}
/** The key k2ops pinned for an address (one per address, whatever the port). */
const pinned = async (ip: string) => (await keys.list(ip)).map((k) => `${k.algorithm} ${k.publicKey}`);
const onDisk = (ip: string) => fleet.node(ip).hostPublicKey();

describe("a fresh machine (scenario unprovisioned) before provisioning", () => {
  it("is an Ubuntu 22.04 with SSH on 22 only, no Docker, a few snaps, no swap, UTC, cubic", async () => {
    expect((await run(P, 22, ". /etc/os-release && echo $ID $VERSION_ID $VERSION_CODENAME")).out).toBe("ubuntu 22.04 jammy\n");
    expect(await acceptsTcp(P, 1022)).toBe(false);
    expect(await pinned(P)).toEqual([onDisk(P)]);
    // Docker is absent: bash's own answer, and sudo's (secure_path's directories, seen through the node's mounts)
    expect(await run(P, 22, "docker ps")).toMatchObject({ out: "", err: "bash: line 1: docker: command not found\n", code: 127 });
    expect(await run(P, 22, "sudo docker ps")).toMatchObject({ err: "sudo: docker: command not found\n", code: 1 });
    expect(await run(P, 22, "command -v docker-compose || echo none")).toMatchObject({ out: "none\n" });
    const snaps = await run(P, 22, "snap list");
    expect(snaps.out.split("\n")[0]).toMatch(/^Name\s+Version\s+Rev\s+Tracking\s+Publisher\s+Notes$/);
    expect(snaps.out.split("\n").slice(1).filter(Boolean).map((l) => l.split(/\s+/)[0])).toEqual(["amazon-ssm-agent", "core18", "core20", "lxd", "snapd"]);
    expect(await run(P, 22, "swapon --show --noheadings")).toMatchObject({ out: "", code: 0 });
    const mem = Number(/^Mem:\s+(\d+)/m.exec((await run(P, 22, "free -m")).out)?.[1]);
    expect(mem).toBeGreaterThan(1024);
    expect(mem).toBeLessThanOrEqual(2048);
    expect((await run(P, 22, "timedatectl show -p Timezone --value")).out).toBe("Etc/UTC\n");
    expect((await run(P, 22, "sysctl -n net.ipv4.tcp_congestion_control vm.swappiness")).out).toBe("cubic\n60\n");
    const ss = (await run(P, 22, "ss -tln")).out;
    expect(ss).toMatch(/0\.0\.0\.0:22 /);
    expect(ss).not.toMatch(/:1022 /);
    expect((await run(P, 22, "systemctl is-active ssh.socket")).code).toBe(3);
    expect(await run(P, 22, "sudo fuser /var/lib/dpkg/lock-frontend")).toMatchObject({ out: "", code: 1 });
    expect((await run(P, 22, "dpkg --print-architecture")).out).toBe("amd64\n");
    expect(await run(P, 22, "sudo sshd -t")).toMatchObject({ out: "", err: "", code: 0 });
    expect(await run(P, 22, "sudo crontab -l")).toMatchObject({ err: "no crontab for root\n", code: 1 });
  });
});

describe("provision-node.sh on it, as k2ops runs it (sudo bash -s over SSH on 22)", () => {
  it("succeeds: every step, the verification block, SSH moved to 1022 with the same host key", async () => {
    const before = onDisk(P);
    const r = await provision(P, 22);
    expect(r.err).toBe("");
    expect(r.code, r.out).toBe(0);
    const lines = r.out.split("\n");
    expect(lines).toContain("Detected: Ubuntu 22.04 (jammy)");
    expect(r.out).not.toContain("already provisioned");
    for (let i = 1; i <= 16; i++) expect(lines.some((l) => l.startsWith(`[${i}/16] `))).toBe(true);
    for (const l of [
      ">>> Timezone set to Asia/Singapore (+08 +0800).",
      ">>> snapd removed and pinned out.",
      ">>> 1 GiB swap at /swapfile.",
      ">>> iptables: iptables v1.8.7 (nf_tables) (using OS default backend)",
      ">>> Docker apt source configured.",
      ">>> Docker version 28.2.2, build e6534b4",
      ">>> docker-compose -> docker compose",
      ">>> TCP congestion control: bbr",
      ">>> Docker daemon configured and restarted.",
      ">>> UFW not active.",
      ">>> SSH listens on 1022 only.",
      ">>> /apps/k2s/k2s-crash-monitor.sh not found: crash monitor not installed (deploy the stack, then run this again)",
      ">>> /apps/k2s/auto-update.sh not found: cron not installed (deploy the stack, then run this again)",
      "Timezone:    Asia/Singapore (+08,",
      "Ubuntu:      22.04 (jammy)",
      "Docker:      Docker version 28.2.2, build e6534b4",
      "Compose:     Docker Compose version v2.36.2",
      "iptables:    iptables v1.8.7 (nf_tables)",
      "Docker IPv6: true",
      "TCP CC:      bbr",
      "SSH port:    1022 OK",
      "Swap:        /swapfile 1024M",
      "Swappiness:  10",
      "Snapd:       removed",
      "Cron:        0 auto-update entry",
      "Journald:    persistent (500M/30d)",
      "CrashMon:    inactive",
      "Provisioning complete. 2 warning(s).",
    ])
      expect(lines, l).toContain(l);
    expect(lines.at(-2)).toBe("Provisioning complete. 2 warning(s).");
    // the script came on stdin: the command line is only sudo's bash
    expect(fleet.commands(P).at(-1)?.command).toBe("sudo -n bash -s");
    // SSH: 1022 only, the SAME host key, accepted by the pin taken on 22
    expect(await acceptsTcp(P, 22)).toBe(false);
    expect(await acceptsTcp(P, 1022)).toBe(true);
    expect(onDisk(P)).toBe(before);
    expect(await run(P, 1022, "echo ok")).toMatchObject({ out: "ok\n", code: 0 });
    expect(await pinned(P)).toEqual([before]);
    expect(keys.mismatches).toEqual([]);
    await expect(run(P, 22, "echo ok")).rejects.toBeInstanceOf(SshUnreachableError);
    expect(fleet.node(P).sshPorts()).toEqual([1022]);
    expect(fleet.node(P).port).toBe(1022);
  }, 150_000);

  it("leaves the documented state (§8) on the node, seen over SSH on 1022", async () => {
    const x = (c: string) => run(P, 1022, c);
    expect((await x("timedatectl | grep 'Time zone'")).out).toBe("                Time zone: Asia/Singapore (+08, +0800)\n");
    expect((await x("sysctl net.ipv4.tcp_congestion_control net.core.default_qdisc vm.swappiness")).out).toBe("net.ipv4.tcp_congestion_control = bbr\nnet.core.default_qdisc = fq\nvm.swappiness = 10\n");
    expect((await x("docker --version && docker compose version && docker-compose version")).out).toBe("Docker version 28.2.2, build e6534b4\nDocker Compose version v2.36.2\nDocker Compose version v2.36.2\n");
    expect((await x("readlink /usr/bin/docker-compose && cat /usr/local/bin/docker-compose")).out).toBe('/usr/local/bin/docker-compose\n#!/bin/sh\nexec docker compose "$@"\n');
    expect((await x("docker ps --format '{{.Names}}'")).code).toBe(0);
    expect((await x("systemctl is-active docker")).out).toBe("active\n");
    expect((await x("dpkg -s docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin | grep -c 'install ok installed'")).out).toBe("5\n");
    expect((await x("dpkg -s unattended-upgrades snapd")).code).toBe(1);
    expect(await x("command -v snap || echo removed")).toMatchObject({ out: "removed\n" });
    expect((await x("cat /etc/apt/preferences.d/no-snapd")).out).toBe("Package: snapd\nPin: release a=*\nPin-Priority: -10\n");
    expect((await x("sudo apt-get install -y snapd")).err).toContain("E: Package 'snapd' has no installation candidate");
    expect((await x("cat /etc/apt/sources.list.d/docker.list")).out).toBe("deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/ubuntu jammy stable\n");
    expect((await x("od -An -tx1 -N1 /etc/apt/keyrings/docker.gpg && stat -c %a /etc/apt/keyrings/docker.gpg")).out).toBe(" 99\n644\n");
    // swap: the node's own 1 GiB /swapfile, in its fstab, swappiness 10 for good
    expect((await x("swapon --show")).out).toBe("NAME      TYPE  SIZE USED PRIO\n/swapfile file 1024M   0B   -2\n");
    expect((await x("free -m")).out).toMatch(/^Swap:\s+1023\s+0\s+1023$/m);
    expect((await x("stat -c '%a %s' /swapfile")).out).toBe("600 1073741824\n");
    expect((await x("grep swap /etc/fstab")).out).toBe("/swapfile none swap sw 0 0\n");
    expect((await x("cat /etc/sysctl.d/99-k2s-swappiness.conf")).out).toBe("vm.swappiness=10\n");
    // kernel params: IPv6 and BBR in sysctl.conf (the original kept), Docker's daemon.json
    const conf = fleet.node(P).readFile("/etc/sysctl.conf");
    for (const l of ["net.ipv6.conf.all.disable_ipv6 = 0", "net.ipv6.conf.default.disable_ipv6 = 0", "net.ipv6.conf.lo.disable_ipv6 = 0", "net.core.default_qdisc = fq", "net.ipv4.tcp_congestion_control = bbr"]) expect(conf.split("\n")).toContain(l);
    expect(fleet.node(P).readFile("/etc/sysctl.conf.bak_provision")).not.toContain("bbr");
    expect(JSON.parse((await x("cat /etc/docker/daemon.json")).out)).toEqual({ "log-driver": "json-file", "log-opts": { "max-size": "100m", "max-file": "3" }, ipv6: true, ip6tables: true, "fixed-cidr-v6": "fd00:1::/80" });
    // SSH: the drop-in, sshd's own check of it, the listener
    expect((await x("cat /etc/ssh/sshd_config.d/99-k2s-port.conf")).out).toBe("Port 1022\n");
    expect(await x("sudo sshd -t")).toMatchObject({ err: "", code: 0 });
    const ss = (await x("ss -tln")).out;
    expect(ss).toMatch(/^LISTEN .* 0\.0\.0\.0:1022 /m);
    expect(ss).not.toMatch(/:22 /);
    // journald, the ubuntu user in the docker group, no cron, no crash monitor yet
    expect((await x("cat /etc/systemd/journald.conf.d/k2s.conf")).out).toBe("[Journal]\nStorage=persistent\nSystemMaxUse=500M\nMaxRetentionSec=30day\n");
    expect(fleet.node(P).env().GROUP_docker).toBe("ubuntu");
    expect((await x("sudo crontab -l")).code).toBe(1);
    expect(await x("systemctl is-active k2s-crash-monitor")).toMatchObject({ out: "inactive\n", code: 3 });
  });

  it("a second run (now on 1022) knows the node is provisioned and succeeds; the cron and the crash monitor come once the stack's files are there", async () => {
    // the stack's scripts, as a deploy would put them (the script installs what it finds)
    expect((await run(P, 1022, "sudo mkdir -p /apps/k2s && printf '#!/bin/sh\\nexit 0\\n' | sudo tee /apps/k2s/auto-update.sh /apps/k2s/k2s-crash-monitor.sh >/dev/null && sudo chmod +x /apps/k2s/auto-update.sh /apps/k2s/k2s-crash-monitor.sh")).code).toBe(0);
    const r = await provision(P, 1022);
    expect(r.code, r.out).toBe(0);
    const lines = r.out.split("\n");
    for (const l of [
      "Node appears already provisioned (Docker + BBR + SSH 1022).",
      "Re-running to ensure all settings are current...",
      ">>> Swap already present.",
      ">>> SSH already on 1022 only.",
      ">>> Crash monitor active.",
      ">>> auto-update cron installed.",
      "SSH port:    1022 OK",
      "Swap:        /swapfile 1024M",
      "Cron:        1 auto-update entry",
      "CrashMon:    active",
      "Provisioning complete. 0 warning(s).",
    ])
      expect(lines, l).toContain(l);
    expect((await run(P, 1022, "sudo crontab -l")).out).toBe("0 4 * * * /apps/k2s/auto-update.sh >> /apps/k2s/auto-update.log 2>&1\n");
    expect((await run(P, 1022, "systemctl is-active k2s-crash-monitor")).out).toBe("active\n");
    expect((await run(P, 1022, "grep -c '^/swapfile ' /etc/fstab")).out).toBe("1\n");
    expect(fleet.node(P).readFile("/etc/sysctl.conf").match(/tcp_congestion_control/g)).toHaveLength(1);
    expect(await pinned(P)).toEqual([onDisk(P)]);
  }, 150_000);

  it("the node stays on 1022 (same key) when the simulator restarts it on the same state dir", async () => {
    const key = onDisk(P);
    await fleet.removeNode(P);
    expect(await acceptsTcp(P, 1022)).toBe(false);
    await fleet.addNode(spec(P, 1)); // the spec still says 22: the node's own state wins
    expect(fleet.node(P).sshPorts()).toEqual([1022]);
    expect(await acceptsTcp(P, 22)).toBe(false);
    expect(onDisk(P)).toBe(key);
    ssh.forget({ host: P, port: 1022 });
    expect(await run(P, 1022, "docker --version && swapon --show --noheadings | awk '{ print $1 }'")).toMatchObject({ out: "Docker version 28.2.2, build e6534b4\n/swapfile\n", code: 0 });
    expect(await pinned(P)).toEqual([key]);
  }, 60_000);
});

describe("fault knobs", () => {
  it("failProvision('docker-install'): FATAL: Docker CE could not be installed (exit 1), nothing moved; cleared, the next run succeeds", async () => {
    const node = fleet.node(F);
    // each node has its own /etc, /usr/bin, swap: what P's provisioning wrote is not here
    expect((await run(F, 22, "ls /etc/ssh/sshd_config.d/; command -v docker docker-compose; swapon --show; timedatectl show -p Timezone --value")).out).toBe("60-cloudimg-settings.conf\nEtc/UTC\n");
    node.failProvision("docker-install");
    const r = await provision(F, 22);
    expect(r.code).toBe(1);
    const lines = r.out.split("\n").filter(Boolean);
    expect(lines.at(-1)).toBe("FATAL: Docker CE could not be installed");
    expect(lines.some((l) => l.startsWith("[8/16]"))).toBe(false);
    expect(await run(F, 22, "docker ps")).toMatchObject({ code: 127 });
    expect((await run(F, 22, "dpkg -s docker-ce")).code).toBe(1);
    expect(fleet.node(F).sshPorts()).toEqual([22]);
    expect(await acceptsTcp(F, 1022)).toBe(false);
    // what ran before it stays (idempotent steps): the timezone, the swap, Docker's apt source
    expect((await run(F, 22, "timedatectl show -p Timezone --value && swapon --show --noheadings | wc -l")).out).toBe("Asia/Singapore\n1\n");
    node.failProvision(null);
    const again = await provision(F, 22);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain(">>> Swap already present.");
    expect(again.out).toContain("Provisioning complete. 2 warning(s).");
    expect(await run(F, 1022, "docker --version")).toMatchObject({ out: "Docker version 28.2.2, build e6534b4\n", code: 0 });
    expect(await pinned(F)).toEqual([onDisk(F)]);
  }, 240_000);

  it("failProvision('docker-key' | 'apt-update' | 'ssh-port'): each FATAL where the script says; 1022 unbindable rolls SSH back to 22", async () => {
    const node = fleet.node(R);
    const key = onDisk(R);
    node.failProvision("docker-key");
    let r = await provision(R, 22);
    expect(r.code).toBe(1);
    expect(r.out.trimEnd().split("\n").at(-1)).toBe("FATAL: Docker's GPG key could not be downloaded");
    expect((await run(R, 22, "test -s /etc/apt/keyrings/docker.gpg || echo none")).out).toBe("none\n");
    node.failProvision("apt-update");
    r = await provision(R, 22);
    expect(r.code).toBe(1);
    expect(r.out.trimEnd().split("\n").at(-1)).toBe("FATAL: apt-get update failed");
    expect(await run(R, 22, "docker ps")).toMatchObject({ code: 127 });
    // phase 1 (22 + 1022) comes up without 1022: the drop-in goes, sshd back on 22 alone
    node.failProvision("ssh-port");
    r = await provision(R, 22);
    expect(r.code).toBe(1);
    const lines = r.out.split("\n");
    expect(lines).toContain(">>> SSH on 1022 did not come up: rolled back to 22");
    expect(lines).toContain("SSH port:    NOT 1022 only");
    expect(lines).toContain("Provisioning completed with 1 error(s), 2 warning(s).");
    expect(node.sshPorts()).toEqual([22]);
    expect(await acceptsTcp(R, 1022)).toBe(false);
    expect(await run(R, 22, "ls /etc/ssh/sshd_config.d/ && docker --version")).toMatchObject({ out: "60-cloudimg-settings.conf\nDocker version 28.2.2, build e6534b4\n", code: 0 });
    expect(onDisk(R)).toBe(key);
    expect(await pinned(R)).toEqual([key]);
    node.failProvision(null);
    expect(node.fault().provisionFails).toBeUndefined();
  }, 240_000);

  it("rekeyOnPortMove(): the script's session survives, but 1022 presents another host key and k2ops' pin (taken on 22) refuses it", async () => {
    const node = fleet.node(K);
    expect((await run(K, 22, "echo ok")).out).toBe("ok\n");
    const first = await pinned(K);
    expect(first).toEqual([onDisk(K)]);
    node.rekeyOnPortMove();
    const r = await provision(K, 22);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(">>> SSH listens on 1022 only.");
    expect(onDisk(K)).not.toBe(first[0]);
    const err = await run(K, 1022, "echo ok").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyChangedError);
    expect((err as HostKeyChangedError).host).toBe(K);
    expect(keys.mismatches.map((m) => `${m.host} ${m.key.algorithm} ${m.key.publicKey}`)).toEqual([`${K} ${onDisk(K)}`]);
    expect(await pinned(K)).toEqual(first); // the pin is not replaced
  }, 150_000);
});

describe("the host", () => {
  it("is untouched by the machines' provisioning: its /etc, /usr/bin, /usr/local/bin, /swapfile, swap and kernel settings", () => {
    expect(snapshot()).toEqual(host);
    expect(fs.existsSync("/etc/ssh/sshd_config.d/99-k2s-port.conf")).toBe(false);
    expect(fs.existsSync("/usr/bin/docker-compose")).toBe(false);
    expect(fs.readFileSync("/etc/sysctl.conf", "utf8")).not.toMatch(/tcp_congestion_control = bbr/);
    expect(fs.statSync("/swapfile").size).toBe(0);
    // the nodes' own layers took the writes
    expect(fleet.node(P).readFile("/etc/ssh/sshd_config.d/99-k2s-port.conf")).toBe("Port 1022\n");
    expect(fs.readFileSync(path.join(dir, "nodes", P, "overlay/etc/upper/ssh/sshd_config.d/99-k2s-port.conf"), "utf8")).toBe("Port 1022\n");
    expect(fs.statSync(path.join(dir, "nodes", P, "root/swapfile")).size).toBe(1073741824);
  });
});
