import * as React from "react";
import { cn } from "@/lib/utils";

export type TooltipProps = {
  /** Short text shown on hover and keyboard focus. */
  content: React.ReactNode;
  /** One focusable element (button, link, ...) or any inline content. */
  children: React.ReactElement<{ "aria-describedby"?: string }>;
  side?: "top" | "bottom";
  className?: string;
};

/**
 * CSS-only tooltip: visible on hover and on focus within, linked to the trigger with
 * aria-describedby. Never put the only copy of essential information here.
 */
export function Tooltip({ content, children, side = "top", className }: TooltipProps) {
  const id = React.useId();
  const trigger = React.isValidElement(children)
    ? React.cloneElement(children, { "aria-describedby": [children.props["aria-describedby"], id].filter(Boolean).join(" ") })
    : children;
  return (
    <span className="group/tooltip relative inline-flex">
      {trigger}
      <span
        role="tooltip"
        id={id}
        className={cn(
          "pointer-events-none invisible absolute left-1/2 z-50 w-max max-w-64 -translate-x-1/2 rounded bg-foreground px-2 py-1 text-xs font-normal text-background opacity-0 shadow-md transition-opacity delay-300 group-hover/tooltip:visible group-hover/tooltip:opacity-100 group-focus-within/tooltip:visible group-focus-within/tooltip:opacity-100",
          side === "top" ? "bottom-full mb-1" : "top-full mt-1",
          className,
        )}
      >
        {content}
      </span>
    </span>
  );
}
