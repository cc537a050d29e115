import ts from "typescript";
import { parse, read, sourceFiles, walk } from "./scan";

// Which of lib's sentences (lib/text) the console can say to a person, found in the source, for
// lib/i18n/server-text.test.ts: msg`…` templates, literal ActionFailure messages, and a zod
// schema's own messages. Development tooling (the TypeScript compiler): never imported by the console.

/** zod methods whose string argument, or `{ message | error }` option, is a message shown to a person. */
const ZOD_CHECKS = new Set([
  "min", "max", "length", "regex", "refine", "superRefine", "url", "email", "int", "positive", "nonnegative", "negative", "nonempty",
  "gte", "lte", "gt", "lt", "multipleOf", "uuid", "datetime", "date", "string", "number", "boolean", "enum", "object", "array", "ipv4", "ipv6", "cidrv4", "addIssue", "check", "trim",
]);

export type SentenceUse = { file: string; line: number; id: string };
export type Untranslatable = { file: string; line: number; why: string };

/** The id of msg`…`: its template with {0}, {1}… for the substitutions. */
function templateId(t: ts.TemplateLiteral): string {
  if (ts.isNoSubstitutionTemplateLiteral(t)) return t.text;
  return t.head.text + t.templateSpans.map((s, i) => `{${i}}${s.literal.text}`).join("");
}

/** Sentences and untranslatable messages in one source file. */
export function sentencesIn(rel: string, text = read(rel)): { uses: SentenceUse[]; problems: Untranslatable[] } {
  const sf = parse(rel, text);
  const usesZod = /from "zod(\/[^"]*)?"/.test(text);
  const uses: SentenceUse[] = [];
  const problems: Untranslatable[] = [];
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  // a message expression: a literal is a sentence; an interpolated template cannot be translated
  const message = (e: ts.Expression, where: string) => {
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) uses.push({ file: rel, line: line(e), id: e.text });
    else if (ts.isTemplateExpression(e)) problems.push({ file: rel, line: line(e), why: `${where} built from an untagged template: write msg\`…\`` });
    else if (ts.isConditionalExpression(e)) {
      message(e.whenTrue, where);
      message(e.whenFalse, where);
    } else if (ts.isParenthesizedExpression(e)) message(e.expression, where);
    // zod's `error: (iss) => …` says what its body says
    else if (ts.isArrowFunction(e) && !ts.isBlock(e.body)) message(e.body, where);
  };
  walk(sf, (n) => {
    if (ts.isTaggedTemplateExpression(n) && ts.isIdentifier(n.tag) && n.tag.text === "msg") uses.push({ file: rel, line: line(n), id: templateId(n.template) });
    if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "ActionFailure" && n.arguments?.[1]) message(n.arguments[1], "an ActionFailure message");
    if (usesZod && ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ZOD_CHECKS.has(n.expression.name.text)) {
      for (const a of n.arguments) {
        if (ts.isStringLiteral(a) || ts.isNoSubstitutionTemplateLiteral(a) || ts.isTemplateExpression(a)) message(a, "a schema message");
        else if (ts.isObjectLiteralExpression(a)) {
          for (const p of a.properties) {
            if (ts.isPropertyAssignment(p) && ["message", "error"].includes(p.name.getText(sf))) message(p.initializer, "a schema message");
          }
        }
      }
    }
  });
  return { uses, problems };
}

/** Every sentence the console's server code (lib/, app/) can say, and every message it cannot translate. */
export function allSentences(): { uses: SentenceUse[]; problems: Untranslatable[] } {
  const uses: SentenceUse[] = [];
  const problems: Untranslatable[] = [];
  for (const f of [...sourceFiles("lib"), ...sourceFiles("app")]) {
    if (f.startsWith("lib/i18n/")) continue;
    const r = sentencesIn(f);
    uses.push(...r.uses);
    problems.push(...r.problems);
  }
  return { uses, problems };
}
