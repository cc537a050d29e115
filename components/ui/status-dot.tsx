import * as React from "react";
import { cn } from "@/lib/utils";

export type Status = "ok" | "warning" | "error" | "running" | "unknown" | "offline";

const COLOR: Record<Status, string> = {
  ok: "bg-success",
  warning: "bg-warning",
  error: "bg-destructive",
  running: "bg-primary",
  unknown: "bg-muted-foreground/50",
  offline: "bg-muted-foreground",
};

export type StatusDotProps = React.HTMLAttributes<HTMLSpanElement> & {
  status: Status;
  /** Text for the status. Shown next to the dot unless `srOnlyLabel`. Colour alone never carries meaning. */
  label: string;
  srOnlyLabel?: boolean;
  /** Animated ring (e.g. a job in progress). */
  pulse?: boolean;
};

export function StatusDot({ status, label, srOnlyLabel = false, pulse = false, className, ...props }: StatusDotProps) {
  return (
    <span className={cn("inline-flex items-center gap-1.5", className)} title={srOnlyLabel ? label : undefined} {...props}>
      <span className="relative inline-flex size-2 shrink-0" aria-hidden="true">
        {pulse ? <span className={cn("absolute inline-flex size-full animate-ping rounded-full opacity-60", COLOR[status])} /> : null}
        <span className={cn("relative inline-flex size-2 rounded-full", COLOR[status])} />
      </span>
      <span className={srOnlyLabel ? "sr-only" : "text-sm"}>{label}</span>
    </span>
  );
}
