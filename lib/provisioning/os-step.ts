import { setTimeout as wait } from "node:timers/promises";
import fs from "node:fs";
import path from "node:path";
import { db } from "@/lib/db";
import { ActionFailure } from "@/lib/errors";
import { cmd } from "@/lib/guardrails/command";
import { HostKeyChangedError, HostKeyNewTypeError } from "@/lib/ssh/host-keys";
import { SshAuthError, SshUnreachableError, type SshEngine } from "@/lib/ssh/engine";
import { msg, type Text } from "@/lib/text";
import type { VpsRecord } from "./create-vps";
import { redactedText } from "@/lib/redact/text";

// The wizard's step 4 (issue #14; provisioning.md Step 4): the new VPS made a
// k2s host. Wait for SSH on 22 (the first connection pins the host key: the
// pin is per address), run provision-node.sh as root on stdin with its output
// live (timeout), then continue on 1022 with the SAME pinned key — a different
// key after the port move is refused like any changed key. Re-runnable: the
// script is idempotent, and a machine already on 1022 is reached there.

/** The script shipped with the deploy assets (node-behavior.md §8). */
export function provisionScript(): string {
  const file = path.resolve(process.cwd(), "deploy-assets/docker/scripts/provision-node.sh");
  return fs.readFileSync(file, "utf8");
}

export type OsStepDeps = {
  ssh: SshEngine;
  signal?: AbortSignal;
  progress?: (line: string) => Promise<void> | void;
  /** how long the machine may take to answer SSH on 22 after it runs (ms, default 5 minutes) */
  sshWaitMs?: number;
  /** the script's budget (ms, default 20 minutes: apt on a slow mirror) */
  scriptTimeoutMs?: number;
  /** between SSH attempts (ms, default 3,000) */
  retryMs?: number;
  /** the SSH user of a fresh machine (default the engine's) */
  user?: string;
};

export type OsStepResult = { summary: Text; ports: { before: number; after: number }; warnings: number; tail: string[] };


const keyRefusal = (e: unknown, ip: string, port: number) =>
  e instanceof HostKeyChangedError || e instanceof HostKeyNewTypeError
    ? new ActionFailure("failed", msg`${ip}:${port} presented a host key other than the one pinned for ${ip}: refused (a rebuilt machine, or someone in between). Nothing was run there; an admin may clear the pin on the node's page once the key is known to be right.`)
    : null;

/** Which port answers now: 1022 (already moved: a re-run) or 22; null while neither does. Host-key refusals are thrown. */
async function reachable(ip: string, d: OsStepDeps): Promise<number | null> {
  for (const port of [1022, 22]) {
    try {
      const r = await d.ssh.exec({ host: ip, port, ...(d.user ? { user: d.user } : {}) }, cmd`true`, { timeoutMs: 15_000, signal: d.signal });
      if (r.code === 0) return port;
    } catch (e) {
      const refused = keyRefusal(e, ip, port);
      if (refused) throw refused;
      if (e instanceof SshAuthError) throw new ActionFailure("failed", msg`${ip}:${port} refused k2ops' SSH key: the instance was not created with k2ops' key pair.`);
      if (!(e instanceof SshUnreachableError)) throw e;
    }
  }
  return null;
}

/**
 * Step 4 for the run of `operationId` (its VPS recorded by step 3): waits for
 * SSH, runs provision-node.sh (`sudo bash -s`, the script on stdin), checks the
 * machine answers on 1022 with the pinned key, and moves the run to "env".
 *
 * Errors (ActionFailure "failed", secret-free): SSH never answered within
 * `sshWaitMs`; a host key other than the pinned one (on 22 or after the move);
 * the script failed (its FATAL line or error count, and the last lines as
 * evidence) or timed out; 1022 does not answer after the script.
 */
export async function prepareOs(operationId: number, d: OsStepDeps): Promise<OsStepResult> {
  const run = await db().provisionRun.findUnique({ where: { operationId } });
  const vps = run?.vps as VpsRecord | null;
  if (!run || !vps?.ipv4) throw new ActionFailure("conflict", msg`Work item ${operationId} has no VPS yet (step 3).`);
  const ip = vps.ipv4;
  const say = async (line: string) => d.progress?.(line);
  const deadline = Date.now() + (d.sshWaitMs ?? 5 * 60_000);
  let port: number | null = null;
  await say(`waiting for SSH on ${ip}`);
  while ((port = await reachable(ip, d)) === null) {
    if (Date.now() > deadline) throw new ActionFailure("failed", msg`${ip} did not answer SSH on 22 or 1022 within ${Math.round((d.sshWaitMs ?? 300_000) / 1000)} s of running.`);
    await wait(d.retryMs ?? 3_000, undefined, { signal: d.signal });
  }
  await say(`SSH answers on ${ip}:${port}; running provision-node.sh`);
  const target = { host: ip, port, ...(d.user ? { user: d.user } : {}) };
  const lines: string[] = [];
  let res;
  try {
    res = await d.ssh.runScript(target, provisionScript(), {
      sudo: true,
      timeoutMs: d.scriptTimeoutMs ?? 20 * 60_000,
      signal: d.signal,
      onLine: (line) => {
        const plain = line.replace(/\x1b\[[0-9;]*m/g, "");
        lines.push(plain);
        if (/^\[\d+\/16\]|^FATAL|^Provisioning/.test(plain)) void say(plain);
      },
    });
  } catch (e) {
    throw keyRefusal(e, ip, port) ?? new ActionFailure("failed", redactedText(msg`provision-node.sh could not run on ${ip}:${port}: ${e instanceof Error ? e.message : String(e)}`));
  }
  const out = (lines.length ? lines : res.stdout.split("\n").map((l) => l.replace(/\x1b\[[0-9;]*m/g, ""))).filter(Boolean);
  const tail = out.slice(-20);
  if (res.timedOut) throw new ActionFailure("failed", msg`provision-node.sh did not finish within ${Math.round((d.scriptTimeoutMs ?? 1_200_000) / 60_000)} min on ${ip} (stopped at: ${tail.at(-1) ?? "no output"}).`);
  if (res.code !== 0) {
    const why = out.find((l) => l.startsWith("FATAL:")) ?? out.find((l) => /^Provisioning completed with/.test(l)) ?? `exit ${res.code}`;
    throw new ActionFailure("failed", redactedText(msg`provision-node.sh failed on ${ip}: ${why}. Last lines: ${tail.slice(-5).join(" | ")}`));
  }
  const done = out.find((l) => /^Provisioning complete\. \d+ warning/.test(l)) ?? "Provisioning complete.";
  const warnings = Number(/(\d+) warning/.exec(done)?.[1] ?? 0);
  // the machine now answers on 1022 only, with the key pinned on 22
  await say(`checking ${ip}:1022 with the pinned host key`);
  d.ssh.forget(target);
  try {
    const r = await d.ssh.exec({ host: ip, port: 1022, ...(d.user ? { user: d.user } : {}) }, cmd`true`, { timeoutMs: 20_000, signal: d.signal });
    if (r.code !== 0) throw new Error(`exit ${r.code}`);
  } catch (e) {
    throw keyRefusal(e, ip, 1022) ?? new ActionFailure("failed", redactedText(msg`${ip} does not answer on 1022 after provision-node.sh: ${e instanceof Error ? e.message : String(e)}`));
  }
  await db().provisionRun.update({ where: { operationId }, data: { step: "env" } });
  const summary = msg`provision-node.sh on ${ip}:${port}: ${done.replace(/\.$/, "")}; SSH now on 1022 with the pinned host key`;
  await say(summary.text);
  return { summary, ports: { before: port, after: 1022 }, warnings, tail };
}
