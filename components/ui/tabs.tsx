"use client";

import * as React from "react";
import * as TabsPrimitive from "@radix-ui/react-tabs";
import { cn } from "@/lib/utils";

export type TabsProps = {
  /** Controlled value. */
  value?: string;
  defaultValue?: string;
  onValueChange?: (value: string) => void;
  children: React.ReactNode;
  className?: string;
};

/**
 * WAI-ARIA tabs on Radix Tabs: arrow keys / Home / End move between tabs (automatic
 * activation), each tab is linked to its panel. Client-side tabs only: sections that are
 * separate URLs are links, not tabs.
 */
export function Tabs({ value, defaultValue, onValueChange, children, className }: TabsProps) {
  return (
    <TabsPrimitive.Root value={value} defaultValue={defaultValue} onValueChange={onValueChange} activationMode="automatic" className={className}>
      {children}
    </TabsPrimitive.Root>
  );
}

export function TabsList({ className, children, "aria-label": ariaLabel }: { className?: string; children: React.ReactNode; "aria-label"?: string }) {
  return (
    <TabsPrimitive.List aria-label={ariaLabel} loop className={cn("inline-flex items-center gap-0.5 border-b border-border", className)}>
      {children}
    </TabsPrimitive.List>
  );
}

export function TabsTrigger({ value, children, disabled, className }: { value: string; children: React.ReactNode; disabled?: boolean; className?: string }) {
  return (
    <TabsPrimitive.Trigger
      value={value}
      disabled={disabled}
      className={cn(
        "-mb-px inline-flex h-8 items-center gap-1.5 border-b-2 border-transparent px-2.5 text-sm font-medium text-muted-foreground transition-colors hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring disabled:opacity-50 data-[state=active]:border-primary data-[state=active]:text-foreground",
        className,
      )}
    >
      {children}
    </TabsPrimitive.Trigger>
  );
}

/** A tab's panel; `keepMounted` keeps an inactive panel in the DOM (hidden) so its state survives. */
export function TabsContent({ value, children, className, keepMounted = false }: { value: string; children: React.ReactNode; className?: string; keepMounted?: boolean }) {
  return (
    <TabsPrimitive.Content value={value} forceMount={keepMounted ? true : undefined} className={cn("pt-3 data-[state=inactive]:hidden", className)}>
      {children}
    </TabsPrimitive.Content>
  );
}
