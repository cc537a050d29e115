"use client";

import { useTranslations } from "next-intl";
import { useTimeZone } from "./time";

/** Says which zone the console's times are shown in (the browser's) and that a hover shows UTC. */
export function TimeZoneNote({ className = "text-xs text-muted-foreground" }: { className?: string }) {
  const t = useTranslations("language");
  return <p className={className}>{t("timeZone", { zone: useTimeZone() })}</p>;
}
