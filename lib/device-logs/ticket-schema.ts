import { z } from "zod";

// The ticket changes' input (server actions and the form share it).

export const ticketRefSchema = z.object({ id: z.number({ error: "a ticket number" }).int("a ticket number").positive("a ticket number") });

/**
 * The reply field's errors, by code (catalog "deviceLogs.actions.errors.<code>"):
 * the English message the schema gives, and its values (`max`: the longest reply,
 * shown formatted: "2,000"). The form shows `t(code, values)` (see replyFieldError).
 */
export const REPLY_FIELD_ERRORS = {
  empty: { text: "write the reply", values: {} },
  tooLong: { text: "a reply is at most 2,000 characters", values: { max: 2000 } },
} as const satisfies Record<string, { text: string; values: Record<string, number> }>;
export type ReplyFieldErrorCode = keyof typeof REPLY_FIELD_ERRORS;

/** A reply to the user (Center sends it by e-mail): 1-2,000 characters. */
export const ticketReplySchema = ticketRefSchema.extend({
  content: z.string().trim().min(1, REPLY_FIELD_ERRORS.empty.text).max(REPLY_FIELD_ERRORS.tooLong.values.max, REPLY_FIELD_ERRORS.tooLong.text),
});

/**
 * The reply field's error message (a zod issue's, from the form's resolver or the
 * server action's fieldErrors) with its `code` and `values` when it is one of
 * REPLY_FIELD_ERRORS; code null otherwise (show `text`).
 */
export function replyFieldError(message: string): { text: string; code: ReplyFieldErrorCode | null; values: Record<string, number> } {
  for (const [code, e] of Object.entries(REPLY_FIELD_ERRORS) as [ReplyFieldErrorCode, (typeof REPLY_FIELD_ERRORS)[ReplyFieldErrorCode]][]) {
    if (e.text === message) return { text: message, code, values: e.values };
  }
  return { text: message, code: null, values: {} };
}
