"use server";

import { z } from "zod";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/actions/safe-action";
import { verifyNode } from "@/lib/node-ops/verify";

const ipv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, "not an IPv4 address");

export const verifyNodeAction = defineAction({
  name: "node.verify",
  role: "operator",
  input: z.object({ ipv4 }),
  target: (i) => ({ type: "node", id: i.ipv4 }),
  run: async (input, ctx) => {
    const out = await verifyNode(input.ipv4, { triggeredBy: ctx.user.email });
    revalidatePath(`/nodes/${input.ipv4}`);
    return out.status === "error" ? { status: out.status, error: out.error } : { status: out.status, failingChecks: out.failingChecks };
  },
  auditResult: (r) => r,
});
