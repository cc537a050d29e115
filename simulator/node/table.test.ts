import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The docker shim's table layout (Docker's tabwriter) must count characters, not
// bytes: the k2-oc row's COMMAND ends in "…" (3 bytes), and byte padding shifted
// its STATUS so a parser read "3 months 0." (issue #10 item 19).
const SHIM = path.resolve("simulator/node/shims/docker");

function table(rows: string[][]): string {
  const script = `source <(sed -n '/^table() {/,/^}/p' "$1"); table`;
  const r = spawnSync("bash", ["-c", script, "bash", SHIM], { input: rows.map((r) => r.join("\t")).join("\n") + "\n", encoding: "utf8" });
  expect(r.stderr).toBe("");
  return r.stdout;
}

describe("docker shim table layout", () => {
  it("aligns columns by characters when a cell holds a multi-byte ellipsis", () => {
    const out = table([
      ["NAME", "COMMAND", "STATUS"],
      ["k2-oc", '"/entrypoint.sh ocs…"', "Up 3 months"],
      ["k2s", '"./entrypoint.sh"', "Up 2 days"],
    ]).split("\n");
    const col = out[0].indexOf("STATUS");
    expect(out[1].indexOf("Up 3 months")).toBe(col);
    expect(out[2].indexOf("Up 2 days")).toBe(col);
  });
});
