// What the console launcher (scripts/console.ts) calls when no real Center is
// configured: the Center simulator, the Lightsail simulator and the simulated
// nodes, wired together, plus the environment that points the console at them.
import fs from "node:fs";
import path from "node:path";
import { startCenterSim, DEFAULT_DECOMMISSIONED, DEFAULT_FLEET } from "./center";
import { startLightsailSim } from "./lightsail";

const LAUNCHER = { id: null, email: "k2ops (demo launcher)", role: "system" };

/**
 * Machines that never register are not in Center's list, so no sync brings
 * them: they are added to the console by hand, through the same function the
 * "Add node by IP" action uses, audited as the launcher. Already added (a
 * restart on the same data) is fine. Without a console database
 * (`npm run sim` alone) they are only named.
 */
async function addUnregistered(nodes: { ipv4: string; name: string; scenario: string }[]): Promise<string> {
  const list = nodes.map((n) => `${n.ipv4} ${n.scenario}`).join(", ");
  if (!process.env.DATABASE_URL) return `never registered with Center (add them by IP in the console): ${list}`;
  const { db } = await import("@/lib/db");
  const { addManualNode } = await import("@/lib/fleet/manual");
  const { newRequestId, recordIntent, recordOutcome } = await import("@/lib/audit");
  const added: string[] = [];
  for (const n of nodes) {
    const startedAt = performance.now();
    try {
      await db().$transaction(async (tx) => {
        const ctx = { requestId: newRequestId(), actor: LAUNCHER, ip: "", userAgent: "" };
        const id = await recordIntent(ctx, { action: "fleet.node.add", target: { type: "node", id: n.ipv4 }, params: { ipv4: n.ipv4, name: n.name } }, tx);
        const res = await addManualNode({ ipv4: n.ipv4, name: n.name }, tx);
        await recordOutcome(id, { status: "succeeded", startedAt, result: res }, tx);
      });
      added.push(n.ipv4);
    } catch (e) {
      // refused (already added, or Center lists it): the transaction took its audit intent with it
      if (!/already added by hand/.test(String(e))) console.warn(`[k2ops] ${n.ipv4} (${n.scenario}) not added by hand: ${e instanceof Error ? e.message : e}`);
    }
  }
  return `never registered with Center, in the console as "not in Center": ${list}${added.length ? ` (added now: ${added.join(", ")})` : ""}`;
}

export type LaunchedFleet = { env: Record<string, string>; stop: () => Promise<void>; describe(): string };

/** `ipPrefix` ("127.0.61") moves the demo fleet off 127.0.0.N, so a second fleet can run beside the first. */
/** `registryTags`: the image tags the simulated registry has (default: the demo's current and previous releases, simulator/node/fleet.ts DEFAULT_REGISTRY_TAGS). */
export async function launchSimulatedFleet(opts: { stateDir: string; nodes?: number; ipPrefix?: string; registryTags?: readonly string[] }): Promise<LaunchedFleet> {
  fs.mkdirSync(opts.stateDir, { recursive: true });
  if (opts.ipPrefix && !/^127\.\d{1,3}\.\d{1,3}$/.test(opts.ipPrefix)) throw new Error("ipPrefix must look like 127.0.61");
  const remap = (ip: string) => (opts.ipPrefix ? ip.replace(/^127\.0\.0\./, `${opts.ipPrefix}.`) : ip);
  const fleetSpec = DEFAULT_FLEET.slice(0, opts.nodes ?? DEFAULT_FLEET.length).map((f) => ({ ...f, ipv4: remap(f.ipv4) }));
  const nodesModule = path.join(import.meta.dirname, "node/launch-nodes.ts");
  const haveNodes = fs.existsSync(nodesModule);

  const center = await startCenterSim({
    port: 0,
    fleet: fleetSpec,
    decommissioned: DEFAULT_DECOMMISSIONED.map((d) => ({ ...d, ipv4: remap(d.ipv4) })),
    // without simulated machines the nodes cannot register themselves
    registerFleet: !haveNodes,
    deferred: "immediate",
    // the demo's Provisioning page shows every kind of work item: a change_ip for the private node pn-1001
    changeIpQueue: [{ subId: 1001, reason: "the address is blocked from mainland China" }],
    snapshotPath: path.join(opts.stateDir, "center.json"),
  });
  const lightsail = await startLightsailSim({ center });

  const sshEnv: Record<string, string> = {};
  let stopNodes: () => Promise<void> = async () => undefined;
  let nodesLine = "simulated nodes: not available in this checkout (Center lists the fleet pre-registered)";
  if (haveNodes) {
    const { launchNodes } = (await import(nodesModule)) as {
      launchNodes(o: {
        stateDir: string;
        center: typeof center;
        fleet: typeof fleetSpec;
        extras?: { remap: (ip: string) => string };
        registryTags?: readonly string[];
      }): Promise<{ stop(): Promise<void>; sshEnv: Record<string, string>; describe(): string; unregistered: { ipv4: string; name: string; scenario: string }[] }>;
    };
    // the whole demo fleet also gets the machines of the scenarios Center's fleet does not show
    const whole = fleetSpec.length === DEFAULT_FLEET.length;
    const nodes = await launchNodes({ stateDir: path.join(opts.stateDir, "nodes"), center, fleet: fleetSpec, registryTags: opts.registryTags, ...(whole ? { extras: { remap } } : {}) });
    stopNodes = nodes.stop;
    nodesLine = nodes.describe();
    Object.assign(sshEnv, nodes.sshEnv);
    if (nodes.unregistered.length) nodesLine += `; ${await addUnregistered(nodes.unregistered)}`;
  }

  const env: Record<string, string> = {
    KAITU_CENTER_URL: center.url,
    KAITU_ACCESS_KEY: center.accessKeys.editor,
    // tickets are resolved and answered with Center's support role (devops keys cannot)
    KAITU_SUPPORT_ACCESS_KEY: center.accessKeys.support,
    KAITU_LOG_BUCKET_URL: center.logBucketUrl,
    ...lightsail.env,
    ...sshEnv,
  };
  return {
    env,
    async stop() {
      await stopNodes();
      await lightsail.close();
      await center.close();
    },
    describe: () => [`Center simulator ${center.url}`, `Lightsail simulator ${lightsail.url}`, nodesLine].join("\n[k2ops] "),
  };
}
