import { z } from "zod";

// The ticket changes' input (server actions and the form share it).

export const ticketRefSchema = z.object({ id: z.number({ error: "a ticket number" }).int("a ticket number").positive("a ticket number") });
/** A reply to the user (Center sends it by e-mail): 1-2,000 characters. */
export const ticketReplySchema = ticketRefSchema.extend({
  content: z.string().trim().min(1, "write the reply").max(2000, "a reply is at most 2,000 characters"),
});
