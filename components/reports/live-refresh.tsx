"use client";

import * as React from "react";
import { useRouter } from "next/navigation";

/** Re-renders the (server) page every `everyMs` ms (default 2000) while `active`: a report fills in live as its nodes answer. `label`: what the status line says. */
export function LiveRefresh({ active, everyMs = 2000, label = "live: updating as nodes answer…" }: { active: boolean; everyMs?: number; label?: string }) {
  const router = useRouter();
  React.useEffect(() => {
    if (!active) return;
    const t = setInterval(() => router.refresh(), everyMs);
    return () => clearInterval(t);
  }, [active, everyMs, router]);
  return active ? (
    <span className="text-xs text-muted-foreground" role="status" data-testid="report-live">
      {label}
    </span>
  ) : null;
}
