"use client";

import * as React from "react";
import { cn } from "@/lib/utils";

export type CheckboxProps = Omit<React.InputHTMLAttributes<HTMLInputElement>, "type"> & {
  /** Mixed state, e.g. a "select all" box when some rows are selected. */
  indeterminate?: boolean;
};

/** Native checkbox (label it with <label htmlFor> or aria-label). */
export const Checkbox = React.forwardRef<HTMLInputElement, CheckboxProps>(({ className, indeterminate = false, ...props }, ref) => {
  const inner = React.useRef<HTMLInputElement>(null);
  React.useImperativeHandle(ref, () => inner.current as HTMLInputElement);
  React.useEffect(() => {
    if (inner.current) inner.current.indeterminate = indeterminate;
  }, [indeterminate]);
  return (
    <input
      ref={inner}
      type="checkbox"
      aria-checked={indeterminate ? "mixed" : undefined}
      className={cn("size-3.5 shrink-0 cursor-pointer rounded-sm border-input accent-primary disabled:cursor-not-allowed disabled:opacity-50", className)}
      {...props}
    />
  );
});
Checkbox.displayName = "Checkbox";
