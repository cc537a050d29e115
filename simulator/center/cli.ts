// Standalone Center (+ linked Lightsail) simulator for development:
//   npm run sim:center -- [--port 8787] [--lightsail-port 8788] [--register-fleet] [--immediate] [--snapshot FILE]
// Prints the seeded access keys and the environment for the console.
import { startCenterSim } from "./index";
import { startLightsailSim } from "../lightsail/index";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

async function main() {
  const center = await startCenterSim({
    port: Number(arg("port") ?? process.env.CENTER_SIM_PORT ?? 0),
    registerFleet: flag("register-fleet"),
    deferred: flag("immediate") ? "immediate" : flag("manual") ? "manual" : "scheduled",
    snapshotPath: arg("snapshot"),
    log: flag("verbose") ? (l) => console.log(`[center-sim] ${l}`) : undefined,
  });
  const lightsail = await startLightsailSim({ port: Number(arg("lightsail-port") ?? 0), center, ignoreRegion: flag("any-region") });
  console.log(center.describe());
  console.log(`Lightsail simulator on ${lightsail.url}`);
  console.log("console environment:");
  console.log(`  KAITU_CENTER_URL=${center.url}`);
  console.log(`  KAITU_ACCESS_KEY=${center.accessKeys.editor}   # devops_editor`);
  console.log(`  KAITU_LOG_BUCKET_URL=${center.logBucketUrl}`);
  for (const [k, v] of Object.entries(lightsail.env)) console.log(`  ${k}=${v}`);
  const stop = async () => {
    await lightsail.close();
    await center.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((e) => {
  console.error("center simulator failed:", e instanceof Error ? e.message : e);
  process.exit(1);
});
