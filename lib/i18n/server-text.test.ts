import { describe, expect, it } from "vitest";
import { z } from "zod";
import { listOf, msg, schemaText } from "@/lib/text";
import { ActionFailure } from "@/lib/errors";
import { SERVER_TEXT, ZH_SERVER_FILES } from "@/messages/server";
import { say, sayFieldErrors, speak } from "./server-text";
import { allSentences, sentencesIn } from "./server-text-scan";
import { zodIssueLocale } from "./zod-locale";

const placeholders = (s: string) => [...s.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort();

describe("lib's sentences in the reader's language", () => {
  it("says a sentence with its values put back, a nested sentence translated too, data verbatim", () => {
    const inner = msg`Nothing was changed. Invalid ${"port (too big)"}.`;
    expect(inner).toEqual({ id: "Nothing was changed. Invalid {0}.", values: ["port (too big)"], text: "Nothing was changed. Invalid port (too big)." });
    expect(say(inner, "zh-CN")).toBe("未作任何更改。无效：port (too big)。");
    const outer = msg`This needs the ${"admin"} role; you are ${inner}. Nothing was changed.`;
    expect(outer.text).toBe("This needs the admin role; you are Nothing was changed. Invalid port (too big).. Nothing was changed.");
    expect(say(outer, "zh-CN")).toBe("此操作需要 admin 角色，你的角色是 未作任何更改。无效：port (too big)。。未作任何更改。");
    expect(say(outer, "en")).toBe(outer.text);
  });

  it("speak: every sentence in a result is said, wherever it sits; data and dates stay as they are", () => {
    const at = new Date(0);
    const result = { summary: msg`pulled and brought up; ${msg`verification passed`}`, at, n: 3, rows: [{ title: msg`Wrong timezone`, detail: "UTC" }], raw: "verification passed" };
    expect(speak(result, "zh-CN")).toEqual({ summary: "已拉取并启动；校验通过", at, n: 3, rows: [{ title: "时区错误", detail: "UTC" }], raw: "verification passed" });
    expect(speak(result, "en")).toEqual({ summary: "pulled and brought up; verification passed", at, n: 3, rows: [{ title: "Wrong timezone", detail: "UTC" }], raw: "verification passed" });
  });

  it("a list (listOf) says each item in the reader's language and joins them as the language writes it", () => {
    const problems = [msg`the auto-update cron still points at /apps/kaitu-slave`, "usage NOT restored", msg`the k2s-crash-monitor unit is not active`];
    const t = msg`${"cron ok"}, but the verification failed: ${listOf(problems)}`;
    expect(t.text).toBe("cron ok, but the verification failed: the auto-update cron still points at /apps/kaitu-slave; usage NOT restored; the k2s-crash-monitor unit is not active");
    expect(say(t, "en")).toBe(t.text);
    expect(say(t, "zh-CN")).toBe("cron ok，但校验失败：auto-update 的 cron 仍指向 /apps/kaitu-slave；usage NOT restored；k2s-crash-monitor 服务未启用");
    expect(say(listOf(["a", "b"], ", "), "zh-CN")).toBe("a，b");
    expect(say(listOf([]), "zh-CN")).toBe("");
  });

  it("keeps English when there is no translation, never an empty string", () => {
    expect(say(msg`no such sentence ${1}`, "zh-CN")).toBe("no such sentence 1");
    expect(say("ECONNREFUSED 10.0.0.1:22", "zh-CN")).toBe("ECONNREFUSED 10.0.0.1:22");
  });

  it("an ActionFailure keeps its sentence, its message is the English text", () => {
    const f = new ActionFailure("busy", msg`needs the ${"operator"} role`);
    expect(f.message).toBe("needs the operator role");
    expect(say(f.text, "zh-CN")).toBe("需要 operator 角色");
    expect(new ActionFailure("failed", "not signed in").text).toEqual({ id: "not signed in", values: [], text: "not signed in" });
  });

  it("a schema message with values (schemaText) is said by its sentence; zod's own reasons by zod's locale", () => {
    const schema = z.object({ role: z.string().refine(() => false, schemaText(msg`needs the ${"viewer"} role`)), port: z.number().max(10) });
    const r = schema.safeParse({ role: "x", port: 11 }, { error: zodIssueLocale("zh-CN") });
    expect(r.success).toBe(false);
    const errors: Record<string, string[]> = {};
    for (const i of r.error!.issues) (errors[i.path.join(".")] ??= []).push(i.message);
    const zh = sayFieldErrors(errors, "zh-CN");
    expect(zh.role).toEqual(["需要 viewer 角色"]);
    expect(zh.port[0]).toMatch(/[\u4e00-\u9fff]/);
    expect(zh.port[0]).toContain("10");
    expect(sayFieldErrors(errors, "en")).toBe(errors);
  });

  it("the scan finds msg`…`, literal ActionFailure and schema messages, and refuses an untagged template", () => {
    const src = [
      'import { z } from "zod";',
      "const a = z.string().min(3, \"too short\").regex(/x/, { message: \"no x\" });",
      "throw new ActionFailure(\"busy\", `Node ${n} is busy`);",
      "throw new ActionFailure(\"busy\", msg`Node ${n} is busy with ${op}`);",
      "throw new ActionFailure(\"failed\", ok ? \"yes\" : \"no\");",
      "const b = z.string().refine(f, { error: (iss) => `bad ${iss.input}` });",
    ].join("\n");
    const r = sentencesIn("lib/x.ts", src);
    expect(r.uses.map((u) => u.id).sort()).toEqual(["Node {0} is busy with {1}", "no", "no x", "too short", "yes"]);
    expect(r.problems).toEqual([
      { file: "lib/x.ts", line: 3, why: "an ActionFailure message built from an untagged template: write msg`…`" },
      { file: "lib/x.ts", line: 6, why: "a schema message built from an untagged template: write msg`…`" },
    ]);
  });
});

describe("the zh-CN tables cover what lib can say", () => {
  const { uses, problems } = allSentences();
  const zh = SERVER_TEXT["zh-CN"]!;

  it("no message the console shows is built so it cannot be translated", () => {
    expect(problems.map((p) => `${p.file}:${p.line} ${p.why}`)).toEqual([]);
  });

  it("every sentence has a zh-CN translation with the same placeholders", () => {
    const missing = [...new Set(uses.filter((u) => zh[u.id] === undefined).map((u) => `${u.file}:${u.line} ${JSON.stringify(u.id)}`))];
    expect(missing).toEqual([]);
    const mismatched = Object.entries(zh).filter(([id, t]) => placeholders(id).join() !== placeholders(t).join()).map(([id]) => id);
    expect(mismatched).toEqual([]);
  });

  it("no translation is stale, empty, or in two files with two wordings", () => {
    const ids = new Set(uses.map((u) => u.id));
    expect(Object.keys(zh).filter((id) => !ids.has(id))).toEqual([]);
    expect(Object.entries(zh).filter(([, t]) => !t.trim()).map(([id]) => id)).toEqual([]);
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const table of Object.values(ZH_SERVER_FILES)) {
      for (const [id, t] of Object.entries(table)) {
        if (seen.has(id) && seen.get(id) !== t) clashes.push(id);
        seen.set(id, t);
      }
    }
    expect(clashes).toEqual([]);
  });
});
