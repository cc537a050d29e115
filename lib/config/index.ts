import path from "node:path";

// Where k2ops keeps local state when no outside service is configured.
export function dataDir(): string {
  return path.resolve(process.env.K2OPS_DATA_DIR ?? path.join(process.cwd(), ".data"));
}

export function embeddedDataDir(): string {
  return path.join(dataDir(), "pglite");
}
