import * as React from "react";
import { cn } from "@/lib/utils";

export type SelectProps = React.SelectHTMLAttributes<HTMLSelectElement>;

/** Native <select>, styled: keyboard, screen readers and mobile pickers work as-is. */
export const Select = React.forwardRef<HTMLSelectElement, SelectProps>(({ className, ...props }, ref) => (
  <select
    ref={ref}
    className={cn(
      "select-chevron h-8 w-full rounded-md border border-input bg-background pl-2.5 text-sm focus-visible:border-ring aria-[invalid=true]:border-destructive disabled:cursor-not-allowed disabled:opacity-50",
      className,
    )}
    {...props}
  />
));
Select.displayName = "Select";
