import { defineConfig } from "prisma/config";

// Used by `prisma generate` (no database needed). Migrations are applied by
// scripts/db-migrate.ts through Prisma's WebAssembly schema engine, because the
// stock `prisma migrate` must download a native engine, which is not possible offline.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://k2ops@127.0.0.1:5432/k2ops" },
});
