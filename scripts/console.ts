// The console launcher (what the README's start command runs):
//  - DATABASE_URL unset  -> starts the embedded database (PGlite over the
//    PostgreSQL wire protocol, data in $K2OPS_DATA_DIR/pglite) and uses it; it
//    has no password, so it listens on a Unix socket only this user can reach
//    ($K2OPS_DATA_DIR/pglite-socket, 0700), TCP only when K2OPS_EMBEDDED_DB_PORT is set;
//  - keeps $K2OPS_DATA_DIR private: the folder 0700, its files 0600 (umask 077);
//  - applies migrations (offline), creates the first admin from the environment
//    (and the documented demo accounts when K2OPS_DEMO_USERS=1);
//  - KAITU_CENTER_URL unset -> starts the simulated fleet (Center + Lightsail +
//    simulated nodes) and points the console at it;
//  - runs Next.js behind scripts/server.mjs (production, or dev with --dev), which
//    records each request's socket address, and stops everything on exit.
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ensurePrivateDir, makePrivate, startEmbeddedPostgres, type EmbeddedPostgres } from "@/lib/db/embedded";
import { applyMigrations } from "@/lib/db/migrate";
import { consoleHeapMb, dataDir, embeddedDataDir, embeddedDbTcpPort } from "@/lib/config";

const args = process.argv.slice(2);
const dev = args.includes("--dev");
const port = Number(valueOf("--port") ?? process.env.PORT ?? 3000);
const noSim = args.includes("--no-sim") || process.env.K2OPS_NO_SIM === "1";

function valueOf(flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function log(msg: string) {
  console.log(`[k2ops] ${msg}`);
}

const children: ChildProcess[] = [];
let embedded: EmbeddedPostgres | null = null;
let stopSim: (() => Promise<void>) | null = null;
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
  await stopSim?.().catch((e) => console.error("[k2ops] simulator stop failed:", e));
  await embedded?.stop().catch(() => undefined);
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

// Everything this process writes (the session secret, database files) is its
// user's alone. The simulator gets the umask back (see below).
const startUmask = process.umask(0o077);

// The data folder holds the database (password hashes, the audit log) and the
// session secret: 0700, and whatever an older version left readable is fixed.
// The simulator's state is left as it is: it sets modes for its simulated node
// users on purpose, and the 0700 folder above it keeps everyone else out.
function securePrivateDataDir(): void {
  const dir = dataDir();
  ensurePrivateDir(dir);
  for (const name of fs.readdirSync(dir)) if (name !== "sim") makePrivate(path.join(dir, name));
}

async function main() {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // a bounded heap for the console server: V8 collects a fleet job's garbage instead of growing to the machine's size
  // (checked first: a bad K2OPS_MAX_HEAP_MB stops the start before anything is started)
  const heap = `--max-old-space-size=${consoleHeapMb(env)}`;
  securePrivateDataDir();

  if (!env.NEXTAUTH_SECRET) {
    // generated once per data folder, kept out of git and out of every log
    const file = path.join(dataDir(), "nextauth-secret");
    if (!fs.existsSync(file)) fs.writeFileSync(file, crypto.randomBytes(32).toString("hex"), { mode: 0o600 });
    env.NEXTAUTH_SECRET = fs.readFileSync(file, "utf8").trim();
  }
  env.NEXTAUTH_URL ??= `http://localhost:${port}`;

  if (!env.DATABASE_URL) {
    const tcpPort = embeddedDbTcpPort(env);
    embedded = await startEmbeddedPostgres({ dataDir: embeddedDataDir(), port: tcpPort });
    env.DATABASE_URL = embedded.url;
    env.K2OPS_EMBEDDED_DB = "1";
    if (embedded.port !== undefined) {
      // the embedded database has no password: on TCP every local user is its superuser
      console.warn(
        `[k2ops] WARNING: K2OPS_EMBEDDED_DB_PORT is set: the embedded database listens on TCP 127.0.0.1:${embedded.port} WITHOUT a password; ` +
          "every user and process on this machine can read and change all console data (users, audit log). Unset it unless you need it.",
      );
      log(`embedded database (PGlite) at 127.0.0.1:${embedded.port}, data in ${embeddedDataDir()}`);
    } else {
      log(`embedded database (PGlite) on a private Unix socket in ${embedded.socketDir}, data in ${embeddedDataDir()}`);
    }
  }
  process.env.DATABASE_URL = env.DATABASE_URL;
  const applied = await applyMigrations(env.DATABASE_URL);
  log(applied.length ? `migrations applied: ${applied.join(", ")}` : "database schema is up to date");

  const { ensureFirstAdmin } = await import("@/lib/auth/users");
  const first = await ensureFirstAdmin(env);
  if (first === "created") log(`first admin ${env.K2OPS_ADMIN_EMAIL} created`);
  if (env.K2OPS_DEMO_USERS === "1") {
    const { ensureDemoUsers, DEMO_USERS } = await import("@/lib/auth/demo");
    const made = await ensureDemoUsers();
    log(`demo accounts: ${DEMO_USERS.map((u) => `${u.email} (${u.role})`).join(", ")}${made.length ? " [created]" : ""}; password in README`);
  }

  if (!env.KAITU_CENTER_URL && !noSim) {
    // the simulated nodes' files are shared with their simulated users (and its
    // sshd sessions inherit the umask): the simulator needs the usual umask
    process.umask(startUmask);
    const sim = await startSimulatedFleet(env);
    if (sim) {
      stopSim = sim.stop;
      Object.assign(env, sim.env);
    }
  }

  // Next.js behind the console's own server, which records each request's socket address (audit IPs)
  const server = path.join(process.cwd(), "scripts/server.mjs");
  const child = spawn(process.execPath, [heap, server, ...(dev ? ["--dev"] : []), "-p", String(port), "-H", env.K2OPS_HOST ?? "0.0.0.0"], { env, stdio: "inherit" });
  children.push(child);
  child.on("exit", (code) => void shutdown(code ?? 0));
  log(`console on http://localhost:${port}`);
}

// The simulator is optional at run time: when its module is absent the console
// still starts, just without a fleet.
async function startSimulatedFleet(env: NodeJS.ProcessEnv): Promise<{ env: NodeJS.ProcessEnv; stop: () => Promise<void> } | null> {
  const mod = path.join(process.cwd(), "simulator/launch.ts");
  if (!fs.existsSync(mod)) {
    log("no simulator in this checkout: starting without a fleet");
    return null;
  }
  const { launchSimulatedFleet } = (await import(mod)) as {
    launchSimulatedFleet(o: { stateDir: string; nodes?: number; ipPrefix?: string }): Promise<{ env: NodeJS.ProcessEnv; stop: () => Promise<void>; describe(): string }>;
  };
  // The simulated nodes' users (ubuntu in each node) read their state under sim/: the data folder
  // must let them pass through (0711: no listing), while its database folder, socket folder (0700)
  // and session secret (0600) stay the console's alone.
  fs.chmodSync(dataDir(), 0o711);
  // K2OPS_SIM_IP_PREFIX ("127.0.61") moves the demo fleet, so two consoles on one machine do not collide
  const sim = await launchSimulatedFleet({
    stateDir: path.join(dataDir(), "sim"),
    nodes: env.K2OPS_SIM_NODES ? Number(env.K2OPS_SIM_NODES) : undefined,
    ipPrefix: env.K2OPS_SIM_IP_PREFIX || undefined,
  });
  log(sim.describe());
  // the demo fleet's meter history, once (nodes already recorded are left to the live poll): the metering charts are not empty on first start
  const { backfillDemoMeterHistory } = await import("./demo-meter-history");
  await backfillDemoMeterHistory(path.join(dataDir(), "sim", "nodes", "nodes"))
    .then((r) => r.nodes && log(`demo meter history: ${r.readings} readings of ${r.nodes} nodes backfilled in ${r.ms} ms`))
    .catch((e) => console.warn("[k2ops] demo meter history not backfilled:", e instanceof Error ? e.message : e));
  // the simulated nodes run on the console's own cores (a meter read costs a simulated node about
  // 1.5 s of CPU): 16 reads at once on a 2-core machine ran past the read's 20 s timeout for most
  // nodes, so the demo polls 4 at a time unless told otherwise (a real fleet keeps the default 16);
  // for the same reason its fleet jobs take 16 nodes at once, not a real fleet's 64
  return {
    env: { ...sim.env, K2OPS_SIMULATED_FLEET: "1", K2OPS_METER_POLL_CONCURRENCY: env.K2OPS_METER_POLL_CONCURRENCY || "4", K2OPS_JOB_CONCURRENCY: env.K2OPS_JOB_CONCURRENCY || "16" },
    stop: sim.stop,
  };
}

main().catch(async (e) => {
  console.error("[k2ops] start failed:", e instanceof Error ? e.message : e);
  await shutdown(1);
});
