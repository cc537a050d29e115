import * as React from "react";
import { cn } from "@/lib/utils";

export type LabelProps = React.LabelHTMLAttributes<HTMLLabelElement> & {
  /** Appends a visual "*" (the input itself should carry `required`). */
  required?: boolean;
};

export const Label = React.forwardRef<HTMLLabelElement, LabelProps>(({ className, required, children, ...props }, ref) => (
  <label ref={ref} className={cn("text-xs font-medium text-muted-foreground", className)} {...props}>
    {children}
    {required ? (
      <span aria-hidden="true" className="ml-0.5 text-destructive">
        *
      </span>
    ) : null}
  </label>
));
Label.displayName = "Label";
