import * as React from "react";
import { cn } from "@/lib/utils";

export const Input = React.forwardRef<HTMLInputElement, React.InputHTMLAttributes<HTMLInputElement>>(({ className, ...props }, ref) => (
  <input
    ref={ref}
    className={cn(
      "h-9 w-full rounded-md border border-input bg-background px-2.5 text-sm placeholder:text-muted-foreground aria-[invalid=true]:border-destructive disabled:opacity-50",
      className,
    )}
    {...props}
  />
));
Input.displayName = "Input";
