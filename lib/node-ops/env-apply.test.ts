import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { envApplyScript } from "./env-apply";

// The script is run for real by bash against a temp deploy dir (the path is
// rewritten to the temp dir; everything else is byte-for-byte what a node gets).
function runOn(content: string, updates: Parameters<typeof envApplyScript>[1]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k2ops-env-"));
  fs.writeFileSync(path.join(dir, ".env"), content, { mode: 0o600 });
  const script = envApplyScript("/apps/k2s", updates).replace("'/apps/k2s/.env'", `'${dir}/.env'`);
  const out = execFileSync("bash", ["-s"], { input: script, encoding: "utf8" });
  const result = fs.readFileSync(path.join(dir, ".env"), "utf8");
  const mode = fs.statSync(path.join(dir, ".env")).mode & 0o777;
  const leftovers = fs.readdirSync(dir).filter((f) => f !== ".env");
  return { out, result, mode, leftovers, script };
}

const SECRET = "d".repeat(64);

describe("envApplyScript (run by bash)", () => {
  it("replaces in place, appends, removes, keeps comments, unknown keys and the secret it never saw", () => {
    const r = runOn(`# node\nK2_NODE_SECRET=${SECRET}\nK2_VERSION=v0.4.8-9d7c6f95\nOTHER=1\nK2_VERSION=v0.0.1\nK2_LOG_LEVEL=debug\n`, [
      { key: "K2_VERSION", value: "v0.4.9-abcdef1" },
      { key: "K2_NODE_TRAFFIC_LIMIT_GB", value: "1000" },
      { key: "K2_LOG_LEVEL", value: null },
    ]);
    expect(r.result).toBe(`# node\nK2_NODE_SECRET=${SECRET}\nK2_VERSION=v0.4.9-abcdef1\nOTHER=1\nK2_NODE_TRAFFIC_LIMIT_GB=1000\n`);
    expect(r.mode).toBe(0o600);
    expect(r.leftovers).toEqual([]);
    expect(r.out.trim()).toBe("k2ops: .env updated");
  });

  it("values with quotes and shell metacharacters land literally; nothing is executed", () => {
    const payload = `x'$(touch /tmp/k2ops-pwned);\`id\`"`;
    const r = runOn("K2_NODE_NAME=old\n", [{ key: "K2_NODE_NAME", value: payload }]);
    expect(r.result).toBe(`K2_NODE_NAME=${payload}\n`);
    expect(fs.existsSync("/tmp/k2ops-pwned")).toBe(false);
  });

  it("refuses undocumented keys and line breaks before any script exists", () => {
    expect(() => envApplyScript("/apps/k2s", [{ key: "PATH", value: "/tmp" }])).toThrow(/not a documented/);
    expect(() => envApplyScript("/apps/k2s", [{ key: "K2_NODE_NAME", value: "a\nK2_NODE_SECRET=x" }])).toThrow(/line break/);
  });

  it("fails without touching anything when the deploy dir has no .env", () => {
    const script = envApplyScript("/apps/k2s", [{ key: "K2_VERSION", value: "v1.0.0" }]).replace("'/apps/k2s/.env'", "'/nonexistent/.env'");
    expect(() => execFileSync("bash", ["-s"], { input: script, stdio: "pipe" })).toThrow();
  });
});
