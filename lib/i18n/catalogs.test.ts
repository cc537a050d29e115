import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// Every visible string comes from the catalogs, in both languages:
// (a) messages/en.json and messages/zh-CN.json have the same keys, the same {placeholders}
//     and <tags>, and no empty value;
// (b) every t("…") key used under app/ and components/ exists in both;
// (c) the files already moved onto the catalogs (MOVED) hold no hard-coded visible text.

const ROOT = path.resolve(import.meta.dirname, "../..");
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");

type Catalog = { [k: string]: string | Catalog };
function flatten(c: Catalog, prefix = "", out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(c)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out.set(key, v);
    else flatten(v, key, out);
  }
  return out;
}
const CATALOGS = { en: flatten(JSON.parse(read("messages/en.json"))), "zh-CN": flatten(JSON.parse(read("messages/zh-CN.json"))) };

/** Files whose visible text is all in the catalogs: the test refuses a hard-coded word in them. */
const MOVED = [
  "app/layout.tsx",
  "app/(console)/layout.tsx",
  "app/login/page.tsx",
  "app/(console)/settings/account/page.tsx",
  "components/shell/app-shell.tsx",
  "components/shell/nav-links.tsx",
  "components/shell/not-yet.tsx",
  "components/shell/page-header.tsx",
  "components/shell/page-help.tsx",
  "app/(console)/runbook/[[...doc]]/page.tsx",
  "components/shell/planned-page.tsx",
  "components/shell/sign-out-button.tsx",
  "components/i18n/locale-switch.tsx",
  "components/i18n/time.tsx",
  "components/i18n/time-zone-note.tsx",
  "components/ui/theme-toggle.tsx",
  "components/auth/login-form.tsx",
  "components/users/password-change-form.tsx",
  "app/(console)/page.tsx",
  "components/fleet/fleet-view.tsx",
  "components/fleet/fleet-table.tsx",
  "components/fleet/fleet-filters.tsx",
  "components/fleet/fleet-columns-menu.tsx",
  "components/fleet/fleet-summary.tsx",
  "components/fleet/add-node-dialog.tsx",
  "components/ui/dialog.tsx",
  "components/ui/confirm-dialog.tsx",
  "components/ui/pagination.tsx",
  "components/ui/code-block.tsx",
  "components/jobs/job-progress.tsx",
  "components/jobs/job-list.tsx",
  "components/jobs/job-detail.tsx",
  "components/rollout/step-badge.tsx",
  "components/command/command-palette.tsx",
  "app/(console)/audit/page.tsx",
  "components/audit/audit-filters.tsx",
  "components/audit/audit-pager.tsx",
  "components/audit/audit-table.tsx",
  "app/(console)/operations/rollout/new/page.tsx",
  "components/rollout/rollout-form.tsx",
  "components/rollout/rollout-plan.tsx",
  "components/rollout/rollout-view.tsx",
  "components/rollout/rollout-controls.tsx",
  "app/(console)/nodes/[ip]/page.tsx",
  "components/node/node-operations.tsx",
  "components/node/env-editor.tsx",
  "components/node/log-follower.tsx",
  "components/node/ssh-override.tsx",
  "components/node/verification-checklist.tsx",
  "components/node/verify-button.tsx",
  "app/(console)/settings/page.tsx",
  "app/(console)/settings/users/page.tsx",
  "app/(console)/settings/notifications/page.tsx",
  "components/users/user-admin.tsx",
  "components/notify/notify-settings.tsx",
];

/** Verbatim in every language: product names and technical tokens. */
const VERBATIM = new Set(["k2", "k2ops", "k2s", "Center", "K2_VERSION", "SSH", "UTC", "UDID", "Lightsail", "Slack", "webhook"]);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(rel);
  }
  return out;
}

const parse = (rel: string, text = read(rel)) => ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, rel.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);

function walk(node: ts.Node, visit: (n: ts.Node) => void) {
  visit(node);
  node.forEachChild((c) => walk(c, visit));
}

/** A string's text, or for a template `prefix${…}…` its text up to the first substitution (marked dynamic). */
function literal(n: ts.Node): { text: string; dynamic: boolean } | null {
  if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) return { text: n.text, dynamic: false };
  if (ts.isTemplateExpression(n)) return { text: n.head.text, dynamic: true };
  return null;
}

export type KeyUse = { file: string; line: number; key: string; dynamic: boolean };

/**
 * The catalog keys a file uses: translators come from useTranslations("ns") / getTranslations("ns")
 * (or ({ namespace: "ns" })), bound to a name; each call name("key"), name.rich/markup/raw/has("key")
 * is the key "ns.key". A template key (`reason.${r}`) is recorded as a dynamic prefix.
 */
export function keysUsed(rel: string, text?: string): KeyUse[] {
  const sf = parse(rel, text);
  const translators = new Map<string, string>();
  walk(sf, (n) => {
    if (!ts.isVariableDeclaration(n) || !ts.isIdentifier(n.name) || !n.initializer) return;
    let init: ts.Expression = n.initializer;
    if (ts.isAwaitExpression(init)) init = init.expression;
    if (!ts.isCallExpression(init) || !ts.isIdentifier(init.expression) || !["useTranslations", "getTranslations"].includes(init.expression.text)) return;
    const arg = init.arguments[0];
    let ns = "";
    if (arg && ts.isStringLiteral(arg)) ns = arg.text;
    else if (arg && ts.isObjectLiteralExpression(arg)) {
      for (const p of arg.properties) if (ts.isPropertyAssignment(p) && p.name.getText(sf) === "namespace" && ts.isStringLiteral(p.initializer)) ns = p.initializer.text;
    }
    translators.set(n.name.text, ns);
  });
  const uses: KeyUse[] = [];
  walk(sf, (n) => {
    if (!ts.isCallExpression(n) || !n.arguments.length) return;
    const callee = n.expression;
    let name: string | null = null;
    if (ts.isIdentifier(callee)) name = callee.text;
    else if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && ["rich", "markup", "raw", "has"].includes(callee.name.text)) name = callee.expression.text;
    if (name === null || !translators.has(name)) return;
    const lit = literal(n.arguments[0]);
    if (!lit) return; // a typed variable key (e.g. t(l.label)): tsc checks it against the typed catalog
    const ns = translators.get(name)!;
    uses.push({ file: rel, line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1, key: ns ? `${ns}.${lit.text}` : lit.text, dynamic: lit.dynamic });
  });
  return uses;
}

/** JSX attributes that people read (or hear). */
const TEXT_ATTRS = new Set(["title", "aria-label", "aria-description", "aria-valuetext", "placeholder", "alt", "label", "description", "notice", "what", "issue"]);
/** Where strings are code, not text: class names, the directive, module names, catalog keys. */
const CODE_CALLS = new Set(["cn", "cva", "clsx", "useTranslations", "getTranslations", "t", "redirect", "require"]);

const hasLetters = (s: string) => /\p{L}/u.test(s);
const isProse = (s: string) => /\p{Script=Han}/u.test(s) || /\p{L}{2,}[^\S\n]+\p{L}{2,}/u.test(s) || /^[A-Z][a-z]+[.:!?]?$/.test(s.trim());
/** "text-xs text-muted-foreground": a class list, not text */
const classList = (s: string) => s.trim().split(/\s+/).every((w) => /^[!a-z0-9:_[\]/.%()&>*-]+$/.test(w)) && /[-:]/.test(s);
const verbatim = (s: string) => s.trim().split(/[\s·—–-]+/).filter(Boolean).every((w) => VERBATIM.has(w) || !hasLetters(w));

export type Hardcoded = { file: string; line: number; text: string; why: string };

/** Hard-coded visible text in a file (heuristic): JSX text, text attributes, prose string literals. */
export function hardcodedText(rel: string, text?: string): Hardcoded[] {
  const sf = parse(rel, text);
  const out: Hardcoded[] = [];
  const at = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const inCode = (n: ts.Node): boolean => {
    for (let p: ts.Node | undefined = n.parent; p; p = p.parent) {
      if (ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isExpressionStatement(p) && p.parent === sf && ts.isStringLiteral(p.expression)) return true;
      if (ts.isJsxAttribute(p)) {
        const name = p.name.getText(sf);
        return name === "className" || name === "href" || name === "id" || name.startsWith("data-") || name === "htmlFor" || name === "autoComplete" || name === "type" || name === "variant" || name === "role";
      }
      if (ts.isCallExpression(p)) {
        const c = p.expression;
        const name = ts.isIdentifier(c) ? c.text : ts.isPropertyAccessExpression(c) ? c.name.text : "";
        if (CODE_CALLS.has(name) || (ts.isPropertyAccessExpression(c) && ts.isIdentifier(c.expression) && c.expression.text === "t")) return true;
      }
      if (ts.isElementAccessExpression(p) || ts.isTypeNode(p)) return true;
    }
    return false;
  };
  walk(sf, (n) => {
    if (ts.isJsxText(n)) {
      const s = n.text.trim();
      if (s && hasLetters(s) && !verbatim(s)) out.push({ file: rel, line: at(n), text: s, why: "JSX text" });
      return;
    }
    const lit = literal(n);
    if (!lit) return;
    // an object's key ({ "verifying revert": "warning" }) names data, it is not shown as such
    if ((ts.isPropertyAssignment(n.parent) || ts.isPropertySignature(n.parent)) && n.parent.name === n) return;
    const full = ts.isTemplateExpression(n) ? [n.head.text, ...n.templateSpans.map((s) => s.literal.text)].join(" ") : lit.text;
    if (!hasLetters(full) || verbatim(full) || classList(full) || inCode(n)) return;
    const attr = ts.isJsxAttribute(n.parent) ? n.parent : ts.isJsxExpression(n.parent) && ts.isJsxAttribute(n.parent.parent) ? n.parent.parent : null;
    if (attr && TEXT_ATTRS.has(attr.name.getText(sf))) out.push({ file: rel, line: at(n), text: full, why: `${attr.name.getText(sf)}= attribute` });
    else if (ts.isJsxExpression(n.parent) && (ts.isJsxElement(n.parent.parent) || ts.isJsxFragment(n.parent.parent))) out.push({ file: rel, line: at(n), text: full, why: "JSX child" });
    else if (isProse(full)) out.push({ file: rel, line: at(n), text: full, why: "string literal" });
  });
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\s*(\w+)|<\/?(\w+)>/g)].map((m) => m[1] ?? `<${m[2]}>`).sort();

describe("catalogs", () => {
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

  it("the files moved onto the catalogs hold no hard-coded visible text", () => {
    expect(MOVED.flatMap((f) => hardcodedText(f))).toEqual([]);
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
