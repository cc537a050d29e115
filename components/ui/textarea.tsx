import * as React from "react";
import { cn } from "@/lib/utils";
import { fieldClasses } from "./input";

export type TextareaProps = React.TextareaHTMLAttributes<HTMLTextAreaElement> & {
  /** Monospace text (for .env files, scripts, raw config). */
  mono?: boolean;
};

export const Textarea = React.forwardRef<HTMLTextAreaElement, TextareaProps>(({ className, mono, rows = 4, ...props }, ref) => (
  <textarea ref={ref} rows={rows} className={cn(fieldClasses, "min-h-16 py-1.5", mono && "font-mono text-xs", className)} spellCheck={mono ? false : undefined} {...props} />
));
Textarea.displayName = "Textarea";
