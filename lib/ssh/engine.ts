import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import { assertAllowed, cmd, type DeployDir, type SafeCommand } from "@/lib/guardrails/command";
import { redactText, registerSecret } from "@/lib/redact";
import { LineRedactor } from "@/lib/redact/stream";
import { HostKeyChangedError, describeKey, type HostKeyStore } from "./host-keys";

// The SSH engine: one pooled connection per node for short commands (at most
// 8 channels at once; OpenSSH's MaxSessions is 10), a separate connection per
// live stream, a global cap on concurrent handshakes, connect/command
// timeouts and output caps. Secrets and scripts travel on stdin only; every
// command line passes the guardrails' final check before it is sent.

export type SshTarget = { host: string; port?: number; user?: string };

export type ExecResult = {
  stdout: string;
  stderr: string;
  code: number | null;
  signal?: string;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
};

export type ExecOptions = {
  stdin?: string | Buffer;
  timeoutMs?: number;
  maxStdout?: number;
  maxStderr?: number;
  rollout?: boolean;
  /** a file push: the line may write only inside this deploy dir (guardrails' final check) */
  deployDir?: DeployDir;
  /** reject with SshTimeoutError instead of resolving with `timedOut: true` (the channel is closed either way) */
  throwOnTimeout?: boolean;
};

/** The command outlived its timeout; its channel was signalled and closed. */
export class SshTimeoutError extends Error {
  constructor(
    readonly host: string,
    readonly timeoutMs: number,
    readonly partial: ExecResult,
  ) {
    super(`command on ${host} did not finish within ${timeoutMs} ms; its channel was closed`);
    this.name = "SshTimeoutError";
  }
}

/** Host key events for the caller's audit (the Prisma store audits as well). */
export type HostKeyEvent =
  | { type: "pinned"; host: string; fingerprint: string; algorithm: string }
  | { type: "mismatch"; host: string; expectedFingerprint: string; presentedFingerprint: string; algorithm: string };

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
  hostKeys: HostKeyStore;
  onHostKeyEvent?: (e: HostKeyEvent) => void;
};

class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiting.push(r));
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

type Conn = { key: string; client: Client; ready: Promise<void>; channels: Semaphore; active: number; broken: boolean };

export class SshEngine {
  private readonly pool = new Map<string, Conn>();
  private readonly handshakes: Semaphore;
  private readonly opts: Required<Omit<SshEngineOptions, "hostKeys" | "privateKey" | "onHostKeyEvent">> & Pick<SshEngineOptions, "hostKeys" | "privateKey" | "onHostKeyEvent">;
  /** connections opened so far (tests and benchmarks read it) */
  connectionsOpened = 0;

  constructor(opts: SshEngineOptions) {
    this.opts = {
      user: "ubuntu",
      port: 1022,
      connectTimeoutMs: 10_000,
      maxHandshakes: 32,
      maxChannelsPerConn: 8,
      keepaliveMs: 15_000,
      ...opts,
    };
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

  /** Opens and authenticates a connection, verifying the host key (TOFU). */
  private async connect(t: SshTarget): Promise<Client> {
    const release = await this.handshakes.acquire();
    const host = t.host;
    const client = new Client();
    // late errors (after a timeout already settled the attempt) must not crash the process
    client.on("error", () => undefined);
    let hostKeyError: HostKeyChangedError | null = null;
    try {
      await new Promise<void>((resolve, reject) => {
        const cfg: ConnectConfig = {
          host,
          port: t.port ?? this.opts.port,
          username: t.user ?? this.opts.user,
          privateKey: this.opts.privateKey,
          readyTimeout: this.opts.connectTimeoutMs,
          keepaliveInterval: this.opts.keepaliveMs,
          keepaliveCountMax: 3,
          hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
            const presented = describeKey(key);
            this.opts.hostKeys
              .get(host)
              .then(async (pinned) => {
                if (!pinned) {
                  await this.opts.hostKeys.pin(host, presented);
                  this.emit({ type: "pinned", host, fingerprint: presented.fingerprint, algorithm: presented.algorithm });
                  return verify(true);
                }
                if (pinned.fingerprint === presented.fingerprint) return verify(true);
                hostKeyError = new HostKeyChangedError(host, pinned.fingerprint, presented.fingerprint);
                await this.opts.hostKeys.recordMismatch(host, presented).catch(() => undefined);
                this.emit({ type: "mismatch", host, expectedFingerprint: pinned.fingerprint, presentedFingerprint: presented.fingerprint, algorithm: presented.algorithm });
                verify(false);
              })
              .catch(() => verify(false));
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
    const conn: Conn = { key, client: null as unknown as Client, ready: Promise.resolve(), channels: new Semaphore(this.opts.maxChannelsPerConn), active: 0, broken: false };
    conn.ready = this.connect(t).then((client) => {
      conn.client = client;
      const drop = () => {
        conn.broken = true;
        if (this.pool.get(key) === conn) this.pool.delete(key);
      };
      client.on("close", drop);
      client.on("error", drop);
    });
    conn.ready.catch(() => {
      conn.broken = true;
      if (this.pool.get(key) === conn) this.pool.delete(key);
    });
    this.pool.set(key, conn);
    return conn;
  }

  /** Runs one template-built command on a pooled connection. */
  async exec(t: SshTarget, command: SafeCommand, o: ExecOptions = {}): Promise<ExecResult> {
    assertAllowed(command, { rollout: o.rollout, deployDir: o.deployDir });
    const conn = this.getConn(t);
    await conn.ready;
    const release = await conn.channels.acquire();
    conn.active++;
    try {
      const res = await this.run(conn.client, command, o);
      if (res.timedOut && o.throwOnTimeout) throw new SshTimeoutError(t.host, o.timeoutMs ?? 60_000, res);
      return res;
    } finally {
      conn.active--;
      release();
    }
  }

  /** A script on stdin: the remote command line is only `bash -s` (or `sudo -n bash -s`). */
  runScript(t: SshTarget, script: string, o: Omit<ExecOptions, "stdin"> & { sudo?: boolean } = {}): Promise<ExecResult> {
    return this.exec(t, o.sudo ? cmd`sudo -n bash -s` : cmd`bash -s`, { ...o, stdin: script });
  }

  private run(client: Client, command: string, o: ExecOptions): Promise<ExecResult> {
    const started = performance.now();
    const timeoutMs = o.timeoutMs ?? 60_000;
    const maxOut = o.maxStdout ?? 1024 * 1024;
    const maxErr = o.maxStderr ?? 256 * 1024;
    return new Promise<ExecResult>((resolve, reject) => {
      client.exec(command, (err, stream: ClientChannel) => {
        if (err) return reject(new SshUnreachableError("", redactText(`could not open an SSH channel: ${err.message}`)));
        const out: Buffer[] = [];
        const errb: Buffer[] = [];
        let outLen = 0;
        let errLen = 0;
        let truncated = false;
        let code: number | null = null;
        let signal: string | undefined;
        let timedOut = false;
        let settled = false;
        const finish = () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            stdout: Buffer.concat(out).toString("utf8"),
            stderr: Buffer.concat(errb).toString("utf8"),
            code,
            signal,
            timedOut,
            truncated,
            durationMs: performance.now() - started,
          });
        };
        const timer = setTimeout(() => {
          timedOut = true;
          try {
            stream.signal("KILL");
          } catch {
            /* older servers ignore signal requests */
          }
          stream.close();
          // a server that never confirms the close must not hang us
          setTimeout(finish, 1_000).unref();
        }, timeoutMs);
        stream.on("data", (d: Buffer) => {
          if (outLen >= maxOut) return void (truncated = true);
          out.push(d.subarray(0, maxOut - outLen));
          outLen += d.length;
          if (outLen > maxOut) truncated = true;
        });
        stream.stderr.on("data", (d: Buffer) => {
          if (errLen >= maxErr) return void (truncated = true);
          errb.push(d.subarray(0, maxErr - errLen));
          errLen += d.length;
          if (errLen > maxErr) truncated = true;
        });
        stream.on("exit", (c: number | null, sig?: string) => {
          code = typeof c === "number" ? c : null;
          if (sig) signal = sig;
        });
        stream.on("close", finish);
        stream.on("error", () => finish());
        if (o.stdin !== undefined) stream.end(o.stdin);
        else stream.end();
      });
    });
  }

  /** A live stream (docker logs -f) on its own connection, closed on abort. */
  async stream(t: SshTarget, command: SafeCommand, o: { signal: AbortSignal; onData: (chunk: string, stream: "stdout" | "stderr") => void }): Promise<{ code: number | null }> {
    assertAllowed(command);
    const client = await this.connect(t);
    try {
      return await new Promise((resolve, reject) => {
        client.exec(command, (err, stream) => {
          if (err) return reject(err);
          const stop = () => stream.close();
          o.signal.addEventListener("abort", stop, { once: true });
          let code: number | null = null;
          // whole lines only: a secret split across two writes is still masked
          const out = new LineRedactor();
          const err2 = new LineRedactor();
          const emit = (text: string, s: "stdout" | "stderr") => void (text && o.onData(text, s));
          stream.on("data", (d: Buffer) => emit(out.push(d), "stdout"));
          stream.stderr.on("data", (d: Buffer) => emit(err2.push(d), "stderr"));
          stream.on("exit", (c: number | null) => (code = c));
          stream.on("close", () => {
            emit(out.end(), "stdout");
            emit(err2.end(), "stderr");
            o.signal.removeEventListener("abort", stop);
            resolve({ code });
          });
          stream.end();
        });
      });
    } finally {
      client.end();
    }
  }

  /** Open connections and their busy channels (never recycled while busy). */
  stats(): { connections: number; busyChannels: number } {
    let busy = 0;
    for (const c of this.pool.values()) busy += c.active;
    return { connections: this.pool.size, busyChannels: busy };
  }

  /** Drops a node's idle connection (e.g. after a host key was cleared). Busy connections are left alone. */
  forget(t: SshTarget): void {
    const c = this.pool.get(this.targetKey(t));
    if (c && c.active === 0) {
      this.pool.delete(c.key);
      c.ready.then(() => c.client.end()).catch(() => undefined);
    }
  }

  async closeAll(): Promise<void> {
    const conns = [...this.pool.values()];
    this.pool.clear();
    await Promise.all(conns.map((c) => c.ready.then(() => c.client.end()).catch(() => undefined)));
  }
}
