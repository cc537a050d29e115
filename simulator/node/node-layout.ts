// A simulated node's state dir and files (base of SimNode): laying it out (overlays, shims, Ubuntu
// /etc, sshd config, mounts), its registry, container state, meter and provider traffic, node files.
import fs from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { checkProfile, type NetworkProfile, type RelaySet } from "./latency-relay";
import { defaultProviderDrift, initialMeterState, meterNodeEnv, nicAt, parseMeterSh, providerTrafficOf } from "./meter-init";
import { FOCAL, JAMMY, etcSeeds } from "./ubuntu-etc";
import { lexists, sh } from "./host";
import { COMPOSE_ASSET, FRESH_PACKAGES, HIDDEN_COMMANDS, OVERLAYS, PACKAGE_SHIMS, PROVISIONED_PACKAGES, SHIMS, SIM_MOUNT, SWAPFILE, WRAPPER, envFile, isLegacyDir, nodeEnv, parseNodeEnv, provisionedImages, registryTagsOf } from "./node-env";
import { DEFAULT_VERSION, type CommandRecord, type Fault, type HostKeyType, type NodeSpec, type NodeState } from "./node-types";

export class SimNodeLayout {
  /** the state dir: named after the address the node was made at (it stays there when the node moves) */
  readonly dir: string;
  protected addr: string;
  protected proc: ChildProcess | null = null;
  protected ns: string | null = null;
  protected faults: Fault = {};
  protected hostKeyTypes: HostKeyType[] = ["ed25519"];
  /** the network in front of the node's sshd (null: none, sshd listens on the node's address itself) */
  protected network: NetworkProfile | null;
  /** while it has one: the delaying relays on the node's address, its sshd on innerAddress(ip) (for the life of one sshd) */
  protected relays: RelaySet | null = null;
  protected relayPoll: NodeJS.Timeout | null = null;
  protected followingPorts = false;

  constructor(
    readonly spec: NodeSpec,
    stateRoot: string,
    private readonly clientPublicKey: string,
  ) {
    this.addr = spec.ip;
    this.dir = path.join(stateRoot, spec.ip);
    this.network = spec.network ? checkProfile(spec.network) : null;
  }

  /** The machine's public address now (its spec's, until a cloud provider moves it: moveAddress). */
  get ip(): string {
    return this.addr;
  }

  /** The node's facts as its shims see them now (node.env; empty before the node is laid out). */
  env(): Record<string, string> {
    try {
      return parseNodeEnv(fs.readFileSync(this.p("node.env"), "utf8"));
    } catch {
      return {};
    }
  }

  /**
   * The ports the node's sshd listens on (node.env SSH_PORT): the spec's port on a new node,
   * then wherever the node's own sshd config moved it (provision-node.sh: 22, then 22 + 1022,
   * then 1022). Kept in the state dir, so a restarted simulator finds the node where it was.
   */
  sshPorts(): number[] {
    const ports = (this.env().SSH_PORT ?? "")
      .split(/\s+/)
      .filter((x) => /^\d+$/.test(x))
      .map(Number);
    return ports.length ? ports : [this.spec.port ?? (this.spec.scenario === "unprovisioned" ? 22 : 1022)];
  }

  /** The port to reach the node on: 1022 when it listens there, else its first port. */
  get port(): number {
    const ports = this.sshPorts();
    return ports.includes(1022) ? 1022 : ports[0];
  }

  protected p(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  /** Lays out the node's files (idempotent: an existing state dir keeps its state). */
  protected layout(): boolean {
    const s = this.spec;
    const fresh = !fs.existsSync(this.p("state.json"));
    // a node moved in an earlier run (moveAddress) is where its node.env says, like its SSH ports
    const moved = fresh ? "" : this.env().IP;
    if (moved && /^\d+\.\d+\.\d+\.\d+$/.test(moved)) this.addr = moved;
    for (const d of ["root/apps", "root/var/lib/docker/volumes", "bin", "pkg", "faults", "ssh"]) fs.mkdirSync(this.p(d), { recursive: true });
    fs.chmodSync(this.dir, 0o755);
    fs.copyFileSync(WRAPPER, this.p("wrapper.sh"));
    fs.chmodSync(this.p("wrapper.sh"), 0o755);
    if (fresh) {
      fs.writeFileSync(this.p("node.env"), nodeEnv(s, this.dir));
      // the images provisioning pulled are on the node (whether or not the registry still has their tag)
      fs.writeFileSync(this.p("state.json"), JSON.stringify({ containers: [], registered: false, images: provisionedImages(s, registryTagsOf(s)), ...initialMeterState(s) }) + "\n");
      for (const f of ["commands.jsonl", "sidecar.log", ".lock"]) fs.writeFileSync(this.p(f), "");
      if (s.scenario !== "unprovisioned") {
        const deploy = this.p("root/apps", isLegacyDir(s.scenario) ? "kaitu-slave" : "k2s");
        fs.mkdirSync(path.join(deploy, "logs"), { recursive: true });
        fs.copyFileSync(COMPOSE_ASSET, path.join(deploy, "docker-compose.yml"));
        if (isLegacyDir(s.scenario)) {
          // the pre-migration project name
          const yml = fs.readFileSync(path.join(deploy, "docker-compose.yml"), "utf8").replace(/^name: k2s$/m, "name: kaitu-slave");
          fs.writeFileSync(path.join(deploy, "docker-compose.yml"), s.scenario === "legacy-k2-slave" ? yml.replace(/^ {2}k2s:$/m, "  k2-slave:").replace(/container_name: k2s$/m, "container_name: k2-slave").replace(/\/k2s:\$\{/g, "/k2-slave:${") : yml);
        }
        fs.writeFileSync(path.join(deploy, ".env"), envFile(s), { mode: 0o600 });
        fs.writeFileSync(path.join(deploy, "users"), "");
        fs.writeFileSync(path.join(deploy, "logs/k2s.log"), "");
        const dd = isLegacyDir(s.scenario) ? "/apps/kaitu-slave" : "/apps/k2s";
        fs.writeFileSync(
          path.join(deploy, "auto-update.log"),
          "========================================\nAuto-update started: 2026-11-23 20:00:01 UTC\n========================================\nStagger delay: 347s\n--- Pulling images ---\nAll containers already on " +
            (s.version ?? DEFAULT_VERSION) +
            ", no restart needed.\nFinished: 2026-11-23 20:05:59 UTC\n\n",
        );
        fs.writeFileSync(this.p("crontab.root"), `0 4 * * * ${dd}/auto-update.sh >> ${dd}/auto-update.log 2>&1\n`);
        sh("chown", ["-R", "ubuntu:ubuntu", this.p("root/apps")]);
      }
      for (const f of ["state.json", "commands.jsonl", "sidecar.log", ".lock", "node.env"]) fs.chmodSync(this.p(f), 0o666);
    }
    this.layoutShims();
    this.layoutOwnFiles();
    if (!fs.existsSync(this.p("registry"))) this.setRegistryTags(registryTagsOf(s));
    this.migrateEtcKaitu();
    // the simulator dir is writable for both users (shims write state, logs, crontabs); the Docker
    // data root is root's alone (dockerd writes it whoever runs `docker`; ubuntu cannot even list it)
    fs.chmodSync(this.dir, 0o777);
    fs.chmodSync(this.p("root/var/lib/docker"), 0o710);
    fs.chmodSync(this.p("root/var/lib/docker/volumes"), 0o701);
    const key = this.p("ssh/host_ed25519_key");
    if (!fs.existsSync(key)) sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    fs.writeFileSync(this.p("ssh/authorized_keys"), this.clientPublicKey + "\n", { mode: 0o644 });
    fs.writeFileSync(this.p("ssh/sshd_config"), this.sshdConfig());
    return fresh;
  }

  /**
   * The shims (copied: per node, and readable whatever the repo's permissions). A package's
   * shims (PACKAGE_SHIMS: docker, snap) are on the node only while it has that package (node.env
   * APT_PKGS): `docker` on a fresh machine is "command not found" until apt-get installs Docker.
   */
  private layoutShims(): void {
    const env = this.env();
    const installed = new Set((env.APT_PKGS ?? (this.spec.scenario === "unprovisioned" ? FRESH_PACKAGES : PROVISIONED_PACKAGES)).split(/\s+/));
    for (const f of fs.readdirSync(SHIMS)) {
      const pkg = PACKAGE_SHIMS[f];
      if (pkg) {
        fs.copyFileSync(path.join(SHIMS, f), this.p("pkg", f));
        fs.chmodSync(this.p("pkg", f), 0o755);
      }
      if (!pkg || installed.has(pkg)) fs.copyFileSync(path.join(SHIMS, f), this.p("bin", f));
      else fs.rmSync(this.p("bin", f), { force: true });
    }
    for (const f of fs.readdirSync(this.p("bin"))) fs.chmodSync(this.p("bin", f), 0o755);
  }

  /**
   * The node's own layers of /etc, /usr/bin, /usr/local/bin (overlay upper + work dirs), its
   * /swapfile, the Ubuntu files of its /etc (laid once: afterwards they are the node's to change),
   * and whiteouts hiding what the host has and a fresh Ubuntu has not (a Docker CLI, snap,
   * the host's own sshd drop-ins).
   */
  private layoutOwnFiles(): void {
    const upper = (n: string, ...rel: string[]) => this.p("overlay", n, "upper", ...rel);
    const seed = !fs.existsSync(upper("etc"));
    for (const [n] of OVERLAYS) {
      for (const d of ["upper", "work"]) fs.mkdirSync(this.p("overlay", n, d), { recursive: true });
      fs.chmodSync(upper(n), 0o755);
    }
    if (!lexists(this.p("root/swapfile"))) fs.closeSync(fs.openSync(this.p("root/swapfile"), "a", 0o600));
    if (seed) {
      const env = this.env();
      const files = etcSeeds({ release: this.spec.scenario === "nftables" ? FOCAL : JAMMY, provisioned: this.spec.scenario !== "unprovisioned", sshPorts: this.sshPorts(), bbr: env.BBR === "bbr" });
      for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(upper("etc", rel)), { recursive: true, mode: 0o755 });
        fs.writeFileSync(upper("etc", rel), text, { mode: 0o644 });
      }
    }
    const whiteout = (p: string) => {
      if (lexists(p)) return;
      fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
      sh("mknod", [p, "c", "0", "0"]);
    };
    for (const [n, d] of OVERLAYS) {
      if (n === "etc") continue;
      for (const c of HIDDEN_COMMANDS) if (lexists(path.join(d, c))) whiteout(upper(n, c));
    }
    const dropins = "/etc/ssh/sshd_config.d";
    if (fs.existsSync(dropins)) for (const f of fs.readdirSync(dropins)) whiteout(upper("etc", "ssh/sshd_config.d", f));
  }

  /** A state dir laid out before the config volumes were real (root/etc/kaitu + parked volumes/): its content moves into them. */
  private migrateEtcKaitu(): void {
    const old = this.p("root/etc/kaitu");
    if (!fs.existsSync(old)) return;
    const st = fs.existsSync(this.p("state.json")) ? (this.state() as NodeState & { volume?: string }) : null;
    const cur = st?.containers.find((c) => c.name === "k2-sidecar")?.project ?? st?.volume;
    const move = (from: string, project: string) => {
      const to = this.p("root/var/lib/docker/volumes", `${project}_config`, "_data");
      fs.mkdirSync(to, { recursive: true });
      for (const f of fs.readdirSync(from)) if (!fs.existsSync(path.join(to, f))) fs.renameSync(path.join(from, f), path.join(to, f));
    };
    if (cur) move(old, cur);
    if (fs.existsSync(this.p("volumes"))) for (const v of fs.readdirSync(this.p("volumes"))) move(this.p("volumes", v), v);
    fs.rmSync(old, { recursive: true, force: true });
    fs.rmSync(this.p("root/etc"), { recursive: true, force: true });
    fs.rmSync(this.p("volumes"), { recursive: true, force: true });
  }

  /** The image tags the registry has for this node from now on (`latest` names the first); pulling any other tag fails. */
  setRegistryTags(tags: readonly string[]): void {
    const own = tags.filter((t) => t !== "latest");
    fs.writeFileSync(this.p("registry"), [...own, ...(own.length ? [`latest=${own[0]}`] : [])].join("\n") + "\n", { mode: 0o644 });
  }

  /** The tags the node's registry has now. */
  registryTags(): string[] {
    return fs
      .readFileSync(this.p("registry"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("=")[0]);
  }

  /** The simulator's own sshd config (its ListenAddress lines come from node.env SSH_PORT at each start: see startSshd). */
  protected sshdConfig(): string {
    return [
      ...this.hostKeyTypes.map((t) => `HostKey ${this.p(`ssh/host_${t}_key`)}`),
      `PidFile ${this.p("ssh/sshd.pid")}`,
      `AuthorizedKeysFile ${this.p("ssh/authorized_keys")}`,
      "StrictModes no",
      "UsePAM no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "MaxSessions 10",
      "MaxStartups 200:30:400",
      "PrintMotd no",
      "LogLevel ERROR",
      "Subsystem sftp /usr/lib/openssh/sftp-server",
      `ForceCommand ${SIM_MOUNT}/wrapper.sh`,
      "",
    ].join("\n");
  }

  /** The node's mounts, made in each namespace of the node before anything runs in it (a failed one aborts: nothing runs on the host's own files). */
  protected mounts(): string {
    const r = this.p("root");
    const overlays = OVERLAYS.map(([n, d]) => `mount -t overlay overlay -o index=off,lowerdir=${d},upperdir=${this.p("overlay", n, "upper")},workdir=${this.p("overlay", n, "work")} ${d}`);
    return [
      `mount --bind ${r}/apps /apps`,
      `mount --bind ${r}/var/lib/docker /var/lib/docker`,
      `mount --bind ${this.p("bin")} /usr/local/sbin`,
      `mount --bind ${this.dir} ${SIM_MOUNT}`,
      `mount --bind ${r}/swapfile ${SWAPFILE}`,
      ...overlays,
    ].join(" && ");
  }


  /** Every command line that arrived over SSH, in order. */
  commands(): CommandRecord[] {
    return fs
      .readFileSync(this.p("commands.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as CommandRecord);
  }

  state(): NodeState {
    return JSON.parse(fs.readFileSync(this.p("state.json"), "utf8")) as NodeState;
  }

  /** Replaces the node's container state (e.g. a container that started earlier than it did); the shims re-read it. */
  setState(st: NodeState): void {
    fs.writeFileSync(this.p("state.json"), JSON.stringify(st) + "\n");
    fs.rmSync(this.p("state.sh"), { force: true }); // the shims' cached rendering
  }

  /** The provider's counting error (1 = exact); default a small per-node drift (meter-init defaultProviderDrift). */
  providerDrift: number | null = null;

  private meterFacts(): { env: Record<string, string>; m: { nRun: number; nAt: number; bRx: number; bTx: number }; tunnelRunning: boolean } | null {
    const file = this.p("meter.sh");
    const m = fs.existsSync(file) ? parseMeterSh(fs.readFileSync(file, "utf8")) : null;
    if (!m) return null;
    const tunnelRunning = this.state().containers.some((c) => (c.name === "k2s" || c.name === "k2-slave") && c.state === "running");
    return { env: meterNodeEnv(this.spec), m, tunnelRunning };
  }

  /** The host NIC's counters now, as the node's /proc/net/dev shows them (null before its meter first ran). */
  nicCounters(nowMs = Date.now()): { rxBytes: number; txBytes: number } | null {
    const f = this.meterFacts();
    return f ? nicAt(f.env, f.m, f.tunnelRunning, nowMs) : null;
  }

  /**
   * The node's traffic over [fromSec, toSec) as its cloud provider counts it (Center's cloud
   * instance, Lightsail's NetworkIn/NetworkOut): the host NIC, a little off the node's meter
   * (meter-init providerTrafficOf). Null before the node's meter first ran.
   */
  providerTraffic(fromSec: number, toSec: number, nowMs = Date.now()): { inBytes: number; outBytes: number } | null {
    const f = this.meterFacts();
    // the drift belongs to the instance, whatever address it has now
    return f ? providerTrafficOf(f.env, f.m, f.tunnelRunning, nowMs, fromSec, toSec, this.providerDrift ?? defaultProviderDrift(this.spec.ip)) : null;
  }

  /**
   * Sets the node's clock to run `ms` milliseconds ahead of real time (negative: behind).
   * Every shim reads it (state times, log timestamps, the meter's billing cycle), so a test
   * can put a node just before its billing-cycle boundary. 0 restores real time.
   */
  setClockOffset(ms: number): void {
    fs.writeFileSync(this.p("clock-offset-ms"), `${Math.trunc(ms)}\n`, { mode: 0o666 });
  }

  /**
   * A file of the node (path inside the node: /apps/…, /var/lib/docker/…, /swapfile, and /etc/…,
   * /usr/bin/…, /usr/local/bin/… as the node sees them through its overlays), or /etc/kaitu/… as the
   * sidecar sees it: its config volume, /var/lib/docker/volumes/<project>_config/_data on the host
   * (there is no /etc/kaitu on a node's host). Read by the test process (root), not over SSH.
   */
  readFile(nodePath: string): string {
    const at = this.nodeFile(nodePath);
    if (at === null) throw Object.assign(new Error(`ENOENT: node ${this.ip} has no ${nodePath}`), { code: "ENOENT" });
    return fs.readFileSync(at, "utf8");
  }

  /** Does the node have this file (symlinks followed as the node follows them)? */
  hasFile(nodePath: string): boolean {
    return this.nodeFile(nodePath) !== null;
  }

  /**
   * Where a node's file is on the host, the overlays resolved (the node's own layer, else the
   * host's file it sees through; symlinks followed as the node follows them); null if it has none.
   */
  private nodeFile(nodePath: string, depth = 0): string | null {
    const ov = OVERLAYS.find(([, d]) => nodePath.startsWith(d + "/"));
    const kaitu = nodePath.startsWith("/etc/kaitu/");
    if (!ov || kaitu) {
      let p = nodePath; // elsewhere the node sees the host's own files (read-only for a reader here)
      if (kaitu || nodePath === SWAPFILE || nodePath.startsWith("/apps/") || nodePath.startsWith("/var/lib/docker/")) p = this.hostPath(nodePath);
      return lexists(p) ? p : null;
    }
    const [n, d] = ov;
    const rel = nodePath.slice(d.length + 1).split("/").filter(Boolean);
    let src: string | null = null;
    for (let i = 1; i <= rel.length; i++) {
      const up = this.p("overlay", n, "upper", ...rel.slice(0, i));
      let st: fs.Stats | null = null;
      try {
        st = fs.lstatSync(up);
      } catch {
        /* not in the node's layer */
      }
      if (st?.isCharacterDevice() && st.rdev === 0) return null; // a whiteout: the node deleted it
      src = st ? up : path.join(d, ...rel.slice(0, i));
      const at = fs.lstatSync(src, { throwIfNoEntry: false });
      if (!at) return null;
      if (at.isSymbolicLink()) {
        if (depth > 8) return null;
        const target = fs.readlinkSync(src);
        const abs = path.posix.resolve(path.posix.join(d, ...rel.slice(0, i - 1)), target);
        return this.nodeFile(path.posix.join(abs, ...rel.slice(i)), depth + 1);
      }
    }
    return src;
  }

  /** Where a node path is on the host: for /etc, /usr/bin, /usr/local/bin the node's own overlay layer (where its writes land). */
  hostPath(nodePath: string): string {
    if (nodePath.startsWith("/apps/")) return this.p("root/apps", nodePath.slice(6));
    if (nodePath.startsWith("/var/lib/docker/")) return this.p("root/var/lib/docker", nodePath.slice(16));
    if (nodePath.startsWith("/etc/kaitu/")) return this.p("root/var/lib/docker/volumes", `${this.configProject()}_config`, "_data", nodePath.slice(11));
    if (nodePath === SWAPFILE) return this.p("root/swapfile");
    const ov = OVERLAYS.find(([, d]) => nodePath.startsWith(d + "/"));
    if (ov) return this.p("overlay", ov[0], "upper", nodePath.slice(ov[1].length + 1));
    throw new Error("only /apps, /var/lib/docker, /swapfile, /etc, /usr/bin, /usr/local/bin and (the sidecar's) /etc/kaitu are simulated");
  }

  /** The project whose config volume the sidecar mounts (its container's, else the last project that was up). */
  private configProject(): string {
    const st = this.state() as NodeState & { volume?: string };
    const p = st.containers.find((c) => c.name === "k2-sidecar")?.project ?? st.volume;
    if (!p) throw new Error(`node ${this.ip} has no config volume yet (nothing was brought up)`);
    return p;
  }

  /**
   * Appends lines to the sidecar's container log as its process would write them
   * (stderr: slog lines, which carry their own `time=`; stdout: entrypoint lines).
   * For long-running nodes: e.g. hours of usage-reporter lines after registration.
   */
  appendSidecarLog(lines: string[], stream: "stdout" | "stderr" = "stderr"): void {
    const prefix = stream === "stdout" ? "1 " : "2 ";
    fs.appendFileSync(this.p("sidecar.log"), lines.map((l) => prefix + l + "\n").join(""));
  }

  /** docker logs k2-sidecar as the node shows it ("stdout" = entrypoint lines, "stderr" = slog lines). */
  sidecarLog(): { stdout: string; stderr: string } {
    const lines = fs.readFileSync(this.p("sidecar.log"), "utf8").split("\n").filter(Boolean);
    return {
      stdout: lines.filter((l) => l.startsWith("1 ")).map((l) => l.slice(2) + "\n").join(""),
      stderr: lines.filter((l) => l.startsWith("2 ")).map((l) => l.slice(2) + "\n").join(""),
    };
  }
}
