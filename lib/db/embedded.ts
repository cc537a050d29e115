import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { markEmbedded } from "./adapter";

// The embedded default database: PGlite (PostgreSQL compiled to WebAssembly)
// served over the real PostgreSQL wire protocol, so the app, Prisma and psql
// talk to it exactly as they would to a PostgreSQL server.
//
// The socket server has no authentication at all: whoever reaches it is the
// superuser. So it listens on a Unix socket inside a directory only this
// process's user can enter (0700), and the data files are the user's alone.
// A TCP listener (127.0.0.1, reachable by every local user) only on request.

export type EmbeddedPostgres = {
  /** Connection URL for pg / Prisma / the migration engine (carries the embedded marker). */
  url: string;
  /** The directory holding the Unix socket `.s.PGSQL.5432`; undefined in TCP mode. */
  socketDir?: string;
  /** The TCP port on 127.0.0.1; undefined in Unix-socket mode (the default). */
  port?: number;
  stop(): Promise<void>;
};

// node-postgres (like libpq) connects to `<host dir>/.s.PGSQL.<port>`
const SOCKET_PORT = 5432;
const SOCKET_NAME = `.s.PGSQL.${SOCKET_PORT}`;
// sockaddr_un.sun_path is 108 bytes on Linux, NUL included
const MAX_SOCKET_PATH = 107;

/**
 * Starts PGlite and serves it over the PostgreSQL wire protocol.
 *
 * - `dataDir`: where the data lives (created 0700; existing files made 0600 and
 *   directories 0700, before and after PGlite opens it). Omitted: in memory.
 * - Default transport: a Unix socket in `<dataDir>-socket/` (0700, owned by this
 *   user), or in a fresh 0700 temp dir when there is no data dir or that path
 *   would exceed the Unix socket path limit. The URL has the form
 *   `postgresql://postgres@localhost:5432/postgres?host=<dir>&sslmode=disable`.
 * - `port` (explicit request only): TCP on 127.0.0.1 instead, 0 = any free port.
 *   Anyone on the machine can then connect as superuser: the caller warns.
 *
 * Throws when the data or socket directory belongs to another user, or when another
 * process is already serving the same data dir (its socket answers).
 */
export async function startEmbeddedPostgres(opts: { dataDir?: string; port?: number } = {}): Promise<EmbeddedPostgres> {
  const tcp = opts.port !== undefined;
  let socketDir: string | undefined;
  let tempSocketDir = false;
  if (!tcp) {
    const wanted = opts.dataDir ? `${path.resolve(opts.dataDir)}-socket` : undefined;
    if (wanted && path.join(wanted, SOCKET_NAME).length <= MAX_SOCKET_PATH) {
      socketDir = wanted;
      ensurePrivateDir(socketDir);
      // before PGlite opens the data dir: two processes on one data dir corrupt it
      await clearStaleSocket(path.join(socketDir, SOCKET_NAME));
    } else {
      socketDir = privateTempDir();
      tempSocketDir = true;
    }
  }

  let db: PGlite;
  let dataDir: string | undefined;
  if (opts.dataDir) {
    ensurePrivateDir(opts.dataDir);
    dataDir = fs.realpathSync(opts.dataDir);
    makePrivate(dataDir);
    db = await withPrivateUmask(() => PGlite.create({ dataDir }));
    // PGlite extracts its initial cluster with explicit 0666 modes: tighten them
    makePrivate(dataDir);
  } else {
    db = await PGlite.create({});
  }

  const server = tcp
    ? new PGLiteSocketServer({ db, host: "127.0.0.1", port: opts.port, maxConnections: 16 })
    : new PGLiteSocketServer({ db, path: path.join(socketDir!, SOCKET_NAME), maxConnections: 16 });
  try {
    await server.start();
  } catch (e) {
    await db.close();
    if (tempSocketDir) fs.rmSync(socketDir!, { recursive: true, force: true });
    throw e;
  }

  let url: string;
  let port: number | undefined;
  if (tcp) {
    port = Number(server.getServerConn().split(":").pop());
    url = `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
  } else {
    // the directory already keeps others out; the socket's own mode is a second lock
    fs.chmodSync(path.join(socketDir!, SOCKET_NAME), 0o600);
    const u = new URL(`postgresql://postgres@localhost:${SOCKET_PORT}/postgres`);
    u.searchParams.set("host", socketDir!);
    u.searchParams.set("sslmode", "disable");
    url = u.toString();
  }

  return {
    url: markEmbedded(url),
    socketDir,
    port,
    async stop() {
      await server.stop();
      await db.close();
      if (tempSocketDir) fs.rmSync(socketDir!, { recursive: true, force: true });
      // files PGlite created while running (new relations, WAL) leave at 0600 too
      if (dataDir) makePrivate(dataDir);
    },
  };
}

/**
 * Creates `dir` (and missing parents) as 0700, or checks an existing one: a
 * directory (a symlink to one counts) owned by this process's user, then chmods
 * it 0700. Throws when it is owned by someone else: they could swap its contents.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new Error(`${dir} belongs to uid ${st.uid}, not to this process (uid ${uid}): refusing to keep the database there`);
  fs.chmodSync(dir, 0o700);
}

/**
 * Takes group and other permissions off `root` and everything under it
 * (directories end up 0700, files 0600 or 0700). Symlinks are left alone, and
 * not followed. Safe to run on a missing path (no-op).
 */
export function makePrivate(root: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    if ((st.mode & 0o777) !== 0o700) fs.chmodSync(root, 0o700);
    for (const name of fs.readdirSync(root)) makePrivate(path.join(root, name));
  } else if (st.mode & 0o077) {
    fs.chmodSync(root, st.mode & 0o700);
  }
}

// Directories PGlite creates honour the umask (its files get explicit modes,
// fixed by makePrivate). Tightened only while it starts: the process-wide umask
// is the caller's (the console sets its own).
async function withPrivateUmask<T>(fn: () => Promise<T>): Promise<T> {
  let old: number | undefined;
  try {
    old = process.umask(0o077);
    process.umask(old | 0o077);
  } catch {
    // worker threads cannot change the umask: the 0700 data dir still keeps others out
  }
  try {
    return await fn();
  } finally {
    if (old !== undefined) process.umask(old);
  }
}

function privateTempDir(): string {
  const base = path.join(os.tmpdir(), "k2ops-db-XXXXXX");
  // a long TMPDIR would not leave room for the socket name
  const parent = base.length + 1 + SOCKET_NAME.length <= MAX_SOCKET_PATH ? os.tmpdir() : "/tmp";
  const dir = fs.mkdtempSync(path.join(parent, "k2ops-db-")); // mkdtemp creates 0700
  fs.chmodSync(dir, 0o700);
  return dir;
}

// A socket file left by a process that died is removed; one that still answers
// means another process serves this data dir.
async function clearStaleSocket(socketPath: string): Promise<void> {
  if (!fs.existsSync(socketPath)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const s = net.connect(socketPath);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
  if (alive) throw new Error(`another process is already serving this embedded database (socket ${socketPath}): stop it first`);
  fs.rmSync(socketPath, { force: true });
}
