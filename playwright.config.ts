import { defineConfig } from "@playwright/test";

// Debian's Chromium (apt), because `npx playwright install` cannot download a
// browser here. The console runs on fresh embedded defaults for every run.
const PORT = Number(process.env.E2E_PORT ?? 3100);
const DATA = process.env.E2E_DATA_DIR ?? "/tmp/k2ops-e2e";
const OIDC_PORT = PORT + 99;
const OIDC = { issuer: `http://127.0.0.1:${OIDC_PORT}`, clientId: "k2ops-e2e", clientSecret: "e2e-oidc-client-secret-0123456789" };

export default defineConfig({
  testDir: "e2e",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: "list",
  use: {
    baseURL: `http://localhost:${PORT}`,
    browserName: "chromium",
    headless: true,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  webServer: [
    {
      // the single sign-on provider the console is configured with (simulator/oidc)
      command: `OIDC_CLIENT_ID=${OIDC.clientId} OIDC_CLIENT_SECRET=${OIDC.clientSecret} npx tsx simulator/oidc/cli.ts --port ${OIDC_PORT}`,
      url: `${OIDC.issuer}/.well-known/openid-configuration`,
      timeout: 60_000,
      reuseExistingServer: false,
      gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
    },
    {
      // scheduled verification off: specs count verification runs and jobs themselves (db tests cover the schedule)
      command: `rm -rf ${DATA} && K2OPS_DATA_DIR=${DATA} K2OPS_VERIFY_EVERY_MINUTES=0 K2OPS_FLEET_FIRST_ROWS=10 K2OPS_DEMO_USERS=1 OIDC_ISSUER=${OIDC.issuer} OIDC_CLIENT_ID=${OIDC.clientId} OIDC_CLIENT_SECRET=${OIDC.clientSecret} OIDC_NAME="Simulated SSO" npx tsx scripts/console.ts --port ${PORT}`,
      url: `http://localhost:${PORT}/api/health`,
      timeout: 240_000,
      reuseExistingServer: false,
      // let the console stop its simulated fleet (sshds, namespaces) instead of SIGKILL
      gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
      stdout: "pipe",
      stderr: "pipe",
    },
  ],
});
