import path from "node:path";

// Where k2ops keeps local state when no outside service is configured.
export function dataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.env.K2OPS_DATA_DIR ?? path.join(/*turbopackIgnore: true*/ process.cwd(), ".data"));
}

/** The embedded database's data folder, `$K2OPS_DATA_DIR/pglite` (its Unix socket lives in `pglite-socket/` beside it). */
export function embeddedDataDir(): string {
  return path.join(dataDir(), "pglite");
}

/**
 * K2OPS_EMBEDDED_DB_PORT as a TCP port (0 = any free one), or undefined when
 * unset or empty: the embedded database then has no TCP listener, only its
 * private Unix socket. Throws on a value that is not a port number.
 */
export function embeddedDbTcpPort(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.K2OPS_EMBEDDED_DB_PORT?.trim();
  if (!v) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new Error(`K2OPS_EMBEDDED_DB_PORT must be a port number (0-65535), not "${v}"`);
  return n;
}

/** The console server's default V8 old-space limit (MiB): see consoleHeapMb. */
const DEFAULT_CONSOLE_HEAP_MB = 384;

/**
 * The console server process's V8 old-space limit in MiB (`--max-old-space-size`), from
 * K2OPS_MAX_HEAP_MB (default 384). Without a limit V8 sizes the heap from the machine's memory
 * and lets a fleet job's garbage pile up: a verify job over 5,000 nodes at 64 at once peaked at
 * 580-632 MB RSS, 398 MB with 320 (issue 17, bench:scale), at the same throughput; the live heap
 * stays under 100 MB, and the largest single need measured, a 50 MiB device log's analysis, holds
 * 172 MiB. Throws on a value that is not a whole number of MiB from 128 to 65536.
 */
export function consoleHeapMb(env: Record<string, string | undefined> = process.env): number {
  const v = env.K2OPS_MAX_HEAP_MB?.trim();
  if (!v) return DEFAULT_CONSOLE_HEAP_MB;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 128 || n > 65536) throw new Error(`K2OPS_MAX_HEAP_MB must be a whole number of MiB from 128 to 65536, not "${v}"`);
  return n;
}

/**
 * A configured URL as it may be shown: user-info (user:password@) is never
 * rendered, whatever the variable; an unparseable value is not echoed back.
 */
export function displayUrl(value: string): string {
  try {
    const u = new URL(value.trim());
    // "user:pw@host" parses as scheme "user:" with "pw@host" as its path
    if (u.protocol !== "http:" && u.protocol !== "https:") return "(not an http(s) URL)";
    const hadCredentials = Boolean(u.username || u.password);
    u.username = "";
    u.password = "";
    return hadCredentials ? `${u.toString()} (credentials hidden)` : u.toString();
  } catch {
    return "(not a valid URL)";
  }
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
    database:
      env.K2OPS_EMBEDDED_DB === "1"
        ? `embedded PGlite (${embeddedDataDir()}; ${env.K2OPS_EMBEDDED_DB_PORT?.trim() ? "TCP on 127.0.0.1, open to every local user" : "private Unix socket"})`
        : dbHost
          ? `PostgreSQL at ${dbHost}`
          : "not configured",
    centerUrl: env.KAITU_CENTER_URL ? displayUrl(env.KAITU_CENTER_URL) : "not configured",
    centerAccessKey: env.KAITU_ACCESS_KEY ? "configured" : "not configured",
    centerIsSimulator: env.K2OPS_SIMULATED_FLEET === "1",
    sshUser: env.K2OPS_SSH_USER ?? "ubuntu",
    sshPort: Number(env.K2OPS_SSH_PORT ?? 1022),
    sshKey: env.K2OPS_SSH_KEY_PATH ? `file ${env.K2OPS_SSH_KEY_PATH}` : env.K2OPS_SSH_KEY ? "from environment" : "not configured",
    lightsail: env.LIGHTSAIL_ENDPOINT ? `custom endpoint ${displayUrl(env.LIGHTSAIL_ENDPOINT)}` : env.AWS_REGION ? `AWS region ${env.AWS_REGION}` : "not configured",
    oidc: env.OIDC_ISSUER ? `${env.OIDC_NAME ?? "OIDC"} (${displayUrl(env.OIDC_ISSUER)})` : "not configured",
    deployAssetsDir: env.K2OPS_DEPLOY_ASSETS_DIR ?? "not configured",
  };
}
