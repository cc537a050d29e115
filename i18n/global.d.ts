import type { LOCALES } from "@/lib/i18n/locales";
import type en from "@/messages/en.json";

// Typed catalogs: t("…") keys are checked by tsc against messages/en.json
// (lib/i18n/catalogs.test.ts checks that zh-CN.json has the same keys).
declare module "next-intl" {
  interface AppConfig {
    Locale: (typeof LOCALES)[number];
    Messages: typeof en;
  }
}
