import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded";
import { pgConnectionString } from "./adapter";
import { applyMigrations } from "./migrate";
import { createPrisma } from "./index";

// The embedded database has no password: only the console's own user may reach
// it or read its files. Runs as root (the integration project's rule); the
// "other local user" is nobody (65534).

const ROOT = path.resolve(import.meta.dirname, "../..");
const NOBODY = ["--reuid=65534", "--regid=65534", "--clear-groups"];

let tmp: string;
let dataDir: string;
let emb: EmbeddedPostgres | undefined;

// TCP listeners of a process (this one by default), from the kernel's table
function ownTcpListeners(pid = process.pid): string[] {
  const out = execFileSync("ss", ["-H", "-t", "-l", "-n", "-p"], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.includes(`pid=${pid},`));
}

function everythingUnder(root: string): { p: string; mode: number; uid: number }[] {
  const out: { p: string; mode: number; uid: number }[] = [];
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    out.push({ p, mode: st.mode & 0o777, uid: st.uid });
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
  };
  walk(root);
  return out;
}

const readableByOthers = (root: string) => everythingUnder(root).filter((e) => e.mode & 0o077).map((e) => `${e.mode.toString(8)} ${e.p}`);

// Connects with node-postgres as `asNobody ? nobody : this user`; the child
// reports what happened as JSON, so a child that could not even run is no pass.
// Asynchronous: the database is served by this very process.
async function tryConnect(url: string, asNobody: boolean): Promise<{ ok: boolean; code?: string; message?: string; rows?: unknown }> {
  const script = `
    const pg = require("pg");
    const c = new pg.Client({ connectionString: process.argv[1] });
    c.connect()
      .then(() => c.query("SELECT count(*)::int AS n FROM pg_catalog.pg_tables"))
      .then((r) => { console.log(JSON.stringify({ ok: true, rows: r.rows })); return c.end(); })
      .catch((e) => { console.log(JSON.stringify({ ok: false, code: e.code, message: e.message })); process.exit(0); });`;
  const [cmd, args] = asNobody ? ["setpriv", [...NOBODY, process.execPath, "-e", script, url]] : [process.execPath, ["-e", script, url]];
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const code = await new Promise<number | null>((r) => child.once("close", r));
  const line = out.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`probe did not run (exit ${code}): ${out}`);
  }
}

beforeAll(async () => {
  expect(process.getuid?.()).toBe(0);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "k2ops-emb-"));
  fs.chmodSync(tmp, 0o755); // a shared parent, like a checkout's .data would sit in
  dataDir = path.join(tmp, "data", "pglite");
  // a data dir as an older k2ops left it: everything readable by everyone
  fs.mkdirSync(dataDir, { recursive: true });
  const old = await PGlite.create({ dataDir });
  await old.close();
  for (const e of everythingUnder(path.join(tmp, "data"))) fs.chmodSync(e.p, fs.statSync(e.p).isDirectory() ? 0o777 : 0o666);
  expect(readableByOthers(dataDir).length).toBeGreaterThan(100);

  emb = await startEmbeddedPostgres({ dataDir });
});

afterAll(async () => {
  await emb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("embedded database: reachable by the console's user only", () => {
  it("opens no TCP listener: a Unix socket in a 0700 directory owned by this user", () => {
    expect(ownTcpListeners()).toEqual([]);
    expect(emb!.port).toBeUndefined();
    const dir = emb!.socketDir!;
    expect(dir).toBe(`${dataDir}-socket`);
    const st = fs.statSync(dir);
    expect(st.isDirectory()).toBe(true);
    expect(st.mode & 0o777).toBe(0o700);
    expect(st.uid).toBe(0);
    expect(fs.lstatSync(path.join(dir, ".s.PGSQL.5432")).isSocket()).toBe(true);
    expect(new URL(emb!.url).searchParams.get("host")).toBe(dir);
  });

  it("the data dir and everything in it are private, an old readable one included", () => {
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(readableByOthers(dataDir)).toEqual([]);
    expect(everythingUnder(dataDir).every((e) => e.uid === 0)).toBe(true);
  });

  it("another local user cannot connect; the owner can run queries", async () => {
    const other = await tryConnect(pgConnectionString(emb!.url), true);
    expect(other.ok).toBe(false);
    expect(other.code).toBe("EACCES");
    const owner = await tryConnect(pgConnectionString(emb!.url), false);
    expect(owner).toMatchObject({ ok: true });
  });

  it("migrations apply, and Prisma works against it; no session state is left behind", async () => {
    const applied = await applyMigrations(emb!.url);
    expect(applied.length).toBeGreaterThan(0);
    expect(await applyMigrations(emb!.url)).toEqual([]);

    const prisma = createPrisma(emb!.url);
    try {
      await prisma.user.create({ data: { email: "emb@example.test", role: "admin" } });
      expect(await prisma.user.count()).toBe(1);
      await prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL k2ops.audit_maintenance = 'on'`);
        await tx.auditEvent.deleteMany();
      });
      // one shared session: nothing k2ops did may linger in it
      const [leak] = await prisma.$queryRawUnsafe<{ settings: string | null; locks: number; maintenance: boolean }[]>(
        `SELECT (SELECT string_agg(name, ',') FROM pg_settings WHERE source = 'session') AS settings,
                (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory') AS locks,
                coalesce(current_setting('k2ops.audit_maintenance', true), '') = 'on' AS maintenance`,
      );
      expect(leak).toEqual({ settings: null, locks: 0, maintenance: false });
    } finally {
      await prisma.$disconnect();
    }
    expect(readableByOthers(dataDir)).toEqual([]);
  });

  it("a second process cannot open the same data dir while it is served", async () => {
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(/already serving/);
  });

  it("TCP only on explicit request, and then on 127.0.0.1", async () => {
    const tcp = await startEmbeddedPostgres({ port: 0 });
    try {
      expect(tcp.socketDir).toBeUndefined();
      const listeners = ownTcpListeners();
      expect(listeners).toHaveLength(1);
      expect(listeners[0]).toContain(`127.0.0.1:${tcp.port}`);
    } finally {
      await tcp.stop();
    }
    expect(ownTcpListeners()).toEqual([]);
  });

  it("a data dir too deep for a socket path gets a private socket dir under /tmp, removed at stop", async () => {
    const deep = path.join(tmp, "d".repeat(60), "e".repeat(40), "pglite");
    const e = await startEmbeddedPostgres({ dataDir: deep });
    const dir = e.socketDir!;
    try {
      expect(path.join(dir, ".s.PGSQL.5432").length).toBeLessThanOrEqual(107);
      expect(dir.startsWith("/tmp/") || dir.startsWith(os.tmpdir())).toBe(true);
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
      expect(await tryConnect(pgConnectionString(e.url), false)).toMatchObject({ ok: true });
      expect(await tryConnect(pgConnectionString(e.url), true)).toMatchObject({ ok: false, code: "EACCES" });
    } finally {
      await e.stop();
    }
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe("embedded database: restarts and foreign folders", () => {
  it("a socket left by a killed process is replaced", async () => {
    const dir = path.join(tmp, "stale", "pglite");
    const sock = `${dir}-socket`;
    fs.mkdirSync(sock, { recursive: true, mode: 0o700 });
    // a listener killed with SIGKILL leaves its socket file behind
    const holder = spawn(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(path.join(sock, ".s.PGSQL.5432"))}, () => console.log("up"))`], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise((r) => holder.stdout.once("data", r));
    holder.kill("SIGKILL");
    await new Promise((r) => holder.once("exit", r));
    expect(fs.existsSync(path.join(sock, ".s.PGSQL.5432"))).toBe(true);
    const e = await startEmbeddedPostgres({ dataDir: dir });
    try {
      expect(await tryConnect(pgConnectionString(e.url), false)).toMatchObject({ ok: true });
    } finally {
      await e.stop();
    }
  });

  it("refuses a data dir that belongs to another user", async () => {
    const dir = path.join(tmp, "foreign", "pglite");
    fs.mkdirSync(dir, { recursive: true });
    fs.chownSync(dir, 65534, 65534);
    await expect(startEmbeddedPostgres({ dataDir: dir })).rejects.toThrow(/belongs to uid 65534/);
  });
});

describe("the console launcher keeps its data dir private", () => {
  it("data dir 0700, session secret 0600, database on the private socket; stops on SIGTERM", async () => {
    const dir = path.join(tmp, "console");
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "nextauth-secret"), "a".repeat(64), { mode: 0o644 });
    fs.chmodSync(path.join(dir, "nextauth-secret"), 0o644); // as an older k2ops left it
    const free = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const env: NodeJS.ProcessEnv = { ...process.env, K2OPS_DATA_DIR: dir, K2OPS_NO_SIM: "1", K2OPS_ADMIN_EMAIL: "first@example.test", K2OPS_ADMIN_PASSWORD: "first-admin-password-1" };
    delete env.DATABASE_URL;
    delete env.K2OPS_EMBEDDED_DB_PORT;
    delete env.NEXTAUTH_SECRET;
    // tsx as a loader: the child's pid is the launcher's own
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/console.ts", "--port", String(free)], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    // past database start, migrations and the first admin: `next start` is next
    const deadline = Date.now() + 90_000;
    while (!/console on http|start failed/.test(out) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    try {
      expect(out).toMatch(/private Unix socket/);
      expect(out).toMatch(/migrations applied|schema is up to date/);
      expect(out).not.toMatch(/start failed/);
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(dir, "nextauth-secret")).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(dir, "pglite-socket")).mode & 0o777).toBe(0o700);
      expect(ownTcpListeners(child.pid!)).toEqual([]);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
    expect(readableByOthers(dir)).toEqual([]);
  });
});
