"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/actions/safe-action";
import { replyToTicket, resolveTicket } from "@/lib/device-logs";
import { ticketRefSchema, ticketReplySchema } from "@/lib/device-logs/ticket-schema";

// A ticket's changes (issue #15): resolve it, reply to the user. Operators,
// audited; Center allows them to its support role only (KAITU_SUPPORT_ACCESS_KEY).

export const resolveTicketAction = defineAction({
  name: "device_logs.ticket.resolve",
  role: "operator",
  input: ticketRefSchema,
  target: (i) => ({ type: "ticket", id: String(i.id) }),
  run: async (i, ctx) => {
    const r = await resolveTicket(i.id, ctx.user.email);
    revalidatePath(`/device-logs/tickets/${i.id}`);
    return r;
  },
});

export const replyTicketAction = defineAction({
  name: "device_logs.ticket.reply",
  role: "operator",
  input: ticketReplySchema,
  target: (i) => ({ type: "ticket", id: String(i.id) }),
  run: async (i) => {
    const r = await replyToTicket(i.id, i.content);
    revalidatePath(`/device-logs/tickets/${i.id}`);
    return r;
  },
});
