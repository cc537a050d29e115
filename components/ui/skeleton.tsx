import * as React from "react";
import { cn } from "@/lib/utils";

/** Loading placeholder. Decorative: announce loading elsewhere (e.g. aria-busy on the region). */
export function Skeleton({ className, ...props }: React.HTMLAttributes<HTMLDivElement>) {
  return <div aria-hidden="true" className={cn("animate-pulse rounded-md bg-foreground/10", className)} {...props} />;
}

/** Rows of skeleton lines for a table or list that is loading. */
export function SkeletonRows({ rows = 5, className }: { rows?: number; className?: string }) {
  return (
    <div className={cn("space-y-1.5", className)} aria-hidden="true">
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} className="h-6 w-full" />
      ))}
    </div>
  );
}
