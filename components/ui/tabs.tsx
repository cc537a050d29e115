"use client";

import * as React from "react";
import { cn } from "@/lib/utils";

type TabsCtx = { value: string; setValue: (v: string) => void; baseId: string };
const Ctx = React.createContext<TabsCtx | null>(null);

function useTabs(component: string) {
  const ctx = React.useContext(Ctx);
  if (!ctx) throw new Error(`<${component}> must be inside <Tabs>`);
  return ctx;
}

const slug = (v: string) => v.replace(/[^A-Za-z0-9_-]/g, "_");

export type TabsProps = {
  /** Controlled value. */
  value?: string;
  defaultValue?: string;
  onValueChange?: (value: string) => void;
  children: React.ReactNode;
  className?: string;
};

/** WAI-ARIA tabs: arrow keys / Home / End move between tabs (automatic activation). */
export function Tabs({ value, defaultValue = "", onValueChange, children, className }: TabsProps) {
  const [inner, setInner] = React.useState(defaultValue);
  const current = value ?? inner;
  const baseId = React.useId();
  const setValue = React.useCallback(
    (v: string) => {
      if (value === undefined) setInner(v);
      onValueChange?.(v);
    },
    [value, onValueChange],
  );
  return (
    <Ctx.Provider value={{ value: current, setValue, baseId }}>
      <div className={className}>{children}</div>
    </Ctx.Provider>
  );
}

export function TabsList({ className, children, "aria-label": ariaLabel }: { className?: string; children: React.ReactNode; "aria-label"?: string }) {
  function onKeyDown(e: React.KeyboardEvent<HTMLDivElement>) {
    const tabs = Array.from(e.currentTarget.querySelectorAll<HTMLButtonElement>('[role="tab"]:not([disabled])'));
    const i = tabs.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    let next = -1;
    if (e.key === "ArrowRight") next = (i + 1) % tabs.length;
    else if (e.key === "ArrowLeft") next = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = tabs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    tabs[next].focus();
    tabs[next].click();
  }
  return (
    <div role="tablist" aria-label={ariaLabel} onKeyDown={onKeyDown} className={cn("inline-flex items-center gap-0.5 border-b border-border", className)}>
      {children}
    </div>
  );
}

export function TabsTrigger({ value, children, disabled, className }: { value: string; children: React.ReactNode; disabled?: boolean; className?: string }) {
  const ctx = useTabs("TabsTrigger");
  const selected = ctx.value === value;
  return (
    <button
      type="button"
      role="tab"
      id={`${ctx.baseId}-tab-${slug(value)}`}
      aria-selected={selected}
      aria-controls={`${ctx.baseId}-panel-${slug(value)}`}
      tabIndex={selected ? 0 : -1}
      disabled={disabled}
      onClick={() => ctx.setValue(value)}
      className={cn(
        "-mb-px inline-flex h-8 items-center gap-1.5 border-b-2 px-2.5 text-sm font-medium transition-colors disabled:opacity-50",
        selected ? "border-primary text-foreground" : "border-transparent text-muted-foreground hover:text-foreground",
        className,
      )}
    >
      {children}
    </button>
  );
}

export function TabsContent({ value, children, className, keepMounted = false }: { value: string; children: React.ReactNode; className?: string; keepMounted?: boolean }) {
  const ctx = useTabs("TabsContent");
  const selected = ctx.value === value;
  if (!selected && !keepMounted) return null;
  return (
    <div
      role="tabpanel"
      id={`${ctx.baseId}-panel-${slug(value)}`}
      aria-labelledby={`${ctx.baseId}-tab-${slug(value)}`}
      hidden={!selected}
      tabIndex={0}
      className={cn("pt-3", className)}
    >
      {children}
    </div>
  );
}
