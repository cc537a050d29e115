"use client";

import * as React from "react";
import { cn } from "@/lib/utils";
import { XIcon } from "./icons";

export type DialogProps = {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** Heading; also the dialog's accessible name (aria-labelledby). */
  title: React.ReactNode;
  /** Optional text under the title (aria-describedby). */
  description?: React.ReactNode;
  children?: React.ReactNode;
  /** Buttons row at the bottom (right-aligned). */
  footer?: React.ReactNode;
  /** Escape, the close button and a backdrop click close the dialog (default true). Set false while work is in flight. */
  dismissible?: boolean;
  size?: "sm" | "md" | "lg" | "xl";
  className?: string;
};

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

const SIZES = { sm: "max-w-sm", md: "max-w-lg", lg: "max-w-2xl", xl: "max-w-4xl" } as const;

/**
 * Modal dialog on the native <dialog> element: showModal() makes the rest of the page inert
 * (focus stays inside), Escape closes, focus returns to the opener. Content mounts only while
 * open, so forms inside start fresh each time. Put `data-autofocus` on the element that should
 * get focus first (otherwise the first focusable element does).
 */
export function Dialog({ open, onOpenChange, title, description, children, footer, dismissible = true, size = "md", className }: DialogProps) {
  const ref = React.useRef<HTMLDialogElement>(null);
  const opener = React.useRef<HTMLElement | null>(null);
  const titleId = React.useId();
  const descId = React.useId();

  React.useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      d.showModal();
      const first = d.querySelector<HTMLElement>("[data-autofocus]");
      first?.focus();
    } else if (!open && d.open) {
      d.close();
    }
  }, [open]);

  // Return focus to the opener after closing (some browsers do this themselves; harmless twice).
  React.useEffect(() => {
    if (open) return;
    const el = opener.current;
    opener.current = null;
    if (el && el.isConnected) el.focus();
  }, [open]);

  // If unmounted while open, close so the page is not left inert.
  React.useEffect(() => {
    const d = ref.current;
    return () => {
      if (d?.open) d.close();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descId : undefined}
      onCancel={(e) => {
        // Escape: let React state drive closing.
        e.preventDefault();
        if (dismissible) onOpenChange(false);
      }}
      onClose={(e) => {
        if (!open) return;
        // Some browsers close without a cancel event on a repeated Escape.
        if (!dismissible) e.currentTarget.showModal();
        else onOpenChange(false);
      }}
      onKeyDown={(e) => {
        // Keep Tab cycling inside the dialog (the page behind is already inert).
        if (e.key !== "Tab") return;
        const items = Array.from(e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.offsetParent !== null || el === document.activeElement);
        if (items.length === 0) return;
        const first = items[0];
        const last = items[items.length - 1];
        if (e.shiftKey && (document.activeElement === first || document.activeElement === e.currentTarget)) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first.focus();
        }
      }}
      onMouseDown={(e) => {
        // A press on the backdrop targets the <dialog> itself (content fills it otherwise).
        if (dismissible && e.target === e.currentTarget) onOpenChange(false);
      }}
      className={cn(
        "m-auto max-h-[85vh] w-[calc(100%-2rem)] overflow-hidden rounded-lg border border-border bg-popover p-0 text-popover-foreground shadow-xl backdrop:bg-black/50",
        SIZES[size],
        className,
      )}
    >
      {open ? (
        <div className="flex max-h-[85vh] flex-col">
          <div className="flex items-start justify-between gap-3 border-b border-border px-4 py-3">
            <div className="min-w-0 space-y-0.5">
              <h2 id={titleId} className="text-base font-semibold leading-tight">
                {title}
              </h2>
              {description ? (
                <div id={descId} className="text-sm text-muted-foreground">
                  {description}
                </div>
              ) : null}
            </div>
            {dismissible ? (
              <button
                type="button"
                onClick={() => onOpenChange(false)}
                className="-mr-1 inline-flex size-7 shrink-0 items-center justify-center rounded text-muted-foreground hover:bg-muted hover:text-foreground"
                aria-label="Close"
              >
                <XIcon size={15} />
              </button>
            ) : null}
          </div>
          {children ? <div className="min-h-0 flex-1 overflow-auto px-4 py-3 text-sm">{children}</div> : null}
          {footer ? <div className="flex flex-wrap items-center justify-end gap-2 border-t border-border bg-muted/30 px-4 py-2.5">{footer}</div> : null}
        </div>
      ) : null}
    </dialog>
  );
}
