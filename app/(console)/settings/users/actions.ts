"use server";

import { z } from "zod";
import { revalidatePath } from "next/cache";
import { ActionFailure, defineAction } from "@/lib/actions/safe-action";
import { roleSchema } from "@/lib/auth/roles";
import { changeUser, createUser, newUserSchema, passwordResetSchema, resetPassword } from "@/lib/auth/users";
import { Prisma } from "@/lib/db";
import { msg } from "@/lib/text";

export const addUserAction = defineAction({
  name: "user.create",
  role: "admin",
  input: newUserSchema,
  target: (i) => ({ type: "user", id: i.email }),
  run: async (input, ctx) => {
    try {
      const user = await ctx.commit((tx) => createUser(input, tx), (u) => ({ id: u.id, role: u.role }));
      revalidatePath("/settings/users");
      return user;
    } catch (e) {
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
        throw new ActionFailure("conflict", msg`A user with email ${input.email} already exists.`);
      }
      throw e;
    }
  },
});

const changeSchema = z.object({
  id: z.string().min(1).max(64),
  role: roleSchema.optional(),
  disabled: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]).optional(),
}).refine((v) => v.role !== undefined || v.disabled !== undefined, { message: "Nothing to change" });

export const changeUserAction = defineAction({
  name: "user.update",
  role: "admin",
  input: changeSchema,
  target: (i) => ({ type: "user", id: i.id }),
  // a refused change (last admin, self-lockout) is a UserRuleError: shown as a conflict
  run: async (input, ctx) => {
    const user = await ctx.commit(
      (tx) => changeUser(tx, ctx.user.id, input.id, { role: input.role, disabled: input.disabled }),
      (u) => ({ email: u.email, role: u.role, disabled: u.disabled }),
    );
    revalidatePath("/settings/users");
    return user;
  },
});

export const resetPasswordAction = defineAction({
  name: "user.password.reset",
  role: "admin",
  input: passwordResetSchema,
  target: (i) => ({ type: "user", id: i.id }),
  run: (input, ctx) => ctx.commit((tx) => resetPassword(tx, ctx.user.id, input.id, input.password), (u) => ({ email: u.email, sessionsEnded: true })),
});
