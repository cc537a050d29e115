import * as React from "react";
import { cn } from "@/lib/utils";
import { InboxIcon } from "./icons";

export type EmptyStateProps = {
  title: string;
  description?: React.ReactNode;
  /** Replaces the default inbox icon; pass null for none. */
  icon?: React.ReactNode;
  /** Buttons or links, e.g. "Sync from Center". */
  action?: React.ReactNode;
  className?: string;
};

export function EmptyState({ title, description, icon, action, className }: EmptyStateProps) {
  return (
    <div className={cn("flex flex-col items-center justify-center gap-2 rounded-lg border border-dashed border-border px-6 py-10 text-center", className)}>
      {icon === undefined ? <InboxIcon size={28} className="text-muted-foreground" /> : icon}
      <p className="text-sm font-medium">{title}</p>
      {description ? <div className="max-w-md text-sm text-muted-foreground">{description}</div> : null}
      {action ? <div className="mt-1 flex flex-wrap items-center justify-center gap-2">{action}</div> : null}
    </div>
  );
}
