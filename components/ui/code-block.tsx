"use client";

import * as React from "react";
import { useTranslations } from "next-intl";
import { cn } from "@/lib/utils";
import { CheckIcon, CopyIcon } from "./icons";

export type CodeBlockProps = {
  /** Raw text (command output, logs, a script). Rendered as text, never as HTML. */
  value: string;
  /** Caption above the block, also the accessible name of the scroll region (e.g. "docker compose ps"). */
  label?: string;
  /** CSS max-height of the scroll area (default 24rem). */
  maxHeight?: string | number;
  /** Wrap long lines instead of scrolling horizontally. */
  wrap?: boolean;
  /** Show the copy button (default true). */
  copyable?: boolean;
  /** Keep the view scrolled to the bottom as value grows (live logs) unless the user scrolled up. */
  follow?: boolean;
  /** Shown when value is empty. */
  emptyText?: string;
  className?: string;
  /** Extra controls in the header (download link, ...). */
  actions?: React.ReactNode;
};

async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall through to the legacy path */
  }
  // Plain-http deployments have no async clipboard API.
  const ta = document.createElement("textarea");
  ta.value = text;
  ta.setAttribute("readonly", "");
  ta.style.position = "fixed";
  ta.style.opacity = "0";
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

export function CopyButton({ value, label, className }: { value: string; label?: string; className?: string }) {
  const t = useTranslations("copy");
  const [state, setState] = React.useState<"idle" | "copied" | "failed">("idle");
  React.useEffect(() => {
    if (state === "idle") return;
    const t = setTimeout(() => setState("idle"), 1600);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <button
      type="button"
      onClick={async () => setState((await copyText(value)) ? "copied" : "failed")}
      className={cn("inline-flex h-6 items-center gap-1 rounded px-1.5 text-xs text-muted-foreground hover:bg-muted hover:text-foreground", className)}
    >
      {state === "copied" ? <CheckIcon size={13} className="text-success" /> : <CopyIcon size={13} />}
      <span aria-live="polite">{state === "copied" ? t("copied") : state === "failed" ? t("failed") : (label ?? t("copy"))}</span>
    </button>
  );
}

/** Monospace raw-output viewer with a copy button and a bounded, scrollable height. */
export function CodeBlock({ value, label, maxHeight = "24rem", wrap = false, copyable = true, follow = false, emptyText, className, actions }: CodeBlockProps) {
  const t = useTranslations("copy");
  const ref = React.useRef<HTMLPreElement>(null);
  const pinned = React.useRef(true);
  const labelId = React.useId();
  React.useEffect(() => {
    const el = ref.current;
    if (follow && el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [value, follow]);
  const header = label || copyable || actions;
  return (
    <figure className={cn("overflow-hidden rounded-md border border-border bg-muted/40", className)}>
      {header ? (
        <figcaption className="flex items-center justify-between gap-2 border-b border-border bg-muted/60 px-2 py-0.5">
          <span id={labelId} className="truncate font-mono text-xs text-muted-foreground">
            {label}
          </span>
          <span className="flex items-center gap-1">
            {actions}
            {copyable && value ? <CopyButton value={value} label={label ? t("copy") : t("copyOutput")} /> : null}
          </span>
        </figcaption>
      ) : null}
      <pre
        ref={ref}
        tabIndex={0}
        role="region"
        aria-labelledby={label ? labelId : undefined}
        aria-label={label ? undefined : t("output")}
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
        style={{ maxHeight }}
        className={cn("scrollbar-thin overflow-auto p-2 font-mono text-xs leading-relaxed", wrap ? "whitespace-pre-wrap break-all" : "whitespace-pre")}
      >
        {value ? value : <span className="italic text-muted-foreground">{emptyText ?? t("empty")}</span>}
      </pre>
    </figure>
  );
}
