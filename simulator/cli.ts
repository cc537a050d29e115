// `npm run sim`: the whole simulated Kaitu fleet on this machine (Center,
// Lightsail, and real sshd nodes on 127.0.0.N), printed with how to reach it.
// Ctrl-C stops everything; no process or mount is left behind.
import path from "node:path";
import { launchSimulatedFleet } from "./launch";

const args = process.argv.slice(2);
const nodes = args.includes("--nodes") ? Number(args[args.indexOf("--nodes") + 1]) : undefined;
const stateDir = path.resolve(args.includes("--state") ? args[args.indexOf("--state") + 1] : ".sim");
const ipPrefix = args.includes("--ip-prefix") ? args[args.indexOf("--ip-prefix") + 1] : undefined;

const fleet = await launchSimulatedFleet({ stateDir, nodes, ipPrefix });
console.log(`[k2ops] ${fleet.describe()}`);
console.log("\nPoint a console at it with:\n");
for (const [k, v] of Object.entries(fleet.env)) console.log(`  export ${k}=${JSON.stringify(v)}`);
console.log(`\nSSH to a node:  ssh -i ${fleet.env.K2OPS_SSH_KEY_PATH ?? "<key>"} -p 1022 ubuntu@${ipPrefix ?? "127.0.0"}.11`);
console.log("Ctrl-C stops the fleet.");

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await fleet.stop();
  console.log("[k2ops] simulated fleet stopped");
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
