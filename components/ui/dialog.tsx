"use client";

import * as React from "react";
import * as DialogPrimitive from "@radix-ui/react-dialog";
import { useTranslations } from "next-intl";
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

const SIZES = { sm: "max-w-sm", md: "max-w-lg", lg: "max-w-2xl", xl: "max-w-4xl" } as const;

/**
 * Modal dialog on Radix Dialog (the shadcn/ui way): the rest of the page is hidden from
 * assistive technology and takes no pointer events, focus is trapped inside, Escape and a
 * backdrop click close (unless `dismissible` is false), focus returns to the opener. Content
 * mounts only while open, so forms inside start fresh each time. Put `data-autofocus` on the
 * element that should get focus first (otherwise the first focusable element does).
 *
 * Controlled only: `open` is the parent's state and every close goes through `onOpenChange`,
 * which is never called with `false` while `dismissible` is false (work in flight must not be
 * closed mid-request by Escape, the backdrop or the close button).
 */
export function Dialog({ open, onOpenChange, title, description, children, footer, dismissible = true, size = "md", className }: DialogProps) {
  const contentRef = React.useRef<HTMLDivElement>(null);
  // The dialog has no Radix Trigger (callers open it from their own state), so Radix cannot
  // return focus on close by itself: remember what had focus when it opened.
  const opener = React.useRef<HTMLElement | null>(null);
  const t = useTranslations("dialog");

  return (
    <DialogPrimitive.Root
      open={open}
      onOpenChange={(next) => {
        if (!next && !dismissible) return;
        onOpenChange(next);
      }}
    >
      <DialogPrimitive.Portal>
        <DialogPrimitive.Overlay className="fixed inset-0 z-50 bg-black/50" />
        <DialogPrimitive.Content
          ref={contentRef}
          // Without a description, no aria-describedby (Radix adds the Description's id itself).
          aria-describedby={undefined}
          onOpenAutoFocus={(e) => {
            // Radix calls this before it moves focus: activeElement is still the opener.
            opener.current = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
            const first = contentRef.current?.querySelector<HTMLElement>("[data-autofocus]");
            if (first) {
              e.preventDefault();
              first.focus();
            }
          }}
          onCloseAutoFocus={(e) => {
            const el = opener.current;
            opener.current = null;
            if (el && el.isConnected) {
              e.preventDefault();
              el.focus();
            }
          }}
          onEscapeKeyDown={(e) => {
            if (!dismissible) e.preventDefault();
          }}
          onInteractOutside={(e) => {
            // a press on the backdrop (or focus moving out) closes only when dismissible
            if (!dismissible) e.preventDefault();
          }}
          className={cn(
            "fixed left-1/2 top-1/2 z-50 flex max-h-[85vh] w-[calc(100%-2rem)] -translate-x-1/2 -translate-y-1/2 flex-col overflow-hidden rounded-lg border border-border bg-popover text-popover-foreground shadow-xl focus:outline-none",
            SIZES[size],
            className,
          )}
        >
          <div className={cn("min-w-0 space-y-0.5 border-b border-border px-4 py-3", dismissible && "pr-11")}>
            <DialogPrimitive.Title className="text-base font-semibold leading-tight">{title}</DialogPrimitive.Title>
            {description ? (
              <DialogPrimitive.Description asChild>
                <div className="text-sm text-muted-foreground">{description}</div>
              </DialogPrimitive.Description>
            ) : null}
          </div>
          {children ? <div className="min-h-0 flex-1 overflow-auto px-4 py-3 text-sm">{children}</div> : null}
          {footer ? <div className="flex flex-wrap items-center justify-end gap-2 border-t border-border bg-muted/30 px-4 py-2.5">{footer}</div> : null}
          {/* Last in the DOM so the first focus lands on the content; shown top-right. */}
          {dismissible ? (
            <DialogPrimitive.Close
              className="absolute right-3 top-2.5 inline-flex size-7 items-center justify-center rounded text-muted-foreground hover:bg-muted hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring"
              aria-label={t("close")}
            >
              <XIcon size={15} />
            </DialogPrimitive.Close>
          ) : null}
        </DialogPrimitive.Content>
      </DialogPrimitive.Portal>
    </DialogPrimitive.Root>
  );
}
