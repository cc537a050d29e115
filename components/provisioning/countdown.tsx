"use client";

import * as React from "react";
import { useTranslations } from "next-intl";
import type { ProvisionDeadline } from "@/lib/provisioning/work-items";

/** Time left until Center's provisioning deadline `failsFrom` (ISO) at `nowMs`, or how long ago it passed. */
export function Countdown({ failsFrom, nowMs }: { failsFrom: string; nowMs: number }) {
  const t = useTranslations("provisioning.countdown");
  const ms = new Date(failsFrom).getTime() - nowMs;
  if (ms <= 0) return <span className="text-destructive">{t("passed", { minutes: String(Math.ceil(-ms / 60_000)) })}</span>;
  const m = Math.floor(ms / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return <span className={m < 10 ? "text-warning" : undefined}>{t("left", { time: `${m}:${String(s).padStart(2, "0")}` })}</span>;
}

/** The deadline Center enforces on a provision item, ticking every second, with what happens when it passes. */
export function DeadlineNote({ deadline, serverNowMs }: { deadline: Pick<ProvisionDeadline, "failsFrom" | "code" | "values">; serverNowMs: number }) {
  const t = useTranslations("provisioning.countdown");
  const tp = useTranslations("provisioning");
  const [nowMs, setNow] = React.useState(serverNowMs);
  React.useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <p className="mt-2 text-sm" data-testid="run-deadline">
      {t.rich("deadline", { countdown: () => <Countdown failsFrom={deadline.failsFrom} nowMs={nowMs} /> })} <span className="text-muted-foreground">{tp(deadline.code, deadline.values)}</span>
    </p>
  );
}
