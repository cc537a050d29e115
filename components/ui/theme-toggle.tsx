"use client";

import * as React from "react";
import { useTheme } from "next-themes";
import { useTranslations } from "next-intl";
import { cn } from "@/lib/utils";
import { MonitorIcon, MoonIcon, SunIcon } from "./icons";

/** `value` is also the option's key in the "theme" namespace of the catalogs. */
const OPTIONS = [
  { value: "light", Icon: SunIcon },
  { value: "dark", Icon: MoonIcon },
  { value: "system", Icon: MonitorIcon },
] as const;

const subscribe = () => () => {};

/** Light / dark / system switch (a radio group of three icon buttons). */
export function ThemeToggle({ className }: { className?: string }) {
  const t = useTranslations("theme");
  const { theme, setTheme } = useTheme();
  // The stored theme is only known on the client; render "nothing selected" on the server.
  const mounted = React.useSyncExternalStore(subscribe, () => true, () => false);
  const current = mounted ? (theme ?? "system") : undefined;
  const refs = React.useRef<(HTMLButtonElement | null)[]>([]);

  function onKeyDown(e: React.KeyboardEvent, i: number) {
    const delta = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1 : e.key === "ArrowLeft" || e.key === "ArrowUp" ? -1 : 0;
    if (!delta) return;
    e.preventDefault();
    const n = (i + delta + OPTIONS.length) % OPTIONS.length;
    setTheme(OPTIONS[n].value);
    refs.current[n]?.focus();
  }

  return (
    <div role="radiogroup" aria-label={t("label")} className={cn("inline-flex items-center rounded-md border border-border p-0.5", className)}>
      {OPTIONS.map(({ value, Icon }, i) => {
        const checked = current === value;
        const label = t(value);
        return (
          <button
            key={value}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="radio"
            aria-checked={checked}
            aria-label={label}
            title={label}
            tabIndex={checked || (current === undefined && value === "system") ? 0 : -1}
            onClick={() => setTheme(value)}
            onKeyDown={(e) => onKeyDown(e, i)}
            className={cn(
              "inline-flex size-6 items-center justify-center rounded-sm transition-colors",
              checked ? "bg-muted text-foreground" : "text-muted-foreground hover:text-foreground",
            )}
          >
            <Icon size={14} />
          </button>
        );
      })}
    </div>
  );
}
