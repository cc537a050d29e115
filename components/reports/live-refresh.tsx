"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";

/** Re-renders the (server) page every `everyMs` ms (default 2000) while `active`: a report fills in live as its nodes answer. `label`: what the status line says (default: reports.live). */
export function LiveRefresh({ active, everyMs = 2000, label }: { active: boolean; everyMs?: number; label?: string }) {
  const router = useRouter();
  const t = useTranslations("reports");
  React.useEffect(() => {
    if (!active) return;
    const t = setInterval(() => router.refresh(), everyMs);
    return () => clearInterval(t);
  }, [active, everyMs, router]);
  return active ? (
    <span className="text-xs text-muted-foreground" role="status" data-testid="report-live">
      {label ?? t("live")}
    </span>
  ) : null;
}
