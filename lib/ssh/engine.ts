import { Client, type ClientChannel, type ConnectConfig, type ServerHostKeyAlgorithm } from "ssh2";
import { Arg, assertAllowed, assertScriptAllowed, cmd, type DeployDir, type SafeCommand } from "@/lib/guardrails/command";
import { redactText, registerSecret } from "@/lib/redact";
import { LineRedactor } from "@/lib/redact/stream";
import { HostKeyChangedError, HostKeyNewTypeError, describeKey, judgeHostKey, preferredHostKeyAlgorithms, type HostKeyStore } from "./host-keys";
import { ambientSignal, reportUnconfirmedKill } from "./scope";

// The SSH engine: one pooled connection per node for short commands (at most
// 8 channels at once; OpenSSH's MaxSessions is 10, the other 2 are kept for
// kills), a separate connection per live stream, a global cap on concurrent
// handshakes, connect/command timeouts and output caps. Idle pooled
// connections are reaped (after `idleTimeoutMs`, and beyond
// `maxIdleConnections` the least recently used at once), so a fleet job over
// thousands of nodes does not leave thousands of connections open; a
// connection in use (or awaited) is never closed. Secrets and scripts
// travel on stdin only; every command line passes the guardrails' final check
// before it is sent.
//
// A command's deadline runs from the call: waiting for the connection, for a
// channel slot, for the channel to open and for the exec reply all count.
// Every command runs in its own process group on the node, whose id it prints
// first (on stderr, stripped from the result); on timeout or cancel that group
// (and whatever it spawned, sudo's children included) is killed over a second
// channel and k2ops checks that it is gone. Until that is confirmed the
// node's state is unknown (`killed: "unconfirmed"`).

export type SshTarget = { host: string; port?: number; user?: string };

/** Where a command was when its deadline passed or it was cancelled. */
export type ExecPhase =
  /** waiting for the node's connection (nothing sent) */
  | "connect"
  /** waiting for one of the connection's channel slots (nothing sent) */
  | "slot"
  /** the channel open was sent and not answered (no command sent) */
  | "channel"
  /** the exec request was sent and not answered: it may or may not run */
  | "exec"
  /** the command was running */
  | "run";

/**
 * What became of an interrupted command: `confirmed` = its process group is
 * gone from the node; `unconfirmed` = it may still run (the node's state is
 * unknown; keep the node locked); `not-started` = nothing reached the node.
 */
export type KillOutcome = "confirmed" | "unconfirmed" | "not-started";

export type ExecResult = {
  stdout: string;
  stderr: string;
  code: number | null;
  signal?: string;
  timedOut: boolean;
  /** the caller's signal aborted the command (exec throws SshCancelledError with this result) */
  cancelled?: boolean;
  /** set when timed out or cancelled: where the command was at that moment */
  phase?: ExecPhase;
  /** set when timed out or cancelled */
  killed?: KillOutcome;
  truncated: boolean;
  durationMs: number;
};

export type ExecOptions = {
  stdin?: string | Buffer;
  /** the whole budget in ms, from the call: connection, channel slot, channel open, exec and run (default 60 000) */
  timeoutMs?: number;
  /** aborts the command (its process group is killed on the node); defaults to the ambient job signal (scope.ts) */
  signal?: AbortSignal;
  maxStdout?: number;
  maxStderr?: number;
  rollout?: boolean;
  /** a file push: the line may write only inside this deploy dir (guardrails' final check) */
  deployDir?: DeployDir;
  /** reject with SshTimeoutError instead of resolving with `timedOut: true` (the remote work is killed either way) */
  throwOnTimeout?: boolean;
  /** live output: each complete stdout line as it arrives, redacted (the result still holds the whole output) */
  onLine?: (line: string) => void;
};

/** The command outlived its timeout; its remote process group was killed (see `partial.killed`). */
export class SshTimeoutError extends Error {
  constructor(
    readonly host: string,
    readonly timeoutMs: number,
    readonly partial: ExecResult,
  ) {
    super(`command on ${host} did not finish within ${timeoutMs} ms (${describeInterruption(partial)})`);
    this.name = "SshTimeoutError";
  }
}

/** The caller's signal aborted the command; its remote process group was killed (see `partial.killed`). */
export class SshCancelledError extends Error {
  constructor(
    readonly host: string,
    readonly partial: ExecResult,
  ) {
    super(`command on ${host} was cancelled (${describeInterruption(partial)})`);
    this.name = "SshCancelledError";
  }
}

const PHASE_TEXT: Record<ExecPhase, string> = {
  connect: "still connecting",
  slot: "still waiting for a free channel",
  channel: "the node did not open a channel",
  exec: "the node did not answer the exec request",
  run: "while it ran",
};

/** A one-line account of an interrupted command: its phase and whether it is known to be gone. */
export function describeInterruption(r: Pick<ExecResult, "phase" | "killed">): string {
  const phase = r.phase ? PHASE_TEXT[r.phase] : "unknown phase";
  const killed =
    r.killed === "confirmed" ? "its processes were killed and are gone" : r.killed === "not-started" ? "nothing ran on the node" : "k2ops could not confirm that it stopped: the node's state is unknown";
  return `${phase}; ${killed}`;
}

/** Host key events for the caller's audit (the Prisma store audits as well). */
export type HostKeyEvent =
  | { type: "pinned"; host: string; fingerprint: string; algorithm: string }
  | { type: "mismatch"; host: string; expectedFingerprint: string; presentedFingerprint: string; algorithm: string }
  | { type: "new_key_type"; host: string; presentedFingerprint: string; algorithm: string; pinnedAlgorithms: string[] };

export class SshUnreachableError extends Error {
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(message);
    this.name = "SshUnreachableError";
  }
}

export class SshAuthError extends Error {
  constructor(readonly host: string) {
    super(`SSH authentication to ${host} failed (key not accepted)`);
    this.name = "SshAuthError";
  }
}

export type SshEngineOptions = {
  privateKey: string | Buffer;
  user?: string;
  port?: number;
  connectTimeoutMs?: number;
  maxHandshakes?: number;
  maxChannelsPerConn?: number;
  keepaliveMs?: number;
  /** the budget in ms for killing an interrupted command's process group and confirming it is gone (default 10 000) */
  killTimeoutMs?: number;
  /**
   * ms a pooled connection may stay idle (no command using or waiting for it)
   * before it is closed (default 60 000; 0 = never closed for idleness). The
   * node's next command opens a new connection.
   */
  idleTimeoutMs?: number;
  /**
   * the most idle pooled connections kept open (default 256; Infinity = no cap,
   * 0 = none: a connection is closed as soon as its last command ends). Beyond
   * it the least recently used idle connections are closed at once. Busy
   * connections do not count and are never closed.
   */
  maxIdleConnections?: number;
  hostKeys: HostKeyStore;
  onHostKeyEvent?: (e: HostKeyEvent) => void;
};

/** The deadline passed or the caller cancelled before the command reached the node. */
class Interrupted extends Error {}

class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  /** Resolves with a release function; rejects with Interrupted when `signal` aborts first (the place in line is given up). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new Interrupted();
    if (this.free > 0) this.free--;
    else {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = this.waiting.indexOf(waiter);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(new Interrupted());
        };
        const waiter = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        this.waiting.push(waiter);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

/** Resolves with `p`, or rejects with Interrupted as soon as `signal` aborts (`p` goes on in the background). */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Interrupted());
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** POSIX single quotes: nothing inside is interpreted. */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const PGID_MARK = "k2ops-pgid:";
const PGID_LINE = /k2ops-pgid:(\d{1,10}):(\d{1,10})\r?\n/;

const WRAP_HEAD = `exec setsid -w sh -c 'printf "${PGID_MARK}%s:%s\\n" "$$" "$$" >&2; s="\${SHELL:-/bin/sh}"; exec "\${s##*/}" -c "$1"' k2ops `;

/**
 * A one-line command runs as the session leader of a new session (so in its
 * own process group), in the user's shell started as sshd starts it (argv[0]
 * is its base name, as in "bash: line 1: …"), after printing its group and
 * process id. `setsid -w` forks when it must and passes the exit status on.
 */
export function wrapLine(command: string): string {
  return WRAP_HEAD + shQuote(command);
}

/**
 * The command k2ops meant, from a line as it arrived on a node (e.g. a node's
 * command log): one-line commands are sent inside the process-group wrapper.
 * Any other line is returned as it is.
 */
export function unwrappedCommand(line: string): string {
  if (!line.startsWith(WRAP_HEAD)) return line;
  const q = line.slice(WRAP_HEAD.length);
  if (!/^'(?:[^']|'\\'')*'$/.test(q)) return line;
  return q.slice(1, -1).replace(/'\\''/g, "'");
}

// A stdin script keeps its `bash -s` command line: its first line reports the
// group it runs in (sshd made the shell a session leader; sudo with use_pty
// gives the command its own group, without it the group is sudo's own).
const SCRIPT_PRELUDE = `read -r k2ops_1 k2ops_2 k2ops_3 k2ops_4 k2ops_pg k2ops_5 < /proc/$$/stat; printf '${PGID_MARK}%s:%s\\n' "$k2ops_pg" "$$" >&2; unset k2ops_1 k2ops_2 k2ops_3 k2ops_4 k2ops_pg k2ops_5\n`;

// The kill, on stdin to `sh -s -- <pgid> <pid>` (`sudo -n` when the command
// used sudo). It gathers the group's members and every descendant of the
// command (sudo puts its child in a session of its own), sends TERM, waits up
// to 2 s, sends KILL to what is left, and prints whether anything survived.
// Zombies count as gone: they run nothing and their parent or init reaps them.
const KILL_SCRIPT = [
  `P=$1; W=$2; S=" $W "; L=""`,
  `scan() {`,
  `  n=1; i=0`,
  `  while [ $n -gt 0 ] && [ $i -lt 12 ]; do`,
  `    n=0; i=$((i+1)); L=""`,
  `    for f in /proc/[0-9]*/stat; do`,
  `      read -r l < "$f" 2>/dev/null || continue`,
  `      p=\${f#/proc/}; p=\${p%/stat}; r=\${l##*")"}`,
  `      set -- $r`,
  `      [ "$1" = Z ] && continue`,
  `      case "$S" in *" $p "*) L="$L $p"; continue;; esac`,
  `      case "$S" in *" $2 "*) S="$S$p "; L="$L $p"; n=$((n+1)); continue;; esac`,
  `      if [ "$3" = "$P" ]; then S="$S$p "; L="$L $p"; n=$((n+1)); fi`,
  `    done`,
  `  done`,
  `}`,
  `scan`,
  `if [ -n "$L" ]; then`,
  `  kill -TERM -$P 2>/dev/null; kill -TERM $L 2>/dev/null`,
  `  i=0; while [ $i -lt 20 ]; do sleep 0.1; scan; [ -z "$L" ] && break; i=$((i+1)); done`,
  `fi`,
  `if [ -n "$L" ]; then`,
  `  kill -KILL -$P 2>/dev/null; kill -KILL $L 2>/dev/null`,
  `  i=0; while [ $i -lt 10 ]; do sleep 0.1; scan; [ -z "$L" ] && break; i=$((i+1)); done`,
  `fi`,
  `if [ -z "$L" ]; then echo k2ops-kill:gone; else echo "k2ops-kill:alive$L"; exit 1; fi`,
  ``,
].join("\n");

type RemoteGroup = { pgid: number; pid: number };

type Conn = {
  key: string;
  client: Client;
  ready: Promise<void>;
  channels: Semaphore;
  /** channels in use */
  active: number;
  broken: boolean;
  /** commands holding the connection: waiting for it to connect, for a channel slot, or running (0 = idle) */
  users: number;
  /** set while idle: closes the connection after idleTimeoutMs */
  idleTimer?: NodeJS.Timeout;
};

/** The longest delay setTimeout honours (a larger one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How `run` sends a command: wrapped on its line, or with the prelude on stdin (a script), or as it is (the kill). */
type Wrap = "line" | "stdin" | "none";

export class SshEngine {
  private readonly pool = new Map<string, Conn>();
  /** the pooled connections nobody uses, least recently used first (Map keeps insertion order) */
  private readonly idle = new Map<string, Conn>();
  private readonly handshakes: Semaphore;
  private readonly opts: Required<Omit<SshEngineOptions, "hostKeys" | "privateKey" | "onHostKeyEvent">> & Pick<SshEngineOptions, "hostKeys" | "privateKey" | "onHostKeyEvent">;
  /** connections opened so far (tests and benchmarks read it) */
  connectionsOpened = 0;
  /** idle connections closed so far: after idleTimeoutMs, and beyond maxIdleConnections */
  private reapedIdle = 0;
  private reapedOverCap = 0;

  constructor(opts: SshEngineOptions) {
    this.opts = {
      user: "ubuntu",
      port: 1022,
      connectTimeoutMs: 10_000,
      maxHandshakes: 32,
      maxChannelsPerConn: 8,
      keepaliveMs: 15_000,
      killTimeoutMs: 10_000,
      idleTimeoutMs: 60_000,
      maxIdleConnections: 256,
      ...opts,
    };
    for (const k of ["idleTimeoutMs", "maxIdleConnections"] as const) {
      const v = this.opts[k];
      if (!(v >= 0)) throw new Error(`SshEngine: ${k} must be a number >= 0 (got ${v})`);
    }
    registerSecret(typeof opts.privateKey === "string" ? opts.privateKey : opts.privateKey.toString("utf8"));
    this.handshakes = new Semaphore(this.opts.maxHandshakes);
  }

  private emit(e: HostKeyEvent): void {
    try {
      this.opts.onHostKeyEvent?.(e);
    } catch {
      /* an audit hook must not break the connection logic */
    }
  }

  private targetKey(t: SshTarget): string {
    return `${t.user ?? this.opts.user}@${t.host}:${t.port ?? this.opts.port}`;
  }

  /** Opens and authenticates a connection, verifying the host key (TOFU, per key type). */
  private async connect(t: SshTarget): Promise<Client> {
    const release = await this.handshakes.acquire();
    const host = t.host;
    const client = new Client();
    // late errors (after a timeout already settled the attempt) must not crash the process
    client.on("error", () => undefined);
    let hostKeyError: Error | null = null;
    try {
      const pinned = await this.opts.hostKeys.list(host);
      // ask for the pinned types first: a node that also offers another type
      // is then judged by its pinned key, not by whichever type ssh2 prefers
      const serverHostKey = preferredHostKeyAlgorithms(pinned) as ServerHostKeyAlgorithm[] | undefined;
      await new Promise<void>((resolve, reject) => {
        const cfg: ConnectConfig = {
          host,
          port: t.port ?? this.opts.port,
          username: t.user ?? this.opts.user,
          privateKey: this.opts.privateKey,
          readyTimeout: this.opts.connectTimeoutMs,
          keepaliveInterval: this.opts.keepaliveMs,
          keepaliveCountMax: 3,
          ...(serverHostKey ? { algorithms: { serverHostKey } } : {}),
          hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
            const presented = describeKey(key);
            const j = judgeHostKey(pinned, presented);
            const decide = async (): Promise<boolean> => {
              if (j.verdict === "trusted") return true;
              if (j.verdict === "pin") {
                await this.opts.hostKeys.pin(host, presented);
                this.emit({ type: "pinned", host, fingerprint: presented.fingerprint, algorithm: presented.algorithm });
                return true;
              }
              if (j.verdict === "changed") {
                hostKeyError = new HostKeyChangedError(host, j.expected.fingerprint, presented.fingerprint);
                await this.opts.hostKeys.recordMismatch(host, presented).catch(() => undefined);
                this.emit({ type: "mismatch", host, expectedFingerprint: j.expected.fingerprint, presentedFingerprint: presented.fingerprint, algorithm: presented.algorithm });
                return false;
              }
              const pinnedAlgorithms = pinned.map((k) => k.algorithm);
              hostKeyError = new HostKeyNewTypeError(host, presented, pinnedAlgorithms);
              await this.opts.hostKeys.recordNewKeyType(host, presented).catch(() => undefined);
              this.emit({ type: "new_key_type", host, presentedFingerprint: presented.fingerprint, algorithm: presented.algorithm, pinnedAlgorithms });
              return false;
            };
            decide().then(verify, () => verify(false));
          },
        };
        // a TCP connect that hangs (blackholed address) is bounded too
        const hard = setTimeout(() => {
          client.destroy();
          reject(new SshUnreachableError(host, `SSH to ${host} timed out after ${this.opts.connectTimeoutMs} ms`));
        }, this.opts.connectTimeoutMs + 2_000);
        client
          .once("ready", () => {
            clearTimeout(hard);
            resolve();
          })
          .once("error", (err: Error & { level?: string; code?: string }) => {
            clearTimeout(hard);
            if (hostKeyError) return reject(hostKeyError);
            if (err.level === "client-authentication") return reject(new SshAuthError(host));
            const msg = /Timed out while waiting for handshake/i.test(err.message)
              ? `SSH to ${host} timed out after ${this.opts.connectTimeoutMs} ms (no SSH banner)`
              : `SSH to ${host} failed: ${err.code ?? ""} ${err.message}`.replace(/\s+/g, " ");
            reject(new SshUnreachableError(host, redactText(msg)));
          })
          .connect(cfg);
      });
      this.connectionsOpened++;
      return client;
    } catch (e) {
      client.destroy();
      throw e;
    } finally {
      release();
    }
  }

  private getConn(t: SshTarget): Conn {
    const key = this.targetKey(t);
    const existing = this.pool.get(key);
    if (existing && !existing.broken) return existing;
    const conn: Conn = { key, client: null as unknown as Client, ready: Promise.resolve(), channels: new Semaphore(this.opts.maxChannelsPerConn), active: 0, broken: false, users: 0 };
    conn.ready = this.connect(t).then((client) => {
      conn.client = client;
      const drop = () => {
        conn.broken = true;
        this.unpool(conn);
      };
      client.on("close", drop);
      client.on("error", drop);
    });
    conn.ready.catch(() => {
      conn.broken = true;
      this.unpool(conn);
    });
    this.pool.set(key, conn);
    return conn;
  }

  /** Takes a connection out of the pool and out of the idle list (its idle timer stopped); it is not closed here. */
  private unpool(conn: Conn): void {
    if (this.pool.get(conn.key) === conn) this.pool.delete(conn.key);
    this.unidle(conn);
  }

  /** Takes a connection off the idle list and stops its idle timer. */
  private unidle(conn: Conn): void {
    if (this.idle.get(conn.key) === conn) this.idle.delete(conn.key);
    clearTimeout(conn.idleTimer);
    conn.idleTimer = undefined;
  }

  /** A command takes the connection (before waiting for it): it is busy, never reaped, until `unhold`. */
  private hold(conn: Conn): void {
    conn.users++;
    this.unidle(conn);
  }

  /** A command is done with the connection: the last one leaves it idle (most recently used), then the idle limits apply. */
  private unhold(conn: Conn): void {
    conn.users--;
    if (conn.users > 0 || conn.broken || this.pool.get(conn.key) !== conn) return;
    this.idle.set(conn.key, conn);
    const ms = this.opts.idleTimeoutMs;
    if (ms > 0 && Number.isFinite(ms)) {
      conn.idleTimer = setTimeout(() => this.reap(conn, "idle"), Math.min(ms, MAX_TIMER_MS));
      conn.idleTimer.unref();
    }
    // over the cap: the least recently used idle connections go at once (this one last)
    while (this.idle.size > this.opts.maxIdleConnections) {
      const oldest = this.idle.values().next().value as Conn;
      this.reap(oldest, "cap");
    }
  }

  /** Closes an idle pooled connection (idle too long, or over the idle cap); the node's next command opens a new one. */
  private reap(conn: Conn, why: "idle" | "cap"): void {
    if (conn.users > 0 || this.pool.get(conn.key) !== conn) return;
    if (why === "idle") this.reapedIdle++;
    else this.reapedOverCap++;
    // nobody holds it, so no channel is open: retiring closes it now
    this.retire(conn);
  }

  /** A connection whose server left a channel unanswered is not reused; it is closed once its last channel is done. */
  private retire(conn: Conn): void {
    conn.broken = true;
    this.unpool(conn);
    if (conn.active === 0) conn.ready.then(() => conn.client.end()).catch(() => undefined);
  }

  /**
   * Runs one template-built command on a pooled connection, in its own process
   * group on the node. `timeoutMs` (default 60 000 ms) bounds the whole call;
   * when it passes, or `signal` aborts, the remote group is killed and the
   * result says in which phase and whether the kill was confirmed.
   * Resolves with `timedOut: true` on timeout (rejects with SshTimeoutError
   * when `throwOnTimeout`); rejects with SshCancelledError on cancel, with
   * SshUnreachableError / SshAuthError / HostKeyChangedError /
   * HostKeyNewTypeError when the node cannot be reached or trusted, and with
   * GuardrailViolation before anything is sent when the line is refused.
   */
  exec(t: SshTarget, command: SafeCommand, o: ExecOptions = {}): Promise<ExecResult> {
    return this.execAs(t, command, "line", o);
  }

  /**
   * A script on stdin: the remote command line is only `bash -s` (or
   * `sudo -n bash -s`). Timeouts, cancel and errors as for `exec`.
   */
  runScript(t: SshTarget, script: string, o: Omit<ExecOptions, "stdin"> & { sudo?: boolean } = {}): Promise<ExecResult> {
    // the script is checked like a command line (it is what runs); the rejection is synchronous-safe
    try {
      assertScriptAllowed(script, { rollout: o.rollout });
    } catch (e) {
      return Promise.reject(e);
    }
    return this.execAs(t, o.sudo ? cmd`sudo -n bash -s` : cmd`bash -s`, "stdin", { ...o, stdin: SCRIPT_PRELUDE + script });
  }

  private async execAs(t: SshTarget, command: SafeCommand, wrap: Wrap, o: ExecOptions): Promise<ExecResult> {
    assertAllowed(command, { rollout: o.rollout, deployDir: o.deployDir });
    const line = wrap === "line" ? wrapLine(command) : command;
    assertAllowed(line, { rollout: o.rollout, deployDir: o.deployDir });
    const started = performance.now();
    const timeoutMs = o.timeoutMs ?? 60_000;
    const signal = o.signal ?? ambientSignal();
    // sudo anywhere in the line or the script: the kill needs root too
    const sudo = /\bsudo\b/.test(command) || (typeof o.stdin === "string" && /\bsudo\b/.test(o.stdin));
    const stop = new AbortController();
    let reason: "timeout" | "cancelled" | null = null;
    const onCancel = () => {
      reason ??= "cancelled";
      stop.abort();
    };
    const timer = setTimeout(() => {
      reason ??= "timeout";
      stop.abort();
    }, timeoutMs);
    if (signal?.aborted) onCancel();
    else signal?.addEventListener("abort", onCancel, { once: true });
    let phase: ExecPhase = "connect";
    let res: ExecResult;
    try {
      const conn = this.getConn(t);
      this.hold(conn);
      try {
        await unlessAborted(conn.ready, stop.signal);
        phase = "slot";
        const release = await conn.channels.acquire(stop.signal);
        conn.active++;
        try {
          res = await this.run(t, conn, line, o, { wrap, sudo, stop: stop.signal, started });
        } finally {
          conn.active--;
          release();
          if (conn.broken && conn.active === 0) this.retire(conn);
        }
      } finally {
        this.unhold(conn);
      }
    } catch (e) {
      if (!(e instanceof Interrupted)) throw e;
      res = { stdout: "", stderr: "", code: null, timedOut: false, truncated: false, durationMs: performance.now() - started, phase, killed: "not-started" };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onCancel);
    }
    if (res.phase) {
      if (reason === "cancelled") res.cancelled = true;
      else res.timedOut = true;
      if (res.killed === "unconfirmed") reportUnconfirmedKill({ host: t.host, command, reason: reason ?? "timeout" });
      if (reason === "cancelled") throw new SshCancelledError(t.host, res);
      if (o.throwOnTimeout) throw new SshTimeoutError(t.host, timeoutMs, res);
    }
    return res;
  }

  /**
   * One channel: open, exec, collect. When `stop` aborts, the command is
   * interrupted: killed on the node if it runs, and the result carries
   * `phase` and `killed`. Rejects only when the channel cannot be opened.
   */
  private run(t: SshTarget, conn: Conn, line: string, o: ExecOptions, x: { wrap: Wrap; sudo: boolean; stop: AbortSignal; started: number }): Promise<ExecResult> {
    const client = conn.client;
    const maxOut = o.maxStdout ?? 1024 * 1024;
    const maxErr = o.maxStderr ?? 256 * 1024;
    return new Promise<ExecResult>((resolve, reject) => {
      let phase: "channel" | "exec" | "run" = "channel";
      let stream: ClientChannel | null = null;
      let settled = false;
      let interrupting = false;
      let closed = false;
      let group: RemoteGroup | null = null;
      let sentAt = performance.now();
      const out: Buffer[] = [];
      const errb: Buffer[] = [];
      let outLen = 0;
      let errLen = 0;
      let truncated = false;
      let code: number | null = null;
      let signal: string | undefined;
      // stderr is held back until the group line is seen (it comes first), so it never reaches the caller
      let head: Buffer | null = x.wrap === "none" ? null : Buffer.alloc(0);

      const finish = (extra: Partial<ExecResult> = {}) => {
        if (settled) return;
        settled = true;
        x.stop.removeEventListener("abort", onStop);
        if (head) pushErr(head);
        head = null;
        resolve({
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(errb).toString("utf8"),
          code,
          signal,
          timedOut: false,
          truncated,
          durationMs: performance.now() - x.started,
          ...extra,
        });
      };
      const pushErr = (d: Buffer) => {
        if (!d.length) return;
        if (errLen >= maxErr) return void (truncated = true);
        errb.push(d.subarray(0, maxErr - errLen));
        errLen += d.length;
        if (errLen > maxErr) truncated = true;
      };
      const onStderr = (d: Buffer) => {
        if (!head) return pushErr(d);
        head = Buffer.concat([head, d]);
        const text = head.toString("latin1");
        const m = PGID_LINE.exec(text);
        if (m) {
          const pgid = Number(m[1]);
          const pid = Number(m[2]);
          if (pgid > 1 && pid > 1) group = { pgid, pid };
          const rest = Buffer.concat([head.subarray(0, m.index), head.subarray(m.index + m[0].length)]);
          head = null;
          return pushErr(rest);
        }
        // no group line in the first 4 KB (an unusual shell): pass stderr on; a kill cannot be aimed then
        if (head.length > 4096) {
          const all = head;
          head = null;
          pushErr(all);
        }
      };

      const interrupt = async () => {
        if (settled || interrupting) return;
        interrupting = true;
        let killed: KillOutcome;
        // a server that sits on a request for a second or more is not trusted with more work
        const wedged = performance.now() - sentAt >= 1_000;
        if (phase === "channel") {
          // no exec was sent
          killed = "not-started";
          if (wedged) this.retire(conn);
        } else if (phase === "exec") {
          // the node may have started it without answering: state unknown
          killed = "unconfirmed";
          if (wedged) this.retire(conn);
        } else if (x.wrap === "none" || !group) {
          // the command had not reported its group yet: nothing can be aimed at
          killed = "unconfirmed";
        } else {
          killed = await this.killGroup(t, conn, group, x.sudo);
        }
        if (stream && !closed) {
          try {
            stream.signal("KILL");
          } catch {
            /* older servers ignore signal requests */
          }
          stream.close();
          // a server that never confirms the close must not hang us
          await new Promise<void>((r) => {
            if (closed) return r();
            stream!.once("close", () => r());
            setTimeout(r, 1_000).unref();
          });
        }
        finish({ phase, killed });
      };
      const onStop = () => void interrupt();

      // ssh2 reads `env` once the channel is open, just before it sends the
      // exec request: the only public hook that tells the two phases apart
      const env = new Proxy(
        {},
        {
          ownKeys: () => {
            if (phase === "channel") phase = "exec";
            return [];
          },
        },
      ) as NodeJS.ProcessEnv;
      try {
        sentAt = performance.now();
        client.exec(line, { env }, (err, ch) => {
          if (settled || interrupting) {
            // answered after we gave up on it
            if (!err) ch.close();
            return;
          }
          if (err) {
            settled = true;
            x.stop.removeEventListener("abort", onStop);
            return reject(new SshUnreachableError(t.host, redactText(`could not open an SSH channel to ${t.host}: ${err.message}`)));
          }
          phase = "run";
          stream = ch;
          const live = o.onLine ? new LineRedactor() : null;
          const emitLines = (text: string) => {
            for (const l of text.split("\n")) if (l) o.onLine!(l);
          };
          ch.on("data", (d: Buffer) => {
            if (live) emitLines(live.push(d));
            if (outLen >= maxOut) return void (truncated = true);
            out.push(d.subarray(0, maxOut - outLen));
            outLen += d.length;
            if (outLen > maxOut) truncated = true;
          });
          ch.stderr.on("data", onStderr);
          ch.on("exit", (c: number | null, sig?: string) => {
            code = typeof c === "number" ? c : null;
            if (sig) signal = sig;
          });
          const onClose = () => {
            closed = true;
            if (live) emitLines(live.end());
            if (!interrupting) finish();
          };
          ch.on("close", onClose);
          ch.on("error", onClose);
          if (o.stdin !== undefined) ch.end(o.stdin);
          else ch.end();
        });
      } catch (e) {
        // the connection went away between the pool lookup and now
        settled = true;
        return reject(new SshUnreachableError(t.host, redactText(`could not open an SSH channel to ${t.host}: ${(e as Error).message}`)));
      }
      if (x.stop.aborted) onStop();
      else x.stop.addEventListener("abort", onStop, { once: true });
    });
  }

  /**
   * Kills a command's process group (and its descendants) over a second
   * channel, outside the slot limit, and checks that nothing of it is left.
   * Never throws: anything short of the node's "gone" is `unconfirmed`.
   */
  private async killGroup(t: SshTarget, conn: Conn, g: RemoteGroup, sudo: boolean): Promise<"confirmed" | "unconfirmed"> {
    const args = [Arg.of(String(g.pgid)), Arg.of(String(g.pid))] as const;
    const line = sudo ? cmd`sudo -n sh -s -- ${args[0]} ${args[1]}` : cmd`sh -s -- ${args[0]} ${args[1]}`;
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), this.opts.killTimeoutMs);
    try {
      for (;;) {
        const use = conn.broken ? this.getConn(t) : conn;
        this.hold(use);
        try {
          await unlessAborted(use.ready, stop.signal);
          use.active++;
          try {
            const r = await this.run(t, use, line, { stdin: KILL_SCRIPT }, { wrap: "none", sudo: false, stop: stop.signal, started: performance.now() });
            return !r.phase && r.code === 0 && /^k2ops-kill:gone$/m.test(r.stdout) ? "confirmed" : "unconfirmed";
          } finally {
            use.active--;
            if (use.broken && use.active === 0) this.retire(use);
          }
        } catch (e) {
          // the node refused a channel (its sessions are all taken by commands being killed): try again shortly
          if (!(e instanceof SshUnreachableError) || stop.signal.aborted) return "unconfirmed";
          await new Promise((r) => setTimeout(r, 250));
          if (stop.signal.aborted) return "unconfirmed";
        } finally {
          this.unhold(use);
        }
      }
    } catch {
      return "unconfirmed";
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A live stream (docker logs -f) on its own connection. On abort its
   * process group is killed (best effort) and the connection closed.
   * Rejects as `exec` does when the node cannot be reached or trusted.
   */
  async stream(t: SshTarget, command: SafeCommand, o: { signal: AbortSignal; onData: (chunk: string, stream: "stdout" | "stderr") => void }): Promise<{ code: number | null }> {
    assertAllowed(command);
    const client = await this.connect(t);
    try {
      return await new Promise((resolve, reject) => {
        client.exec(wrapLine(command), (err, stream) => {
          if (err) return reject(err);
          let group: RemoteGroup | null = null;
          let head: string | null = "";
          let killing: Promise<unknown> = Promise.resolve();
          const stop = () => {
            const g = group;
            if (!g) return void stream.close();
            // the stream's own connection, outside the pool
            const conn: Conn = { key: "", client, ready: Promise.resolve(), channels: new Semaphore(1), active: 0, broken: false, users: 0 };
            killing = this.killGroup(t, conn, g, /\bsudo\b/.test(command)).finally(() => stream.close());
          };
          o.signal.addEventListener("abort", stop, { once: true });
          let code: number | null = null;
          // whole lines only: a secret split across two writes is still masked
          const out = new LineRedactor();
          const err2 = new LineRedactor();
          const emit = (text: string, s: "stdout" | "stderr") => void (text && o.onData(text, s));
          stream.on("data", (d: Buffer) => emit(out.push(d), "stdout"));
          stream.stderr.on("data", (d: Buffer) => {
            if (head === null) return emit(err2.push(d), "stderr");
            head += d.toString("latin1");
            const m = PGID_LINE.exec(head);
            if (!m && head.length < 4096) return;
            if (m) group = { pgid: Number(m[1]), pid: Number(m[2]) };
            const rest = m ? head.slice(0, m.index) + head.slice(m.index + m[0].length) : head;
            head = null;
            if (rest) emit(err2.push(Buffer.from(rest, "latin1")), "stderr");
          });
          stream.on("exit", (c: number | null) => (code = c));
          stream.on("close", () => {
            emit(out.end(), "stdout");
            emit(err2.end(), "stderr");
            o.signal.removeEventListener("abort", stop);
            // the kill runs on this connection: let it finish before the connection is ended
            void killing.then(() => resolve({ code }));
          });
          stream.end();
          if (o.signal.aborted) stop();
        });
      });
    } finally {
      client.end();
    }
  }

  /**
   * The pool: `connections` counts pooled connections (connecting or ready;
   * live streams have their own, unpooled ones), `idleConnections` those no
   * command uses or waits for (at most maxIdleConnections), `busyChannels` the
   * channels in use across them; `reaped` the idle connections closed so far,
   * `reapedIdle` of them after idleTimeoutMs, `reapedOverCap` beyond
   * maxIdleConnections (least recently used first). Busy connections are never
   * reaped or recycled.
   */
  stats(): { connections: number; idleConnections: number; busyChannels: number; reaped: number; reapedIdle: number; reapedOverCap: number } {
    let busy = 0;
    let idle = 0;
    for (const c of this.pool.values()) {
      busy += c.active;
      if (c.active === 0 && !c.users) idle++;
    }
    return { connections: this.pool.size, idleConnections: idle, busyChannels: busy, reaped: this.reapedIdle + this.reapedOverCap, reapedIdle: this.reapedIdle, reapedOverCap: this.reapedOverCap };
  }

  /** Drops a node's idle connection (e.g. after a host key was cleared). Busy connections (in use or awaited) are left alone. */
  forget(t: SshTarget): void {
    const c = this.pool.get(this.targetKey(t));
    if (c && c.users === 0) {
      this.unpool(c);
      c.broken = true;
      c.ready.then(() => c.client.end()).catch(() => undefined);
    }
  }

  /** Closes every pooled connection (busy ones too) and stops the idle timers. */
  async closeAll(): Promise<void> {
    const conns = [...this.pool.values()];
    for (const c of conns) {
      this.unpool(c);
      c.broken = true;
    }
    this.idle.clear();
    await Promise.all(conns.map((c) => c.ready.then(() => c.client.end()).catch(() => undefined)));
  }
}
