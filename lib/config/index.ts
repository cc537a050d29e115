import path from "node:path";

// Where k2ops keeps local state when no outside service is configured.
export function dataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.env.K2OPS_DATA_DIR ?? path.join(/*turbopackIgnore: true*/ process.cwd(), ".data"));
}

export function embeddedDataDir(): string {
  return path.join(dataDir(), "pglite");
}

/** What the Settings page shows: configuration facts, never a secret value. */
export function configSummary(env: NodeJS.ProcessEnv = process.env) {
  const dbUrl = env.DATABASE_URL ?? "";
  let dbHost = "";
  try {
    dbHost = dbUrl ? new URL(dbUrl).host : "";
  } catch {
    dbHost = "unparseable";
  }
  return {
    database: env.K2OPS_EMBEDDED_DB === "1" ? `embedded PGlite (${embeddedDataDir()})` : dbHost ? `PostgreSQL at ${dbHost}` : "not configured",
    centerUrl: env.KAITU_CENTER_URL ?? "not configured",
    centerAccessKey: env.KAITU_ACCESS_KEY ? "configured" : "not configured",
    centerIsSimulator: env.K2OPS_SIMULATED_FLEET === "1",
    sshUser: env.K2OPS_SSH_USER ?? "ubuntu",
    sshPort: Number(env.K2OPS_SSH_PORT ?? 1022),
    sshKey: env.K2OPS_SSH_KEY_PATH ? `file ${env.K2OPS_SSH_KEY_PATH}` : env.K2OPS_SSH_KEY ? "from environment" : "not configured",
    lightsail: env.LIGHTSAIL_ENDPOINT ? `custom endpoint ${env.LIGHTSAIL_ENDPOINT}` : env.AWS_REGION ? `AWS region ${env.AWS_REGION}` : "not configured",
    oidc: env.OIDC_ISSUER ? `${env.OIDC_NAME ?? "OIDC"} (${env.OIDC_ISSUER})` : "not configured",
    deployAssetsDir: env.K2OPS_DEPLOY_ASSETS_DIR ?? "not configured",
  };
}
