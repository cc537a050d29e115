import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hardcodedText, keysUsed, read, ROOT, sourceFiles, verbatim } from "./scan";

// Every visible string comes from the catalogs, in both languages:
// (a) messages/en/*.json and messages/zh-CN/*.json have the same namespaces and keys, the same
//     {placeholders} and <tags>, and no empty value;
// (b) every t("…") key used under app/ and components/ exists in both;
// (c) every page and component holds no hard-coded visible text (NOT_YET lists the exceptions).
// `npm run i18n:scan -- <files>` prints what (c) finds in given files.

type Catalog = { [k: string]: string | Catalog };
function flatten(c: Catalog, prefix = "", out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(c)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out.set(key, v);
    else flatten(v, key, out);
  }
  return out;
}
/** One language's catalog: messages/<lang>/<namespace>.json, each file the namespace's object. */
function catalog(lang: string): Map<string, string> {
  const dir = path.join(ROOT, "messages", lang);
  const all: Catalog = {};
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".json"))) all[f.replace(/\.json$/, "")] = JSON.parse(read(`messages/${lang}/${f}`));
  return flatten(all);
}
const CATALOGS = { en: catalog("en"), "zh-CN": catalog("zh-CN") };

/** Files under app/ and components/ not yet moved onto the catalogs (their visible text is English only). */
const NOT_YET: string[] = [];

/** English on purpose: the command palette's search keywords, so that "reboot" finds the operation in every language. */
const ENGLISH_BY_DESIGN = ["components/command/commands.ts"];

/** What people read: pages and components (.tsx) and the components' display helpers (.ts); not server actions or routes. */
const UI_FILES = [...sourceFiles("app").filter((f) => f.endsWith(".tsx")), ...sourceFiles("components")].filter((f) => !ENGLISH_BY_DESIGN.includes(f));

const placeholders = (s: string) => [...s.matchAll(/\{\s*(\w+)|<\/?(\w+)>/g)].map((m) => m[1] ?? `<${m[2]}>`).sort();

// parsing every source file with the TypeScript compiler takes about a second alone, many on a loaded 2-core machine
describe("catalogs", { timeout: 30_000 }, () => {
  it("en and zh-CN have the same keys, no empty values, and the same {placeholders} and <tags>", () => {
    const en = [...CATALOGS.en.keys()].sort();
    const zh = [...CATALOGS["zh-CN"].keys()].sort();
    expect(zh).toEqual(en);
    expect(en.length).toBeGreaterThan(20);
    for (const [lang, cat] of Object.entries(CATALOGS)) {
      for (const [k, v] of cat) expect(v.trim(), `${lang}: ${k}`).not.toBe("");
    }
    for (const k of en) expect(placeholders(CATALOGS["zh-CN"].get(k)!), k).toEqual(placeholders(CATALOGS.en.get(k)!));
  });

  it("the Chinese catalog is written in Chinese (not left in English)", () => {
    // the language's own name and the product/technical tokens are the same in both
    const same = [...CATALOGS.en].filter(([k, v]) => CATALOGS["zh-CN"].get(k) === v && !/^language\.(en|zhCN)/.test(k) && !verbatim(v.replace(/\{\w+\}/g, "")));
    expect(same.map(([k]) => k)).toEqual([]);
  });

  it("every t(…) key used under app/ and components/ is in both catalogs", () => {
    const uses = ["app", "components"].flatMap(sourceFiles).flatMap((f) => keysUsed(f));
    expect(uses.length).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const u of uses) {
      for (const [lang, cat] of Object.entries(CATALOGS)) {
        const found = u.dynamic ? [...cat.keys()].some((k) => k.startsWith(u.key)) : cat.has(u.key);
        if (!found) missing.push(`${u.file}:${u.line} ${u.key} (${lang})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("every navigation label is a key of the nav namespace", () => {
    const labels = [...read("components/shell/nav-links.tsx").matchAll(/label: "(\w+)"/g)].map((m) => m[1]);
    expect(labels.length).toBeGreaterThanOrEqual(7);
    for (const l of labels) for (const cat of Object.values(CATALOGS)) expect(cat.has(`nav.${l}`), l).toBe(true);
  });

  it("en and zh-CN have the same namespaces (one file each)", () => {
    // messages/<lang>/server/ holds lib's sentences (messages/server.ts), not page namespaces
    const files = (lang: string) => fs.readdirSync(path.join(ROOT, "messages", lang)).filter((f) => f !== "server").sort();
    expect(files("zh-CN")).toEqual(files("en"));
  });

  it("pages and components hold no hard-coded visible text", () => {
    expect(UI_FILES.length).toBeGreaterThan(80);
    for (const f of NOT_YET) expect(UI_FILES, `NOT_YET lists a file that does not exist: ${f}`).toContain(f);
    const found = UI_FILES.filter((f) => !NOT_YET.includes(f)).flatMap((f) => hardcodedText(f));
    expect(found.map((h) => `${h.file}:${h.line} [${h.why}] ${h.text}`)).toEqual([]);
  });

  it("the scan finds hard-coded text (JSX text, text attributes, prose literals) and keys", () => {
    const sample = `"use client";
import { useTranslations } from "next-intl";
const REASONS = { a: "Your session has expired." };
const TONE = { "verifying revert": "warning" };
export function X({ n, c = "text-xs text-muted-foreground" }: { n: number; c?: string }) {
  const t = useTranslations("shell");
  return (
    <div className={cn("flex items-center gap-2", n && "text-sm")} title="Role: admin" data-x="a b">
      <span aria-label={\`Open \${n}\`}>{t("signOut")}</span>
      Skip to content
      {"Sign out"}
      <b>k2ops</b> · {t.rich("notYet", {})} {t(\`reason.\${n}\`)}
    </div>
  );
}`;
    const found = hardcodedText("sample.tsx", sample).map((h) => h.text);
    expect(found).toEqual(["Your session has expired.", "Role: admin", "Open  ", "Skip to content", "Sign out"]);
    expect(keysUsed("sample.tsx", sample).map((u) => [u.key, u.dynamic])).toEqual([
      ["shell.signOut", false],
      ["shell.notYet", false],
      ["shell.reason.", true],
    ]);
  });
});
