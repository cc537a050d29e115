// The SSH engine's public vocabulary: targets, options, a command's result and the phase it was
// interrupted in, host-key events, and the errors the engine rejects with.
import { sameAcrossBundles } from "@/lib/errors";
import type { DeployDir } from "@/lib/guardrails/command";
import type { HostKeyStore } from "./host-keys";

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
sameAcrossBundles(SshTimeoutError, "SshTimeoutError");

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
sameAcrossBundles(SshCancelledError, "SshCancelledError");

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
sameAcrossBundles(SshUnreachableError, "SshUnreachableError");

export class SshAuthError extends Error {
  constructor(readonly host: string) {
    super(`SSH authentication to ${host} failed (key not accepted)`);
    this.name = "SshAuthError";
  }
}
sameAcrossBundles(SshAuthError, "SshAuthError");

export type SshEngineOptions = {
  privateKey: string | Buffer;
  user?: string;
  port?: number;
  connectTimeoutMs?: number;
  /** handshakes in progress at once, across nodes (default 256: a fleet job's widest; more wait their turn) */
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
