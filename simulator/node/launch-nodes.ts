// Starts the demo fleet's simulated machines for simulator/launch.ts: one sshd
// node per Center fleet entry, a few of them in the failure states operators
// meet in practice, and a hook so a Center "create instance" brings up a fresh,
// unprovisioned machine (sshd on port 22, nothing deployed).
import path from "node:path";
import { fleetNodeSecret } from "../center/seed";
import { SimFleet, type Scenario } from "./fleet";

type FleetEntry = { name: string; ipv4: string; country: string; region: string; ipType?: string; arch?: "k2v5" | "k2-slave" | "kaitu-slave" };

// demo variety: each of these shows a distinct failing check in the console
const DEMO_SCENARIOS: Record<string, Scenario> = {
  "127.0.0.13": "wrong-timezone",
  "127.0.0.15": "cut",
  "127.0.0.16": "restart-loop-net",
  "127.0.0.20": "metering-off",
  "127.0.0.21": "k2-oc-orphan",
};

export function scenarioFor(f: FleetEntry): Scenario {
  if (f.arch === "k2-slave") return "legacy-k2-slave";
  if (f.arch === "kaitu-slave") return "unmigrated";
  return DEMO_SCENARIOS[f.ipv4] ?? "healthy";
}

export async function launchNodes(o: {
  stateDir: string;
  center: { url: string; setHooks(h: object): void };
  fleet: FleetEntry[];
}): Promise<{ stop(): Promise<void>; sshEnv: Record<string, string>; describe(): string }> {
  const key = SimFleet.clientKey(path.join(o.stateDir, "keys"));
  const fleet = new SimFleet(path.join(o.stateDir, "nodes"), key.publicKey);
  const t0 = performance.now();
  // bounded parallel start: handshake-heavy sshd start-up on 2 cores
  const queue = [...o.fleet];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        await fleet.addNode({ ip: f.ipv4, name: f.name, country: f.country, region: f.region, ipType: f.ipType, scenario: scenarioFor(f), secret: fleetNodeSecret(f.ipv4), centerUrl: o.center.url });
      }
    }),
  );
  const took = Math.round(performance.now() - t0);
  let next = 100;
  o.center.setHooks({
    // a reboot: the machine goes away (sidecar unregisters gracefully) and comes back
    onRebootInstance: async (ip: string) => {
      if (!fleet.ips().includes(ip)) return;
      await fleet.setReachable(ip, false);
      setTimeout(() => void fleet.setReachable(ip, true).catch(() => undefined), 3000).unref();
    },
    onCreateInstance: async (req: { name: string; region: string }) => {
      const ip = `127.0.0.${next++}`;
      await fleet.addNode({ ip, name: req.name, country: "", region: req.region, scenario: "unprovisioned", secret: "", centerUrl: o.center.url, port: 22 });
      return { ipv4: ip };
    },
  });
  return {
    stop: () => fleet.stop(),
    sshEnv: { K2OPS_SSH_KEY_PATH: key.privateKeyPath, K2OPS_SSH_USER: "ubuntu", K2OPS_SSH_PORT: "1022" },
    describe: () => `${o.fleet.length} simulated nodes (real sshd on 127.0.0.N:1022) started in ${took} ms; console SSH key ${key.privateKeyPath}`,
  };
}
