"use client";

import { useOptimistic, useRef, useTransition } from "react";
import { useRouter } from "next/navigation";
import { useLocale, useTranslations } from "next-intl";
import { toast } from "sonner";
import { cn } from "@/lib/utils";
import { LOCALES, type Locale } from "@/lib/i18n/locales";

type SaveResult = { ok: true } | { ok: false; error: { message: string } };

/**
 * The language switch (a radio group: English / 中文). Saves the choice on the account (a server
 * action, audited) and re-renders the page in it. `compact` for the top bar, `full` for the
 * Account page.
 */
export function LocaleSwitch({ save, variant = "compact", className }: { save: (input: unknown) => Promise<SaveResult>; variant?: "compact" | "full"; className?: string }) {
  const t = useTranslations("language");
  const locale = useLocale() as Locale;
  const [current, setCurrent] = useOptimistic<Locale>(locale);
  const [pending, start] = useTransition();
  const router = useRouter();
  const refs = useRef<(HTMLButtonElement | null)[]>([]);

  const names: Record<Locale, { full: string; short: string }> = {
    en: { full: t("en"), short: t("enShort") },
    "zh-CN": { full: t("zhCN"), short: t("zhCNShort") },
  };

  function choose(next: Locale) {
    if (next === current) return;
    start(async () => {
      setCurrent(next);
      const res = await save({ locale: next });
      if (!res.ok) {
        toast.error(res.error.message);
        return;
      }
      router.refresh();
    });
  }

  function onKeyDown(e: React.KeyboardEvent, i: number) {
    const delta = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1 : e.key === "ArrowLeft" || e.key === "ArrowUp" ? -1 : 0;
    if (!delta) return;
    e.preventDefault();
    const n = (i + delta + LOCALES.length) % LOCALES.length;
    refs.current[n]?.focus();
    choose(LOCALES[n]);
  }

  return (
    <div
      role="radiogroup"
      aria-label={t("label")}
      aria-busy={pending || undefined}
      data-testid={`locale-switch-${variant}`}
      className={cn("inline-flex items-center rounded-md border border-border p-0.5", className)}
    >
      {LOCALES.map((l, i) => {
        const checked = current === l;
        return (
          <button
            key={l}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="radio"
            lang={l}
            aria-checked={checked}
            aria-label={names[l].full}
            title={names[l].full}
            tabIndex={checked ? 0 : -1}
            disabled={pending && !checked}
            onClick={() => choose(l)}
            onKeyDown={(e) => onKeyDown(e, i)}
            className={cn(
              "inline-flex items-center justify-center rounded-sm transition-colors disabled:opacity-60",
              variant === "compact" ? "h-6 min-w-6 px-1.5 text-xs" : "h-8 px-3 text-sm",
              checked ? "bg-muted font-medium text-foreground" : "text-muted-foreground hover:text-foreground",
            )}
          >
            {variant === "compact" ? names[l].short : names[l].full}
          </button>
        );
      })}
    </div>
  );
}
