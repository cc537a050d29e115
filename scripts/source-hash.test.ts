import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

// start.sh rebuilds only when this hash changes (issue #10 item 20): install
// regenerates the Prisma client with new timestamps on every start.
const script = path.resolve("scripts/source-hash.sh");

function tree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k2ops-hash-"));
  fs.mkdirSync(path.join(dir, "lib/db/generated"), { recursive: true });
  fs.mkdirSync(path.join(dir, "app/(console)"), { recursive: true });
  fs.writeFileSync(path.join(dir, "lib/db/generated/client.ts"), "export const x = 1;\n");
  fs.writeFileSync(path.join(dir, "app/(console)/page.tsx"), "export default function P() { return null; }\n");
  fs.writeFileSync(path.join(dir, "next.config.ts"), "export default {};\n");
  return dir;
}
const hash = (dir: string) => execFileSync("bash", [script], { cwd: dir, encoding: "utf8" }).trim();

describe("the build's source hash", () => {
  it("ignores timestamps (a regenerated, identical Prisma client) and sees any content change", () => {
    const dir = tree();
    const first = hash(dir);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    const f = path.join(dir, "lib/db/generated/client.ts");
    fs.writeFileSync(f, fs.readFileSync(f));
    fs.utimesSync(f, new Date(), new Date(Date.now() + 60_000));
    expect(hash(dir)).toBe(first);
    fs.writeFileSync(path.join(dir, "app/(console)/page.tsx"), "export default function P() { return 1; }\n");
    expect(hash(dir)).not.toBe(first);
    // a test file is not part of the build
    const again = hash(dir);
    fs.writeFileSync(path.join(dir, "app/x.test.ts"), "test\n");
    expect(hash(dir)).toBe(again);
  });
});
