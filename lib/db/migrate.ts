import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import pg from "pg";
import { isEmbeddedUrl, pgAdapter, pgConnectionString } from "./adapter";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";

// Prisma's own WebAssembly schema engine (the engine behind `prisma migrate
// deploy`), driven through the pg driver adapter. It works offline, records
// rows in _prisma_migrations exactly like the stock CLI, and so a database
// migrated here stays compatible with `prisma migrate` on a connected machine.

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
export const MIGRATIONS_DIR = path.join(ROOT, "prisma/migrations");
export const SCHEMA_PATH = path.join(ROOT, "prisma/schema.prisma");

const NO_FILTER = { externalTables: [], externalEnums: [] };

type Engine = {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  migrateDiff(input: unknown): Promise<{ exitCode: number }>;
  stop(): Promise<void>;
};

// @prisma/internals looks for the engine's .wasm inside its own folder; the
// identical file ships with the prisma package.
function ensureWasmInPlace(): void {
  const internalsDir = path.dirname(require.resolve("@prisma/internals/package.json"));
  const dst = path.join(internalsDir, "build/schema_engine_bg.wasm");
  if (fs.existsSync(dst)) return;
  const src = path.join(path.dirname(require.resolve("prisma/package.json")), "build/schema_engine_bg.wasm");
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.copyFileSync(src, dst);
}

// The pg driver adapter runs a migration script by splitting it on ";", which
// breaks any statement with a semicolon inside (a PL/pgSQL function body). The
// stock CLI sends a migration.sql whole, as one simple query; so do we.
type ScriptRunner = { executeScript(script: string): Promise<void>; client?: { query(sql: string): Promise<unknown> }; onError?(e: unknown): never };
type Factory = ReturnType<typeof pgAdapter>;

function wholeScripts(factory: Factory): Factory {
  const connect = factory.connect.bind(factory);
  const shadow = factory.connectToShadowDb.bind(factory);
  const patch = <A>(adapter: A): A => {
    const a = adapter as unknown as ScriptRunner;
    if (!a.client || typeof a.client.query !== "function") return adapter; // not the shape we know: keep the stock behaviour
    const client = a.client;
    a.executeScript = async (script: string) => {
      try {
        await client.query(script);
      } catch (e) {
        if (a.onError) a.onError(e);
        throw e;
      }
    };
    return adapter;
  };
  factory.connect = async () => patch(await connect());
  factory.connectToShadowDb = async () => patch(await shadow());
  return factory;
}

async function openEngine(databaseUrl: string): Promise<Engine> {
  ensureWasmInPlace();
  // CommonJS package without ESM named exports
  const { SchemaEngineWasm } = require("@prisma/migrate") as { SchemaEngineWasm: { setup(o: unknown): Promise<Engine> } };
  const adapter = bindMigrationAwareSqlAdapterFactory(wholeScripts(pgAdapter(databaseUrl)));
  const schema = fs.readFileSync(SCHEMA_PATH, "utf8");
  return SchemaEngineWasm.setup({ adapter, schemaContext: { schemaFiles: [[SCHEMA_PATH, schema]] } });
}

function listMigrations() {
  const lockPath = path.join(MIGRATIONS_DIR, "migration_lock.toml");
  const entries = fs.existsSync(MIGRATIONS_DIR)
    ? fs.readdirSync(MIGRATIONS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory())
    : [];
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: "migration_lock.toml", content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, "utf8") : null },
    migrationDirectories: entries
      .map((e) => {
        const file = path.join(MIGRATIONS_DIR, e.name, "migration.sql");
        return {
          path: e.name,
          migrationFile: {
            path: "migration.sql",
            content: fs.existsSync(file) ? { tag: "ok", value: fs.readFileSync(file, "utf8") } : { tag: "error", value: "missing migration.sql" },
          },
        };
      })
      .sort((a, b) => a.path.localeCompare(b.path)),
    shadowDbInitScript: "",
  };
}

/** Applies every pending migration in prisma/migrations. Returns the names applied. */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  const engine = await openEngine(databaseUrl);
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList: listMigrations(), filters: NO_FILTER });
    return appliedMigrationNames;
  } finally {
    await engine.stop();
    await releaseEmbeddedSessionLocks(databaseUrl);
  }
}

// The engine guards a migration run with pg_advisory_lock, which a server drops
// with the engine's connection. The embedded database has ONE session that
// outlives every connection, so the lock would stay held: release it. k2ops
// takes no other advisory locks.
async function releaseEmbeddedSessionLocks(databaseUrl: string): Promise<void> {
  if (!isEmbeddedUrl(databaseUrl)) return;
  const c = new pg.Client({ connectionString: pgConnectionString(databaseUrl) });
  await c.connect();
  try {
    await c.query("SELECT pg_advisory_unlock_all()");
  } finally {
    await c.end();
  }
}

// The schema as of the newest migration, kept beside the migrations so the next
// migration can be authored by a pure datamodel-to-datamodel diff (the Wasm
// engine cannot introspect a live PostgreSQL through the pg adapter).
export const SCHEMA_SNAPSHOT = path.join(MIGRATIONS_DIR, "schema.snapshot.prisma");

/**
 * SQL that takes the schema at the newest migration (empty when there is none)
 * to prisma/schema.prisma; "" when they agree. `databaseUrl` only hosts the
 * engine: a datamodel diff reads no tables.
 */
export async function diffSnapshotToSchema(databaseUrl: string): Promise<string> {
  const engine = await openEngine(databaseUrl);
  const schema = fs.readFileSync(SCHEMA_PATH, "utf8");
  const from = fs.existsSync(SCHEMA_SNAPSHOT)
    ? { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: fs.readFileSync(SCHEMA_SNAPSHOT, "utf8") }] }
    : { tag: "empty" };
  // the engine writes the script to stdout; capture it
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((c: string | Uint8Array) => {
    chunks.push(typeof c === "string" ? c : Buffer.from(c).toString("utf8"));
    return true;
  }) as typeof process.stdout.write;
  try {
    await engine.migrateDiff({
      from,
      to: { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: schema }] },
      script: true,
      exitCode: null,
      filters: NO_FILTER,
    });
  } finally {
    process.stdout.write = write;
    await engine.stop();
  }
  const sql = chunks.join("");
  return /^\s*-- This is an empty migration\.\s*$/.test(sql) ? "" : sql;
}
