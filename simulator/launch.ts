// What the console launcher (scripts/console.ts) calls when no real Center is
// configured: the Center simulator, the Lightsail simulator and the simulated
// nodes, wired together, plus the environment that points the console at them.
import fs from "node:fs";
import path from "node:path";
import { startCenterSim, DEFAULT_DECOMMISSIONED, DEFAULT_FLEET } from "./center";
import { startLightsailSim } from "./lightsail";

export type LaunchedFleet = { env: Record<string, string>; stop: () => Promise<void>; describe(): string };

/** `ipPrefix` ("127.0.61") moves the demo fleet off 127.0.0.N, so a second fleet can run beside the first. */
export async function launchSimulatedFleet(opts: { stateDir: string; nodes?: number; ipPrefix?: string }): Promise<LaunchedFleet> {
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
    snapshotPath: path.join(opts.stateDir, "center.json"),
  });
  const lightsail = await startLightsailSim({ center });

  const sshEnv: Record<string, string> = {};
  let stopNodes: () => Promise<void> = async () => undefined;
  let nodesLine = "simulated nodes: not available in this checkout (Center lists the fleet pre-registered)";
  if (haveNodes) {
    const { launchNodes } = (await import(nodesModule)) as {
      launchNodes(o: { stateDir: string; center: typeof center; fleet: typeof fleetSpec }): Promise<{ stop(): Promise<void>; sshEnv: Record<string, string>; describe(): string }>;
    };
    const nodes = await launchNodes({ stateDir: path.join(opts.stateDir, "nodes"), center, fleet: fleetSpec });
    stopNodes = nodes.stop;
    nodesLine = nodes.describe();
    Object.assign(sshEnv, nodes.sshEnv);
  }

  const env: Record<string, string> = {
    KAITU_CENTER_URL: center.url,
    KAITU_ACCESS_KEY: center.accessKeys.editor,
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
