import { useTranslations } from "next-intl";
import type { ProjectionView } from "@/lib/metering/view";
import { Time } from "@/components/i18n/time";
import { projectionKey, relativeParts } from "./format";

// The projected cut and "how long from now", worded from the catalog (format.ts gives the parts).
// No "use client": rendered by server components (the node page) and client ones (the table).

/** "in 3 d 4 h", "2 d ago" */
export function RelativeText({ value, nowMs }: { value: string; nowMs: number }) {
  const t = useTranslations("metering");
  const r = relativeParts(value, nowMs);
  const span = t(`relative.span.${r.unit}`, { d: r.d, h: r.h, m: r.m });
  return <>{r.future ? t("relative.future", { span }) : t("relative.past", { span })}</>;
}

/** The projected cut: its time (the viewer's zone, UTC on hover) and how far off, or why there is none. */
export function ProjectionText({ projection, nowMs }: { projection: ProjectionView; nowMs: number }) {
  const t = useTranslations("metering");
  const p = projectionKey(projection);
  if (p.key === "projected" && p.cutAt)
    return t.rich("projection.projected", { time: () => <Time value={p.cutAt} />, relative: () => <RelativeText value={p.cutAt!} nowMs={nowMs} /> });
  return <>{t(`projection.${p.key === "projected" ? "insufficient" : p.key}`)}</>;
}
