import { z } from "zod";
import { msg, schemaText } from "@/lib/text";
import { roleSchema } from "./roles";

// The zod schemas of the account forms, free of server-only imports so the
// client forms validate with exactly what the server actions validate with.

export const MIN_PASSWORD_LENGTH = 10;

export const emailSchema = z.string().trim().toLowerCase().email("Enter a valid email address").max(200);
export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, schemaText(msg`Password must be at least ${MIN_PASSWORD_LENGTH} characters`))
  .max(200, "Password is too long");

export const newUserSchema = z.object({
  email: emailSchema,
  name: z.string().trim().max(100).default(""),
  role: roleSchema,
  password: passwordSchema,
});
export type NewUser = z.infer<typeof newUserSchema>;

export const passwordResetSchema = z.object({ id: z.string().min(1).max(64), password: passwordSchema });

export const passwordChangeSchema = z
  .object({ currentPassword: z.string().min(1, "Enter your current password").max(200), newPassword: passwordSchema, confirmPassword: z.string().max(200) })
  .refine((v) => v.newPassword === v.confirmPassword, { message: "The two new passwords differ", path: ["confirmPassword"] })
  .refine((v) => v.newPassword !== v.currentPassword, { message: "The new password must differ from the current one", path: ["newPassword"] });

/** The sign-in form (lib/auth/signin.ts): an empty field is refused there, with its own message. */
export const loginSchema = z.object({ email: z.string().max(200), password: z.string().max(200) });
