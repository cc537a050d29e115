import * as React from "react";
import { cn } from "@/lib/utils";

export type GaugeProps = {
  /** Percentage used, 0–100 (values above 100 are shown as-is, the ring stays full). null = unknown. */
  value: number | null;
  /** Accessible name, e.g. "Quota used on jp-tokyo-01". */
  label: string;
  /** Text under the number, e.g. "812 / 1000 GB". */
  detail?: React.ReactNode;
  /** Thresholds for colour (percent). */
  warnAt?: number;
  dangerAt?: number;
  size?: number;
  className?: string;
};

/** Ring gauge for quota %. Colour follows the thresholds; the number is always printed. */
export function Gauge({ value, label, detail, warnAt = 80, dangerAt = 95, size = 72, className }: GaugeProps) {
  const known = typeof value === "number" && Number.isFinite(value);
  const pct = known ? Math.min(100, Math.max(0, value)) : 0;
  const stroke = 8;
  const r = 50 - stroke / 2;
  const c = 2 * Math.PI * r;
  const tone = !known ? "text-muted-foreground" : value >= dangerAt ? "text-destructive" : value >= warnAt ? "text-warning" : "text-success";
  const shown = known ? `${value >= 10 || value === 0 ? Math.round(value) : value.toFixed(1)}%` : "—";
  return (
    <div className={cn("inline-flex flex-col items-center gap-1", className)}>
      <div
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        // a meter needs a value: unknown is 0 with the text "unknown"
        aria-valuenow={known ? Math.round(value * 10) / 10 : 0}
        aria-valuetext={known ? `${shown} used` : "unknown"}
        className="relative"
        style={{ width: size, height: size }}
      >
        <svg viewBox="0 0 100 100" width={size} height={size} className="-rotate-90" aria-hidden="true" focusable="false">
          <circle cx="50" cy="50" r={r} fill="none" strokeWidth={stroke} className="stroke-muted" />
          {known ? (
            <circle
              cx="50"
              cy="50"
              r={r}
              fill="none"
              strokeWidth={stroke}
              strokeLinecap="round"
              strokeDasharray={`${(pct / 100) * c} ${c}`}
              className={cn("stroke-current transition-[stroke-dasharray] duration-500", tone)}
            />
          ) : null}
        </svg>
        <span className={cn("absolute inset-0 flex items-center justify-center text-sm font-semibold tabular-nums", tone)} aria-hidden="true">
          {shown}
        </span>
      </div>
      {detail ? <span className="text-xs tabular-nums text-muted-foreground">{detail}</span> : null}
    </div>
  );
}
