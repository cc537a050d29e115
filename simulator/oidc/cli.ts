// Standalone OIDC provider simulator (single sign-on without a real IdP):
//   npm run sim:oidc -- [--port 3199]   (client id/secret from OIDC_CLIENT_ID / OIDC_CLIENT_SECRET)
// Prints the console environment that enables "Sign in with single sign-on".
import { startOidcSim } from "./index";

const i = process.argv.indexOf("--port");
const port = i >= 0 ? Number(process.argv[i + 1]) : 0;
const clientId = process.env.OIDC_CLIENT_ID ?? "k2ops";
const clientSecret = process.env.OIDC_CLIENT_SECRET ?? "k2ops-sim-oidc-client-secret";

const sim = await startOidcSim({ port, clientId, clientSecret });
console.log(`OIDC provider simulator on ${sim.issuer}`);
console.log("console environment:");
console.log(`  OIDC_ISSUER=${sim.issuer}`);
console.log(`  OIDC_CLIENT_ID=${clientId}`);
console.log("  OIDC_CLIENT_SECRET=<the value in OIDC_CLIENT_SECRET>");
const stop = async () => {
  await sim.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
