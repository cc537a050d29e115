import { defineConfig } from "vitest/config";
import path from "node:path";

// Projects: "unit" (pure, fast, no outside processes), "db" (each file on a database of its own),
// "integration" and "integration-timed" (real sshd, real PostgreSQL protocol, simulators; needs root).

const INTEGRATION = ["lib/**/*.int.test.ts", "simulator/**/*.int.test.ts", "scripts/**/*.int.test.ts", "app/**/*.int.test.ts"];
// integration files whose assertions time something: they run one at a time, with nothing beside them
const TIMED = [
  "lib/ssh/engine.int.test.ts",
  "lib/node-ops/compose.int.test.ts",
  "simulator/node/latency.int.test.ts",
  "simulator/node/cost.int.test.ts",
  "simulator/node/fidelity-meter.int.test.ts",
  "simulator/node/fidelity-sidecar.int.test.ts",
];
// what both integration projects share
const INTEGRATION_SETTINGS = {
  environment: "node",
  testTimeout: 120_000,
  hookTimeout: 180_000,
  pool: "forks",
  // the simulated nodes run on the test machine's cores: fleet jobs 16 nodes at once, as the demo's launcher sets
  env: { K2OPS_JOB_CONCURRENCY: process.env.K2OPS_JOB_CONCURRENCY ?? "16" },
} as const;

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
          include: INTEGRATION,
          exclude: [...TIMED, "node_modules/**"],
          ...INTEGRATION_SETTINGS,
          // two files at a time: a file keeps this 2-core machine about half busy (its nodes' checks,
          // then waits on timers, health gates, heartbeats); every file has addresses and directories of its own
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          // the files that time something (relay delays, timeouts, rates, CPU): alone, after the others
          name: "integration-timed",
          include: TIMED,
          ...INTEGRATION_SETTINGS,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
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
