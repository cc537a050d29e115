"use server";

import { cookies } from "next/headers";
import { defineAction } from "@/lib/actions/safe-action";
import { LOCALE_COOKIE, LOCALE_COOKIE_MAX_AGE } from "@/lib/i18n/locales";
import { localeInputSchema, setUserLocale } from "@/lib/i18n/preference";

// Every role may choose its own language (saved on the account, audited like every change);
// the cookie keeps it for this browser's sign-in page after sign-out.
export const setLocaleAction = defineAction({
  name: "account.locale.change",
  role: "viewer",
  input: localeInputSchema,
  run: async (input, ctx) => {
    const saved = await ctx.commit((tx) => setUserLocale(tx, ctx.user, input.locale), (r) => r);
    (await cookies()).set(LOCALE_COOKIE, saved.locale, { path: "/", maxAge: LOCALE_COOKIE_MAX_AGE, sameSite: "lax", httpOnly: true });
    return saved;
  },
});
