import * as React from "react";
import { cn } from "@/lib/utils";

export type ProgressProps = Omit<React.HTMLAttributes<HTMLDivElement>, "role"> & {
  /** Current value; omit for an indeterminate bar. */
  value?: number | null;
  max?: number;
  /** Accessible name (required: what is progressing). */
  label: string;
  /** Show "value / max" or a custom text next to the bar. */
  showValue?: boolean | string;
  variant?: "default" | "success" | "warning" | "destructive";
};

const BAR = { default: "bg-primary", success: "bg-success", warning: "bg-warning", destructive: "bg-destructive" } as const;

export function Progress({ value, max = 100, label, showValue = false, variant = "default", className, ...props }: ProgressProps) {
  const determinate = typeof value === "number" && Number.isFinite(value);
  const pct = determinate ? Math.min(100, Math.max(0, (value / (max || 1)) * 100)) : 0;
  const text = typeof showValue === "string" ? showValue : determinate ? `${value} / ${max}` : undefined;
  return (
    <div className={cn("flex items-center gap-2", className)} {...props}>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={determinate ? value : undefined}
        aria-valuetext={text}
        className="relative h-1.5 w-full overflow-hidden rounded-full bg-muted"
      >
        {determinate ? (
          <div className={cn("h-full rounded-full transition-[width] duration-300", BAR[variant])} style={{ width: `${pct}%` }} />
        ) : (
          <div className={cn("absolute inset-y-0 w-1/3 animate-pulse rounded-full", BAR[variant])} />
        )}
      </div>
      {showValue && text ? <span className="shrink-0 text-xs tabular-nums text-muted-foreground">{text}</span> : null}
    </div>
  );
}
