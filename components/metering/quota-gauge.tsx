import { useLocale, useTranslations } from "next-intl";
import type { GaugeView } from "@/lib/metering/view";
import { cn } from "@/lib/utils";
import { Badge } from "@/components/ui/badge";
import { STATE_VARIANT, formatGiB as formatGiBIn, formatPercent } from "./format";

// The quota gauge (issue #13): used against the limit, the warning threshold and
// the cutoff line at limit − 500 MiB marked on the bar, the state in words.
// Presentational (server or client). "sm" is the Metering table's cell, "lg"
// the node page's.

const FILL: Record<GaugeView["state"], string> = {
  ok: "bg-success",
  warning: "bg-warning",
  cut: "bg-destructive",
  unlimited: "bg-info",
  "metering-off": "bg-muted-foreground/40",
  unknown: "bg-muted-foreground/40",
};

export function StateBadge({ state, className }: { state: GaugeView["state"]; className?: string }) {
  const t = useTranslations("metering");
  return (
    <Badge variant={STATE_VARIANT[state]} className={className} title={t(`stateHelp.${state}`)} data-testid="quota-state" data-state={state}>
      {t(`state.${state}`)}
    </Badge>
  );
}

export function QuotaGauge({ gauge, label, size = "sm", className }: { gauge: GaugeView; label: string; size?: "sm" | "lg"; className?: string }) {
  const t = useTranslations("metering");
  const locale = useLocale();
  const formatGiB = (b: number | null | undefined) => formatGiBIn(b, locale);
  const limited = gauge.limitBytes > 0 && gauge.state !== "metering-off" && gauge.state !== "unknown";
  const pct = limited && gauge.percentUsed !== null ? gauge.percentUsed : null;
  const width = pct === null ? (gauge.state === "unlimited" && gauge.usedBytes ? 100 : 0) : Math.min(100, Math.max(0, pct));
  const cutoffAt = limited && gauge.cutoffBytes !== null ? (gauge.cutoffBytes / gauge.limitBytes) * 100 : null;
  const valueText =
    gauge.state === "metering-off"
      ? t("gauge.valueOff")
      : gauge.state === "unknown"
        ? t("gauge.valueUnknown")
        : gauge.state === "unlimited"
          ? t("gauge.valueUnlimited", { used: formatGiB(gauge.usedBytes) })
          : t("gauge.valueLimited", { percent: formatPercent(pct), used: formatGiB(gauge.usedBytes), limit: formatGiB(gauge.limitBytes), state: t(`state.${gauge.state}`) });
  const bar = (
    <div
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      // a meter needs a value: with no figure (uncapped, unlimited, not read) 0, and the text says why
      aria-valuenow={pct === null ? 0 : Math.round(pct * 10) / 10}
      aria-valuetext={valueText}
      data-testid="quota-gauge"
      data-state={gauge.state}
      title={valueText}
      className={cn("relative w-full overflow-visible rounded-full bg-muted", size === "lg" ? "h-3" : "h-1.5", gauge.state === "metering-off" && "bg-[repeating-linear-gradient(135deg,var(--muted)_0_4px,transparent_4px_8px)] ring-1 ring-border")}
    >
      <div className={cn("h-full rounded-full transition-[width] duration-500", FILL[gauge.state], gauge.state === "unlimited" && "opacity-30")} style={{ width: `${width}%` }} />
      {limited ? (
        <span aria-hidden="true" className="absolute inset-y-[-3px] w-px bg-warning" style={{ left: `${gauge.warnPercent}%` }} title={t("gauge.warningAt", { percent: gauge.warnPercent })} />
      ) : null}
      {cutoffAt !== null ? (
        <span aria-hidden="true" className="absolute inset-y-[-4px] w-0.5 bg-destructive" style={{ left: `calc(${Math.min(100, cutoffAt)}% - 1px)` }} title={t("gauge.cutoffLine", { cutoff: formatGiB(gauge.cutoffBytes) })} />
      ) : null}
    </div>
  );
  if (size === "sm") return <div className={cn("w-full min-w-16", className)}>{bar}</div>;
  return (
    <div className={cn("space-y-2", className)}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <div className="flex items-baseline gap-2">
          <span className="text-2xl font-semibold tabular-nums" data-testid="quota-percent">
            {limited ? formatPercent(pct) : gauge.state === "unlimited" ? formatGiB(gauge.usedBytes) : "—"}
          </span>
          <StateBadge state={gauge.state} />
        </div>
        <span className="text-sm tabular-nums text-muted-foreground" data-testid="quota-figures">
          {limited ? t("gauge.figures", { used: formatGiB(gauge.usedBytes), limit: formatGiB(gauge.limitBytes) }) : gauge.state === "unlimited" ? t("gauge.noLimit") : ""}
        </span>
      </div>
      {bar}
      <div className="flex flex-wrap justify-between gap-x-4 gap-y-1 text-xs text-muted-foreground">
        <span>{t(`gaugeReason.${gauge.reasonPhrase.code}`, gauge.reasonPhrase.values)}</span>
        {limited ? (
          <span className="tabular-nums">
            <span className="mr-1 inline-block h-2 w-0.5 bg-warning align-middle" aria-hidden="true" />
            {t("gauge.legendWarning", { percent: gauge.warnPercent })} · <span className="mr-1 inline-block h-2 w-0.5 bg-destructive align-middle" aria-hidden="true" />
            {t("gauge.legendCutoff", { cutoff: formatGiB(gauge.cutoffBytes), left: formatGiB(gauge.remainingBytes) })}
          </span>
        ) : null}
      </div>
    </div>
  );
}
