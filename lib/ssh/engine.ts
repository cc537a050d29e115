import type { ClientChannel } from "ssh2";
import { Arg, assertAllowed, assertScriptAllowed, cmd, type SafeCommand } from "@/lib/guardrails/command";
import { redactText } from "@/lib/redact";
import { LineRedactor } from "@/lib/redact/stream";
import { ambientSignal, reportUnconfirmedKill } from "./scope";
import { SshCancelledError, SshTimeoutError, SshUnreachableError, type ExecOptions, type ExecPhase, type ExecResult, type KillOutcome, type SshTarget } from "./engine-types";
import { KILL_SCRIPT, PGID_LINE, SCRIPT_PRELUDE, wrapLine, type RemoteGroup } from "./process-group";
import { Interrupted, Semaphore, SshPool, unlessAborted, type Conn } from "./pool";

export type { SshTarget, ExecPhase, KillOutcome, ExecResult, ExecOptions, HostKeyEvent, SshEngineOptions } from "./engine-types";
export { SshTimeoutError, SshCancelledError, describeInterruption, SshUnreachableError, SshAuthError } from "./engine-types";
export { wrapLine, unwrappedCommand } from "./process-group";

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
//
// Modules: engine-types.ts (targets, results, errors), process-group.ts (the
// wrapper and the kill script), pool.ts (connections, host keys, idle reaping);
// this file runs commands, scripts and streams on them.

/** How `run` sends a command: wrapped on its line, or with the prelude on stdin (a script), or as it is (the kill). */
type Wrap = "line" | "stdin" | "none";

export class SshEngine extends SshPool {
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

}
