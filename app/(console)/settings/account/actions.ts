"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { changeOwnPassword, passwordChangeSchema } from "@/lib/auth/users";

// Every role may change its own password; the current one is required.
export const changeOwnPasswordAction = defineAction({
  name: "account.password.change",
  role: "viewer",
  input: passwordChangeSchema,
  run: (input, ctx) => ctx.commit((tx) => changeOwnPassword(tx, ctx.user.id, input.currentPassword, input.newPassword), (u) => ({ email: u.email, sessionsEnded: true })),
});
