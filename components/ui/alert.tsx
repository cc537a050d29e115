import * as React from "react";
import { cva, type VariantProps } from "class-variance-authority";
import { cn } from "@/lib/utils";
import { AlertCircleIcon, AlertTriangleIcon, CheckIcon, InfoIcon } from "./icons";

const alertVariants = cva("flex gap-2 rounded-md border px-3 py-2 text-sm", {
  variants: {
    variant: {
      info: "border-primary/30 bg-primary/5",
      success: "border-success/40 bg-success/10",
      warning: "border-warning/40 bg-warning/10",
      destructive: "border-destructive/40 bg-destructive/10 text-destructive",
    },
  },
  defaultVariants: { variant: "info" },
});

const ICONS = { info: InfoIcon, success: CheckIcon, warning: AlertTriangleIcon, destructive: AlertCircleIcon } as const;
const ICON_COLOR = { info: "text-primary", success: "text-success", warning: "text-warning", destructive: "text-destructive" } as const;

export type AlertProps = React.HTMLAttributes<HTMLDivElement> &
  VariantProps<typeof alertVariants> & {
    /** Show the variant's icon (default true). */
    icon?: boolean;
  };

/**
 * A static notice. It sets no live-region role by itself: pass role="alert" for an error
 * that appears in response to an action, role="status" for a polite update.
 */
export function Alert({ className, variant, icon = true, children, ...props }: AlertProps) {
  const v = variant ?? "info";
  const Icon = ICONS[v];
  return (
    <div className={cn(alertVariants({ variant }), className)} {...props}>
      {icon ? <Icon size={15} className={cn("mt-px shrink-0", ICON_COLOR[v])} /> : null}
      <div className="min-w-0 flex-1 space-y-0.5">{children}</div>
    </div>
  );
}

export function AlertTitle({ className, ...props }: React.HTMLAttributes<HTMLParagraphElement>) {
  return <p className={cn("font-medium leading-tight", className)} {...props} />;
}

export function AlertDescription({ className, ...props }: React.HTMLAttributes<HTMLDivElement>) {
  return <div className={cn("text-sm opacity-90 [&_p]:leading-relaxed", className)} {...props} />;
}
