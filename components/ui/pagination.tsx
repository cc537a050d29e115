import * as React from "react";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { cn } from "@/lib/utils";
import { buttonVariants } from "./button";
import { ChevronLeftIcon, ChevronRightIcon } from "./icons";

export type PaginationProps = {
  /** 1-based current page. */
  page: number;
  pageCount: number;
  /** Link mode (works in server components, URL-driven): href of a page. */
  hrefFor?: (page: number) => string;
  /** Button mode (client state). Used when hrefFor is not given. */
  onPageChange?: (page: number) => void;
  /** Total items, shown as "n items". */
  total?: number;
  /** Accessible name of the nav landmark, e.g. "Audit pages" (default: "Pagination" in the page's language). */
  label?: string;
  className?: string;
};

/** Page numbers to show: first, last, and a window around the current page, with gaps. */
export function pageWindow(page: number, pageCount: number, radius = 1): (number | "gap")[] {
  const out: (number | "gap")[] = [];
  for (let p = 1; p <= pageCount; p++) {
    if (p === 1 || p === pageCount || Math.abs(p - page) <= radius) out.push(p);
    else if (out[out.length - 1] !== "gap") out.push("gap");
  }
  return out;
}

export function Pagination({ page, pageCount, hrefFor, onPageChange, total, label, className }: PaginationProps) {
  const t = useTranslations("pagination");
  const pages = Math.max(1, pageCount);
  const current = Math.min(Math.max(1, page), pages);
  const item = (p: number, content: React.ReactNode, opts: { label?: string; rel?: string; current?: boolean; disabled?: boolean } = {}) => {
    const cls = cn(buttonVariants({ variant: opts.current ? "secondary" : "ghost", size: "sm" }), "min-w-7 px-1.5", opts.current && "font-semibold");
    if (opts.disabled) {
      return (
        <span className={cn(cls, "pointer-events-none opacity-40")} aria-disabled="true" aria-label={opts.label}>
          {content}
        </span>
      );
    }
    if (hrefFor) {
      return (
        <Link href={hrefFor(p)} className={cls} rel={opts.rel} aria-label={opts.label} aria-current={opts.current ? "page" : undefined}>
          {content}
        </Link>
      );
    }
    return (
      <button type="button" className={cls} aria-label={opts.label} aria-current={opts.current ? "page" : undefined} onClick={() => onPageChange?.(p)}>
        {content}
      </button>
    );
  };
  return (
    <nav aria-label={label ?? t("label")} className={cn("flex flex-wrap items-center justify-between gap-2 text-sm", className)}>
      <span className="text-xs text-muted-foreground tabular-nums">
        {t("page", { page: current, pages })}
        {typeof total === "number" ? t("items", { count: total }) : null}
      </span>
      {pages > 1 ? (
        <ul className="flex items-center gap-0.5">
          <li>{item(current - 1, <><ChevronLeftIcon size={14} /><span>{t("previous")}</span></>, { rel: "prev", disabled: current <= 1 })}</li>
          {pageWindow(current, pages).map((p, i) =>
            p === "gap" ? (
              <li key={`gap-${i}`} aria-hidden="true" className="px-1 text-muted-foreground">
                …
              </li>
            ) : (
              <li key={p}>{item(p, p, { label: t("goTo", { page: p }), current: p === current })}</li>
            ),
          )}
          <li>{item(current + 1, <><span>{t("next")}</span><ChevronRightIcon size={14} /></>, { rel: "next", disabled: current >= pages })}</li>
        </ul>
      ) : null}
    </nav>
  );
}
