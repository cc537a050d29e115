import { z } from "zod";
import { db, type Tx } from "@/lib/db";
import { LOCALES, isLocale, type Locale } from "./locales";

// A user's language, saved per account in the Setting key/value table, so it follows them
// to every browser they sign in from.

export const localeInputSchema = z.object({ locale: z.enum(LOCALES) });

export const localeSettingKey = (userId: string) => `user.locale:${userId}`;

/** The user's saved language, or null when they never chose one (or it is no longer offered). */
export async function userLocale(userId: string, client: Pick<Tx, "setting"> = db()): Promise<Locale | null> {
  const s = await client.setting.findUnique({ where: { key: localeSettingKey(userId) } });
  return isLocale(s?.value) ? s.value : null;
}

/** Saves the user's language (by them: updatedBy is their email). */
export async function setUserLocale(tx: Pick<Tx, "setting">, user: { id: string; email: string }, locale: Locale): Promise<{ locale: Locale }> {
  const key = localeSettingKey(user.id);
  await tx.setting.upsert({ where: { key }, create: { key, value: locale, updatedBy: user.email }, update: { value: locale, updatedBy: user.email } });
  return { locale };
}
