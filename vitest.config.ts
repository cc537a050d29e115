import { defineConfig } from "vitest/config";
import path from "node:path";

// Two projects: "unit" (pure, fast, no outside processes) and "integration"
// (real sshd, real PostgreSQL protocol, simulators; needs root).
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["lib/**/*.test.ts", "simulator/**/*.test.ts", "components/**/*.test.ts", "scripts/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/*.db.test.ts", "node_modules/**"],
          environment: "node",
          // vitest's default is one worker per core less one: on a 2-core machine, one
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["lib/**/*.int.test.ts", "simulator/**/*.int.test.ts", "scripts/**/*.int.test.ts", "app/**/*.int.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: "forks",
          fileParallelism: false,
          // the simulated nodes run on the test machine's cores: fleet jobs 16 nodes at once, as the demo's launcher sets
          env: { K2OPS_JOB_CONCURRENCY: process.env.K2OPS_JOB_CONCURRENCY ?? "16" },
        },
      },
      {
        extends: true,
        test: {
          // database-backed tests: the test command runs them against the
          // embedded database and again against a real PostgreSQL server
          name: "db",
          include: ["lib/**/*.db.test.ts", "app/**/*.db.test.ts", "scripts/**/*.db.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: "forks",
          // each file has its own database: two at a time (PGlite is in-process, the server waits on I/O)
          maxWorkers: 2,
        },
      },
    ],
  },
});
