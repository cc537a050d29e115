// The SSH engine's connection pool (base of SshEngine): connecting with host-key verification
// (TOFU, per key type), a global handshake cap, per-connection channel slots, idle reaping.
import { Client, type ConnectConfig, type ServerHostKeyAlgorithm } from "ssh2";
import { registerSecret, redactText } from "@/lib/redact";
import { HostKeyChangedError, HostKeyNewTypeError, describeKey, judgeHostKey, preferredHostKeyAlgorithms } from "./host-keys";
import { SshAuthError, SshUnreachableError, type HostKeyEvent, type SshEngineOptions, type SshTarget } from "./engine-types";

/** The deadline passed or the caller cancelled before the command reached the node. */
export class Interrupted extends Error {}

export class Semaphore {
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
export function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Interrupted());
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

export type Conn = {
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
export const MAX_TIMER_MS = 2 ** 31 - 1;


export class SshPool {
  private readonly pool = new Map<string, Conn>();
  /** the pooled connections nobody uses, least recently used first (Map keeps insertion order) */
  private readonly idle = new Map<string, Conn>();
  private readonly handshakes: Semaphore;
  protected readonly opts: Required<Omit<SshEngineOptions, "hostKeys" | "privateKey" | "onHostKeyEvent">> & Pick<SshEngineOptions, "hostKeys" | "privateKey" | "onHostKeyEvent">;
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
      // a fleet job's widest (MAX_CONCURRENCY in lib/jobs): a handshake is ~7 round trips of waiting and 2-4 ms of CPU
      maxHandshakes: 256,
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
  protected async connect(t: SshTarget): Promise<Client> {
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
          // the key straight away: ssh2's default asks with "none" first, one round trip (50-300 ms) for nothing
          authHandler: ["publickey"],
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

  protected getConn(t: SshTarget): Conn {
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
  protected hold(conn: Conn): void {
    conn.users++;
    this.unidle(conn);
  }

  /** A command is done with the connection: the last one leaves it idle (most recently used), then the idle limits apply. */
  protected unhold(conn: Conn): void {
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
  protected retire(conn: Conn): void {
    conn.broken = true;
    this.unpool(conn);
    if (conn.active === 0) conn.ready.then(() => conn.client.end()).catch(() => undefined);
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
