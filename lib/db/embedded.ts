import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { markEmbedded } from "./adapter";

// The embedded default database: PGlite (PostgreSQL compiled to WebAssembly)
// served over the real PostgreSQL wire protocol, so the app, Prisma and psql
// talk to it exactly as they would to a PostgreSQL server.

export type EmbeddedPostgres = { url: string; port: number; stop(): Promise<void> };

export async function startEmbeddedPostgres(opts: { dataDir?: string; port?: number; host?: string } = {}): Promise<EmbeddedPostgres> {
  const host = opts.host ?? "127.0.0.1";
  if (opts.dataDir) fs.mkdirSync(opts.dataDir, { recursive: true });
  const db = await PGlite.create(opts.dataDir ? { dataDir: opts.dataDir } : {});
  const server = new PGLiteSocketServer({ db, host, port: opts.port ?? 0, maxConnections: 16 });
  await server.start();
  const conn = server.getServerConn(); // "host:port"
  const port = Number(conn.split(":").pop());
  return {
    url: markEmbedded(`postgresql://postgres@${host}:${port}/postgres?sslmode=disable`),
    port,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
