import type { LOCALES } from "@/lib/i18n/locales";
import type { Messages } from "@/messages";

// Typed catalogs: t("…") keys are checked by tsc against the English catalog (messages/en/*.json;
// lib/i18n/catalogs.test.ts checks that zh-CN has the same keys).
declare module "next-intl" {
  interface AppConfig {
    Locale: (typeof LOCALES)[number];
    Messages: Messages;
  }
}
