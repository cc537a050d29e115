"use client";

import * as React from "react";
import { useTranslations } from "next-intl";
import { Button } from "./button";
import { Dialog } from "./dialog";
import { Input } from "./input";
import { Label } from "./label";

export type ConfirmDialogProps = {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** e.g. "Reboot jp-tokyo-01?" */
  title: React.ReactNode;
  /** What will happen, in plain words (consequences, downtime). */
  description?: React.ReactNode;
  /** Extra content between the description and the typed confirmation (warnings, a diff). */
  children?: React.ReactNode;
  /** Label of the confirming button, e.g. "Reboot instance". */
  confirmLabel: string;
  /** Default: "Cancel" in the page's language. */
  cancelLabel?: string;
  /** Red confirm button (default true: this component is for dangerous operations). */
  destructive?: boolean;
  /**
   * When set, the operator must type exactly this text (usually the node name) before the
   * confirm button enables. The server must re-check it; this is a speed bump, not a guard.
   */
  requireText?: string;
  /** Called with the typed text (or "" when none is required). May be async: the dialog stays open and busy until it settles, and closes on success. Throw to keep it open. */
  onConfirm: (typed: string) => void | Promise<void>;
  /** External busy state (e.g. a useTransition pending flag). */
  pending?: boolean;
};

/** Confirmation for dangerous node operations, optionally "type the node name to confirm". */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  description,
  children,
  confirmLabel,
  cancelLabel,
  destructive = true,
  requireText,
  onConfirm,
  pending = false,
}: ConfirmDialogProps) {
  // Busy while onConfirm's promise is pending: the dialog must not close mid-request (Escape,
  // backdrop and close button do nothing; Cancel is disabled) so the outcome is always seen.
  const [busy, setBusy] = React.useState(false);
  const t = useTranslations("confirm");
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={title} description={description} dismissible={!pending && !busy} size="sm">
      <ConfirmBody
        confirmLabel={confirmLabel}
        cancelLabel={cancelLabel ?? t("cancel")}
        destructive={destructive}
        requireText={requireText}
        onConfirm={onConfirm}
        pending={pending}
        busy={busy}
        setBusy={setBusy}
        onClose={() => onOpenChange(false)}
      >
        {children}
      </ConfirmBody>
    </Dialog>
  );
}

function ConfirmBody({
  children,
  confirmLabel,
  cancelLabel,
  destructive,
  requireText,
  onConfirm,
  pending,
  busy,
  setBusy,
  onClose,
}: Pick<ConfirmDialogProps, "children" | "confirmLabel" | "cancelLabel" | "destructive" | "requireText" | "onConfirm" | "pending"> & {
  busy: boolean;
  setBusy: (busy: boolean) => void;
  onClose: () => void;
}) {
  // Mounted only while the dialog is open: the typed text starts empty each time.
  const [typed, setTyped] = React.useState("");
  const t = useTranslations("confirm");
  const inputId = React.useId();
  const hintId = React.useId();
  const matches = !requireText || typed === requireText;
  const working = busy || !!pending;

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    // React bubbles a submit through the component tree: never let it reach a form this dialog sits in
    e.stopPropagation();
    if (!matches || working) return;
    setBusy(true);
    try {
      await onConfirm(requireText ? typed : "");
      onClose();
    } catch {
      // The caller reports the error (toast/alert); keep the dialog open for another try.
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-3">
      {children}
      {requireText ? (
        <div className="space-y-1">
          <Label htmlFor={inputId} className="text-foreground">
            {t.rich("typeToConfirm", { code: () => <span className="rounded bg-muted px-1 font-mono text-foreground">{requireText}</span> })}
          </Label>
          <Input
            id={inputId}
            data-autofocus
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
            autoCapitalize="off"
            autoCorrect="off"
            spellCheck={false}
            aria-describedby={hintId}
            aria-invalid={typed.length > 0 && !matches ? true : undefined}
            className="font-mono"
            disabled={working}
          />
          <p id={hintId} className="text-xs text-muted-foreground" aria-live="polite">
            {typed.length > 0 && !matches ? t("noMatch") : t("mustMatch")}
          </p>
        </div>
      ) : null}
      <div className="-mx-4 -mb-3 flex items-center justify-end gap-2 border-t border-border bg-muted/30 px-4 py-2.5">
        <Button variant="outline" onClick={onClose} disabled={working} data-autofocus={requireText ? undefined : true}>
          {cancelLabel}
        </Button>
        <Button type="submit" variant={destructive ? "destructive" : "default"} disabled={!matches} loading={working}>
          {confirmLabel}
        </Button>
      </div>
    </form>
  );
}
