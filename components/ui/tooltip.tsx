"use client";

import * as React from "react";
import * as TooltipPrimitive from "@radix-ui/react-tooltip";
import { cn } from "@/lib/utils";

export type TooltipProps = {
  /** Short text shown on hover and keyboard focus. */
  content: React.ReactNode;
  /** One element that can hold a ref and take focus (button, link, `<span tabIndex={0}>`). */
  children: React.ReactElement;
  side?: "top" | "right" | "bottom" | "left";
  /** Hover delay in ms before it shows (default 300). */
  delayDuration?: number;
  className?: string;
};

/**
 * Tooltip on Radix Tooltip: shows on hover and keyboard focus, Escape hides it, and while shown
 * the trigger is linked to it with aria-describedby. Each tooltip carries its own Provider, so
 * nothing has to wrap the app. Never put the only copy of essential information here (touch
 * screens do not show it).
 */
export function Tooltip({ content, children, side = "top", delayDuration = 300, className }: TooltipProps) {
  return (
    <TooltipPrimitive.Provider delayDuration={delayDuration}>
      <TooltipPrimitive.Root>
        <TooltipPrimitive.Trigger asChild>{children}</TooltipPrimitive.Trigger>
        <TooltipPrimitive.Portal>
          <TooltipPrimitive.Content
            side={side}
            sideOffset={4}
            collisionPadding={8}
            className={cn("z-50 w-max max-w-64 rounded bg-foreground px-2 py-1 text-xs font-normal text-background shadow-md", className)}
          >
            {content}
          </TooltipPrimitive.Content>
        </TooltipPrimitive.Portal>
      </TooltipPrimitive.Root>
    </TooltipPrimitive.Provider>
  );
}
