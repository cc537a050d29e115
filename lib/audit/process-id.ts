import crypto from "node:crypto";
import os from "node:os";

const g = globalThis as unknown as { k2opsProcessId?: string };

/** This console process's id (audit intents, job steps): K2OPS_INSTANCE_ID, else host:pid:random, fixed for the process's life. */
export function consoleProcessId(): string {
  g.k2opsProcessId ??= process.env.K2OPS_INSTANCE_ID ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString("hex")}`;
  return g.k2opsProcessId;
}
