import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The server boundary, checked over the source: every server action goes
// through defineAction (zod, session, role, audit) and every route handler
// through withRoute, except next-auth's own route and the public health probe.

const ROOT = path.resolve(import.meta.dirname, "../..");

function files(dir: string, match: (f: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(rel, match));
    else if (match(e.name)) out.push(rel);
  }
  return out;
}

const sources = ["app", "components", "lib"].flatMap((d) => files(d, (f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f)));

describe("server boundary", () => {
  it("every export of a 'use server' module is an action built by defineAction", () => {
    const modules = sources.filter((f) => /^\s*["']use server["']/.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
    expect(modules.length).toBeGreaterThanOrEqual(4);
    for (const f of modules) {
      const text = fs.readFileSync(path.join(ROOT, f), "utf8");
      const exports = text.split("\n").filter((l) => /^export\s/.test(l));
      expect(exports.length, f).toBeGreaterThan(0);
      for (const l of exports) expect(l, `${f}: ${l}`).toMatch(/^export const \w+ = defineAction\(/);
    }
  });

  it("every route handler is wrapped by withRoute, except next-auth, the health probe and the metrics endpoint", () => {
    const routes = files("app", (f) => f === "route.ts");
    expect(routes.length).toBeGreaterThanOrEqual(4);
    // the metrics endpoint authenticates by its bearer token (lib/metrics/auth), not a session
    const open = ["app/api/auth/[...nextauth]/route.ts", "app/api/health/route.ts", "app/metrics/route.ts"];
    for (const f of routes) {
      const text = fs.readFileSync(path.join(ROOT, f), "utf8");
      const handlers = text.split("\n").filter((l) => /^export (const|async function|function) (GET|POST|PUT|PATCH|DELETE)\b/.test(l));
      if (open.includes(f)) continue;
      expect(handlers.length, f).toBeGreaterThan(0);
      for (const l of handlers) expect(l, `${f}: ${l}`).toMatch(/^export const (GET|POST|PUT|PATCH|DELETE) = withRoute\(/);
    }
  });
});
