import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import { en, zhCN } from "@/messages";
import { logSearchSchema, searchFieldError, SEARCH_FIELD_ERRORS, type SearchFieldErrorCode } from "./index";
import { REPLY_FIELD_ERRORS, replyFieldError, ticketReplySchema, type ReplyFieldErrorCode } from "./ticket-schema";

// The Device logs forms' field errors: the schemas' English messages have codes;
// the page and the reply form show the catalog's text, the same English
// (e2e/device-logs.spec.ts asserts "a user id is a number" and "write the reply").

const issuesOf = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => Object.fromEntries((r.error?.issues ?? []).map((i) => [String(i.path[0]), i]));

describe("the search form's field errors", () => {
  const t = createTranslator({ locale: "en", messages: en, namespace: "deviceLogs.search.errors" });
  const zh = createTranslator({ locale: "zh-CN", messages: zhCN, namespace: "deviceLogs.search.errors" });

  it("every schema message has its code, and the catalog renders it byte for byte", () => {
    const issues = issuesOf(logSearchSchema.safeParse({ udid: "u".repeat(101), email: "e".repeat(201), userId: "abc", reason: "r".repeat(61), from: "yesterday", to: "2026-11-20" }));
    const want: Record<string, SearchFieldErrorCode> = { udid: "udidTooLong", email: "emailTooLong", userId: "userIdNumber", reason: "reasonTooLong", from: "dateTime" };
    expect(Object.keys(issues).sort()).toEqual(Object.keys(want).sort());
    for (const [field, code] of Object.entries(want)) {
      const e = searchFieldError(issues[field]);
      expect(e.code, field).toBe(code);
      expect(t(code, e.values)).toBe(issues[field].message);
      expect(zh(code, e.values)).not.toBe(issues[field].message);
    }
    expect(new Set(Object.values(want))).toEqual(new Set(Object.keys(SEARCH_FIELD_ERRORS)));
    expect(t("userIdNumber")).toBe("a user id is a number");
  });

  it("a message that is not the schema's has no code: shown as given", () => {
    expect(searchFieldError({ message: "Invalid input" })).toEqual({ text: "Invalid input", code: null, values: {} });
  });
});

describe("the reply form's field errors", () => {
  const t = createTranslator({ locale: "en", messages: en, namespace: "deviceLogs.actions.errors" });

  it("an empty and a too long reply: codes whose English is the schema's, 2,000 formatted", () => {
    const cases: [string, ReplyFieldErrorCode][] = [
      ["   ", "empty"],
      ["x".repeat(2001), "tooLong"],
    ];
    for (const [content, code] of cases) {
      const issue = ticketReplySchema.safeParse({ id: 1, content }).error!.issues.find((i) => i.path[0] === "content")!;
      const e = replyFieldError(issue.message);
      expect(e.code).toBe(code);
      expect(t(code, e.values)).toBe(issue.message);
    }
    expect(t("empty")).toBe("write the reply");
    expect(t("tooLong", REPLY_FIELD_ERRORS.tooLong.values)).toBe("a reply is at most 2,000 characters");
    expect(replyFieldError("Center has no ticket 7.")).toEqual({ text: "Center has no ticket 7.", code: null, values: {} });
  });
});
