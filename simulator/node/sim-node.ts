// A simulated node as a running machine: its sshd under a supervisor in the node's own mount
// namespace (start, stop, reboot, move), commands run in it, network relays, host keys and faults.
import fs from "node:fs";
import { spawn } from "node:child_process";
import { RelaySet, checkProfile, innerAddress, type NetworkProfile } from "./latency-relay";
import { ageMeterState, meterNodeEnv } from "./meter-init";
import { acceptsTcp } from "./net";
import { killNamespace, live, prepareHost, sh, waitForPort } from "./host";
import { RELAY_POLL_MS, isLegacyDir, q } from "./node-env";
import { SimNodeLayout } from "./node-layout";
import type { Fault, HostKeyType, NodeState, ProvisionFailure } from "./node-types";

export class SimNode extends SimNodeLayout {
  /** The pid of the process holding the node's running namespace (its sshd supervisor), if any. */
  private nsPid(): number | null {
    const p = this.proc;
    return p && p.exitCode === null && p.signalCode === null && p.pid ? p.pid : null;
  }

  /**
   * Runs a shell command on the node (set-up steps): in its running namespace (the one its sshd
   * sessions see), else in a fresh namespace with the node's mounts.
   * Asynchronous on purpose: the shims call the Center simulator, which may live
   * in this very process and must keep answering.
   */
  inNode(command: string, user: "root" | "ubuntu" = "root"): Promise<{ code: number; stdout: string; stderr: string }> {
    const run = user === "root" ? command : `exec setpriv --reuid=ubuntu --regid=ubuntu --init-groups -- bash -c ${q(command)}`;
    const body = `cd / && export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin && ${run}`;
    const pid = this.nsPid();
    return new Promise((resolve) => {
      const p = pid
        ? spawn("nsenter", [`--mount=/proc/${pid}/ns/mnt`, "--", "sh", "-c", body], { stdio: ["ignore", "pipe", "pipe"] })
        : spawn("unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", `${this.mounts()} && ${body}`], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (d) => (stdout += d));
      p.stderr.on("data", (d) => (stderr += d));
      // "close", not "exit": output can still be in the pipes when the process has exited
      p.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  }

  /** The stack's first `up -d` as provisioning ran it; a long-running node looks 2 days old. */
  private async bringUp(): Promise<void> {
    const s = this.spec;
    const deploy = isLegacyDir(s.scenario) ? "/apps/kaitu-slave" : "/apps/k2s";
    const r = await this.inNode(`cd ${deploy} && K2SIM_PROVISIONED_LONG_AGO=1 docker compose up -d`);
    if (r.code !== 0 && !/dependency failed/.test(r.stderr)) throw new Error(`node ${s.ip}: first up -d failed (exit ${r.code}): ${r.stderr.slice(-1500)}`);
    const st = this.state();
    const ago = 2 * 86400_000;
    for (const c of st.containers) {
      // a restart loop shows its current run, after two days of restarts (RestartCount climbed)
      if (c.loop) {
        c.restartCount += 40;
        continue;
      }
      c.created -= ago;
      if (c.state === "running" || c.state === "paused") c.started -= ago;
      // its container log (docker logs: "<stream> <ms> <line>") and, for k2s, its log file were written that long ago too
      const clog = this.p(`${c.name}.log`);
      if (fs.existsSync(clog)) fs.writeFileSync(clog, fs.readFileSync(clog, "utf8").replace(/^([12]) (\d+) /gm, (_m, st: string, t: string) => `${st} ${Number(t) - ago} `));
      if (c.name === "k2s") {
        const k2slog = this.hostPath(`${deploy}/logs/k2s.log`);
        if (fs.existsSync(k2slog)) fs.writeFileSync(k2slog, fs.readFileSync(k2slog, "utf8").replace(/^time=(\S+Z) /gm, (_m, t: string) => `time=${new Date(Date.parse(t) - ago).toISOString()} `));
      }
    }
    // k2s's auth summaries (every 5 simulated minutes): the log file keeps the last hour's worth of them
    const auth = st as NodeState & { authStart?: number; authN?: number };
    if (auth.authStart) {
      const period = Math.max(1, Math.floor(300_000 / Number(meterNodeEnv(s).TIME_SCALE)));
      auth.authStart -= ago;
      auth.authN = Math.max(0, Math.floor((Date.now() - auth.authStart) / period) - 12);
    }
    if (s.scenario === "k2-oc-orphan") {
      const side = st.containers.find((c) => c.name === "k2-sidecar");
      const t = Date.now() - 92 * 86400_000;
      st.containers.push({ name: "k2-oc", image: "public.ecr.aws/d6n9t2r2/k2-oc:latest", state: "running", health: "", restartCount: 0, exitCode: 0, env: {}, created: t, started: t, healthyAt: 0, loop: null, workdir: deploy, project: side?.project ?? "k2s" });
      st.containers.sort((a, b) => a.name.localeCompare(b.name));
    }
    // the reporter has been running: its next cycle is due now (cumulative climbs from here)
    ageMeterState(st);
    fs.writeFileSync(this.p("state.json"), JSON.stringify(st) + "\n");
    fs.rmSync(this.p("state.sh"), { force: true }); // the shims' cached rendering
    // the health check has long passed; the reporter lines catch up on the next look
    await this.inNode("docker ps >/dev/null");
  }

  async start(): Promise<void> {
    prepareHost();
    const fresh = this.layout();
    if (fresh && this.spec.scenario !== "unprovisioned") await this.bringUp();
    await this.startSshd();
  }

  private async startSshd(): Promise<void> {
    if (this.nsPid()) return;
    // its sshd went down on the node (ssh.service restarted with a config sshd refuses): what is left of it goes first
    if (this.proc) await this.stopSshd();
    const config = this.p("ssh/sshd_config");
    // an sshd left behind by a killed earlier run of the same state dir would answer in our place
    const stale = Number(fs.existsSync(this.p("ssh/sshd.pid")) ? fs.readFileSync(this.p("ssh/sshd.pid"), "utf8").trim() : NaN);
    if (stale > 1) {
      try {
        if (fs.readFileSync(`/proc/${stale}/cmdline`, "utf8").includes(config)) process.kill(stale, "SIGKILL");
      } catch {
        /* not running */
      }
    }
    // sshd lives only as long as the process that started it: if that process is
    // killed outright (SIGKILL: no exit handler runs), `tail --pid` returns within
    // a second and the node's sshd goes with it — no orphaned node survives a run.
    // The supervisor is the node's systemd for ssh.service: `systemctl restart ssh` on the
    // node (shims/systemctl → sshd __restart) sets the new ports in node.env, leaves a restart
    // request and stops the listener; the supervisor starts it again, in the same namespace, on
    // the ports node.env names, while the sessions (their own processes) go on.
    const restart = this.p("ssh/restart");
    // the address sshd listens on: the node's own, or the inner one behind its relays (a file: setNetwork moves it at run time)
    const sshdIp = this.network ? innerAddress(this.addr) : this.addr;
    fs.writeFileSync(this.p("ssh/listen-ip"), sshdIp + "\n");
    const watch = [
      `tail --pid=${process.pid} -f /dev/null & t=$!`,
      `while :; do`,
      // node.env is rewritten in place by the shims: a read that finds no ports at all is tried again
      `  for i in 1 2 3 4 5 6 7 8 9 10; do ports=$(sed -n 's/^SSH_PORT=//p' ${this.p("node.env")} | tr -c '0-9' ' '); [ -n "\${ports// }" ] && break; sleep 0.1; done`,
      `  la=(); ip=$(cat ${this.p("ssh/listen-ip")}); for p in $ports; do la+=(-o "ListenAddress=\${ip:-${this.ip}}:$p"); done`,
      // no port (a restart with a config sshd refuses): ssh.service stays down, the open sessions go on
      `  [ \${#la[@]} -gt 0 ] || { kill $t 2>/dev/null; break; }`,
      `  rm -f ${restart}`,
      `  /usr/sbin/sshd -D -e -f ${config} "\${la[@]}" & s=$!; echo $s > ${this.p("ssh/listener.pid")}`,
      `  wait -n $s $t`,
      `  kill -0 $t 2>/dev/null || { kill $s 2>/dev/null; break; }`,
      `  [ -e ${restart} ] || { kill $t 2>/dev/null; break; }`,
      `  wait $s 2>/dev/null`,
      `done`,
      `wait`,
    ].join("\n");
    const proc = spawn("unshare", ["--mount", "--propagation", "private", "--", "bash", "-c", `{ ${this.mounts()}; } || exit 1\n${watch}`], {
      stdio: ["ignore", "ignore", "pipe"],
      detached: true, // own process group: stop() kills the group
    });
    let err = "";
    proc.stderr?.on("data", (d) => (err = (err + d).slice(-2000)));
    this.proc = proc;
    live.add(proc);
    proc.once("exit", () => live.delete(proc));
    try {
      for (const port of this.sshPorts()) await waitForPort(sshdIp, port, 15_000, proc);
      // someone else may hold the address (then ours exits at once): make sure the listener is ours
      await new Promise((r) => setTimeout(r, 30));
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error("sshd exited");
      this.ns = fs.readlinkSync(`/proc/${proc.pid}/ns/mnt`);
      if (this.network) await this.startRelays(0);
    } catch (e) {
      this.proc = null;
      this.stopRelays();
      proc.kill("SIGKILL");
      throw new Error(`sshd for ${this.ip}:${this.port} could not start: ${(e as Error).message} ${err.trim()}`);
    }
  }

  private async stopSshd(): Promise<void> {
    const p = this.proc;
    const ns = this.ns;
    this.proc = null;
    this.ns = null;
    this.stopRelays();
    if (p && p.exitCode === null && p.signalCode === null) {
      await new Promise<void>((resolve) => {
        p.once("exit", () => resolve());
        try {
          process.kill(-p.pid!, "SIGTERM");
        } catch {
          p.kill("SIGTERM");
        }
        setTimeout(() => {
          try {
            process.kill(-p.pid!, "SIGKILL");
          } catch {
            /* gone */
          }
        }, 2000).unref();
      });
    }
    // sessions still running in the namespace (hung commands, `logs -f`) keep its mounts alive
    killNamespace(ns);
    // unreachable means refused from the moment this returns: wait until no port of the node's address accepts
    // (a plan-time probe right after setReachable(false) once still got through)
    const deadline = Date.now() + 5000;
    for (const port of this.sshPorts()) {
      while ((await acceptsTcp(this.addr, port, 500)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    }
  }

  get running(): boolean {
    return this.proc !== null;
  }

  /** Stops the machine: sshd and every session; the namespace and its mounts go with them. */
  async stop(): Promise<void> {
    await this.stopSshd();
  }

  /** A reboot: the sidecar stops gracefully (unregisters), the machine goes away and comes back, containers restart. */
  async reboot(downMs = 3000): Promise<void> {
    await this.inNode("docker __daemon-restart --reboot >/dev/null 2>&1 || true");
    await this.stopSshd();
    await new Promise((r) => setTimeout(r, downMs));
    await this.startSshd();
  }

  /**
   * The cloud provider gives the machine another public address (a Lightsail static IP attached
   * or detached): sshd stops listening on the old address (connection refused there) and listens
   * on `newIp`, same ports, same host keys; open sessions end, as their connections to the old
   * address do. node.env IP becomes `newIp`, so what runs from now on sees it (the public-IP echo
   * services, a sidecar's next start: its registration, its sslip domain); a sidecar already
   * running keeps the address it started with (_sidecar.sh SC_IP) until it restarts. The state
   * dir stays where it is. A machine that is off (unreachable) is moved without starting it.
   */
  async moveAddress(newIp: string): Promise<void> {
    if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(newIp)) throw new Error(`not an IPv4 address: ${newIp}`);
    const old = this.addr;
    if (newIp === old) return;
    const up = this.nsPid() !== null;
    if (up) await this.stopSshd();
    this.setNodeEnvIp(newIp);
    if (!up) return;
    try {
      await this.startSshd();
    } catch (e) {
      // the new address is taken (someone else listens there): the machine stays where it was
      this.setNodeEnvIp(old);
      await this.startSshd();
      throw e;
    }
  }

  private setNodeEnvIp(ip: string): void {
    const file = this.p("node.env");
    const text = fs.readFileSync(file, "utf8");
    const next = /^IP=.*$/m.test(text) ? text.replace(/^IP=.*$/m, `IP=${q(ip)}`) : `IP=${q(ip)}\n${text}`;
    // renamed into place, as the shims' setvar does: a shim never reads half a file
    const tmp = this.p(`.node.env.move.${process.pid}`);
    fs.writeFileSync(tmp, next, { mode: 0o666 });
    fs.chmodSync(tmp, 0o666);
    fs.renameSync(tmp, file);
    this.addr = ip;
  }

  async setReachable(reachable: boolean): Promise<void> {
    if (reachable) await this.startSshd();
    else await this.stopSshd();
  }

  /** The node's network profile now (null: none). */
  networkProfile(): NetworkProfile | null {
    return this.network;
  }

  /**
   * The network between the console and the node from now on (latency-relay.ts: rttMs and jitterMs
   * in ms, bandwidthKbps in kbit/s; null: none). With a profile the node's address is a delaying
   * relay in front of its sshd, which listens on innerAddress(ip) instead, on the same ports:
   * the relays follow the ports sshd moves to (node.env SSH_PORT, checked every RELAY_POLL_MS),
   * stop listening when sshd does (unreachable, stop, reboot: connection refused) and move with
   * the node (moveAddress). A change from one profile to another applies to data sent from then
   * on; a change between none and a profile moves sshd's listener (as `systemctl restart ssh`
   * does: open sessions go on, on the path they were opened on). A stopped node takes it at its
   * next start.
   */
  async setNetwork(profile: NetworkProfile | null): Promise<void> {
    const had = this.network;
    this.network = profile ? checkProfile(profile) : null;
    const proc = this.proc;
    if (!proc || !this.nsPid()) return;
    if (had && this.network) return this.relays?.setProfile(this.network);
    if (!had && !this.network) return;
    // sshd moves: relays give the address back first (their open connections go on undelayed)
    if (!this.network) {
      this.relays?.setProfile({ rttMs: 0 });
      this.stopRelays(false);
    }
    const sshdIp = this.network ? innerAddress(this.addr) : this.addr;
    fs.writeFileSync(this.p("ssh/listen-ip"), sshdIp + "\n");
    // ssh.service's restart, as shims/sshd does it: the supervisor starts sshd again, the sessions go on
    fs.writeFileSync(this.p("ssh/restart"), "");
    try {
      process.kill(Number(fs.readFileSync(this.p("ssh/listener.pid"), "utf8")), "SIGTERM");
    } catch {
      /* between two listeners: the next one reads the new address */
    }
    for (const port of this.sshPorts()) await waitForPort(sshdIp, port, 15_000, proc);
    // the old listener lets go of the node's address in a moment
    if (this.network) await this.startRelays(3000);
  }

  /** Relays on the node's address for the ports its sshd listens on (trying `retryMs` while the address is still taken), then following its ports. */
  private async startRelays(retryMs: number): Promise<void> {
    const profile = this.network!;
    this.relays ??= new RelaySet(this.addr, innerAddress(this.addr), profile);
    this.relays.setProfile(profile);
    for (const until = Date.now() + retryMs; ; await new Promise((r) => setTimeout(r, 50))) {
      try {
        await this.relays.sync(this.sshPorts());
        break;
      } catch (e) {
        if (Date.now() > until) throw new Error(`the network relay for ${this.addr} could not listen: ${(e as Error).message}`);
      }
    }
    this.relayPoll ??= setInterval(() => void this.followPorts(), RELAY_POLL_MS);
    this.relayPoll.unref();
  }

  /** The relays follow sshd: its ports now (a new one once sshd listens there), none while its supervisor is gone (ssh.service down). */
  private async followPorts(): Promise<void> {
    const r = this.relays;
    if (!r || this.followingPorts) return;
    this.followingPorts = true;
    try {
      if (!this.nsPid()) return r.unlisten();
      const have = r.ports();
      const ports: number[] = [];
      for (const p of this.sshPorts()) if (have.includes(p) || (await acceptsTcp(r.targetHost, p, 300))) ports.push(p);
      // still following (not stopped or given back meanwhile)
      if (this.relays === r && this.relayPoll) await r.sync(ports);
    } catch {
      /* a port still taken: the next round tries again */
    } finally {
      this.followingPorts = false;
    }
  }

  /** Stops the relays following sshd; `close`: also their connections (the machine goes away), else they only stop listening. */
  private stopRelays(close = true): void {
    if (this.relayPoll) clearInterval(this.relayPoll);
    this.relayPoll = null;
    if (!close) return this.relays?.unlisten();
    this.relays?.close();
    this.relays = null;
  }

  async changeHostKey(): Promise<void> {
    const key = this.p("ssh/host_ed25519_key");
    fs.rmSync(key, { force: true });
    fs.rmSync(key + ".pub", { force: true });
    sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    if (this.proc) {
      await this.stopSshd();
      await this.startSshd();
    }
  }

  /**
   * The host key types sshd offers from now on (keys are made once and kept, so
   * a type that comes back presents its old key); sshd restarts with them.
   */
  async setHostKeyTypes(types: HostKeyType[]): Promise<void> {
    if (!types.length) throw new Error("a node needs at least one host key");
    for (const t of types) {
      const key = this.p(`ssh/host_${t}_key`);
      if (!fs.existsSync(key)) sh("ssh-keygen", ["-q", "-t", t, ...(t === "rsa" ? ["-b", "2048"] : []), "-N", "", "-f", key]);
    }
    this.hostKeyTypes = [...types];
    fs.writeFileSync(this.p("ssh/sshd_config"), this.sshdConfig());
    if (this.proc) {
      await this.stopSshd();
      await this.startSshd();
    }
  }

  /** The host key of one type as it is on disk ("ssh-rsa AAAA…"). */
  hostPublicKeyOf(type: HostKeyType): string {
    return fs.readFileSync(this.p(`ssh/host_${type}_key.pub`), "utf8").trim().split(" ").slice(0, 2).join(" ");
  }

  /** The host key the node presents ("ssh-ed25519 AAAA…"). */
  hostPublicKey(): string {
    return fs.readFileSync(this.p("ssh/host_ed25519_key.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
  }

  private putFault(name: string, on: boolean, content = ""): void {
    const p = this.p("faults", name);
    if (on) fs.writeFileSync(p, content, { mode: 0o666 });
    else fs.rmSync(p, { force: true });
  }

  /**
   * Makes provision-node.sh fail at `stage` from now on (null: it succeeds again). E.g.
   * failProvision("docker-install"): `apt-get install … docker-ce …` cannot fetch the packages,
   * the script ends "FATAL: Docker CE could not be installed" (exit 1) and Docker stays absent.
   * The other stages: see ProvisionFailure. Also `setFault({ provisionFails })`.
   */
  failProvision(stage: ProvisionFailure | null): void {
    this.putFault("provision-fails", !!stage, stage ?? "");
    this.faults = { ...this.faults, provisionFails: stage ?? undefined };
  }

  /**
   * From now on (until rekeyOnPortMove(false)) the node's sshd comes back with NEW host keys
   * whenever it starts listening on a port it did not listen on before: provision-node.sh's move
   * to 1022 then shows a different machine (rebuilt, or someone in between) there. The script's
   * own session goes on; k2ops' pin from port 22 (per host address) must refuse 1022.
   * Also `setFault({ rekeyOnPortMove: true })`.
   */
  rekeyOnPortMove(on = true): void {
    this.putFault("rekey-on-port-move", on);
    this.faults = { ...this.faults, rekeyOnPortMove: on || undefined };
  }

  /** Run-time fault injection (fields left out keep their current value; `{}` after `clearFaults()` semantics: see SimFleet.setFault). */
  async setFault(f: Fault): Promise<void> {
    const put = (name: string, on: boolean, content = "") => this.putFault(name, on, content);
    put("latency", !!f.latencyMs, String((f.latencyMs ?? 0) / 1000));
    put("hang", !!f.hangPattern, f.hangPattern ?? "");
    put("shim-hang", !!f.shimHang, f.shimHang ?? "");
    put("pull-fails", !!f.pullFails);
    put("unhealthy-after-update", !!f.unhealthyAfterUpdate);
    put("unhealthy-tag", !!f.unhealthyTag, f.unhealthyTag ?? "");
    put("k2s-not-ready", !!f.k2sNotReady);
    put("compose-version", !!f.composeVersion, f.composeVersion ?? "");
    put("provision-fails", !!f.provisionFails, f.provisionFails ?? "");
    put("rekey-on-port-move", !!f.rekeyOnPortMove);
    if (!f.unhealthyAfterUpdate) {
      put("unhealthy", false);
      put("unhealthy-once", false);
    }
    this.faults = { ...f };
    if (f.hostKeyChanged) await this.changeHostKey();
    if (f.unreachable === true) await this.stopSshd();
    if (f.unreachable === false || (f.unreachable === undefined && !this.proc)) await this.startSshd();
  }

  fault(): Fault {
    return { ...this.faults };
  }
}
