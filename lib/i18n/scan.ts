import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

// The catalog scan behind lib/i18n/catalogs.test.ts and `npm run i18n:scan`: which catalog keys a
// source file uses and which visible text it still hard-codes. Development tooling (it parses with
// the TypeScript compiler): never imported by the console itself.

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");

/** Verbatim in every language: product names and technical tokens. */
export const VERBATIM = new Set(["k2", "k2ops", "k2s", "Center", "K2_VERSION", "SSH", "UTC", "UDID", "Lightsail", "Slack", "webhook"]);

export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(rel);
  }
  return out;
}

/** A source file parsed by the TypeScript compiler (TSX for .tsx). */
export const parse = (rel: string, text = read(rel)) => ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, rel.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);

/** Visits `node` and every node below it. */
export function walk(node: ts.Node, visit: (n: ts.Node) => void) {
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
const classList = (s: string) => s.trim().split(/\s+/).every((w) => /^[!a-z0-9:_[\]/.%()&>*=-]+$/.test(w)) && /[-:]/.test(s);
export const verbatim = (s: string) => s.trim().split(/[\s·—–-]+/).filter(Boolean).every((w) => VERBATIM.has(w) || !hasLetters(w));

export type Hardcoded = { file: string; line: number; text: string; why: string };

/** Hard-coded visible text in a file (heuristic): JSX text, text attributes, prose string literals. */
export function hardcodedText(rel: string, text?: string): Hardcoded[] {
  const sf = parse(rel, text);
  const out: Hardcoded[] = [];
  const at = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const inCode = (n: ts.Node): boolean => {
    for (let p: ts.Node | undefined = n.parent; p; p = p.parent) {
      if (ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isExpressionStatement(p) && ts.isStringLiteral(p.expression)) return true;
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
    // X.displayName = "Button": a name for React's dev tools ("use server" in a function is a directive, above)
    if (ts.isBinaryExpression(n.parent) && ts.isPropertyAccessExpression(n.parent.left) && n.parent.left.name.text === "displayName") return;
    const full = ts.isTemplateExpression(n) ? [n.head.text, ...n.templateSpans.map((s) => s.literal.text)].join(" ") : lit.text;
    if (!hasLetters(full) || verbatim(full) || classList(full) || inCode(n)) return;
    const attr = ts.isJsxAttribute(n.parent) ? n.parent : ts.isJsxExpression(n.parent) && ts.isJsxAttribute(n.parent.parent) ? n.parent.parent : null;
    if (attr && TEXT_ATTRS.has(attr.name.getText(sf))) out.push({ file: rel, line: at(n), text: full, why: `${attr.name.getText(sf)}= attribute` });
    else if (ts.isJsxExpression(n.parent) && (ts.isJsxElement(n.parent.parent) || ts.isJsxFragment(n.parent.parent))) out.push({ file: rel, line: at(n), text: full, why: "JSX child" });
    else if (isProse(full)) out.push({ file: rel, line: at(n), text: full, why: "string literal" });
  });
  return out;
}

