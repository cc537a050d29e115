"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useForm } from "react-hook-form";
import { useZodResolver } from "@/components/ui/use-zod-resolver";
import { toast } from "sonner";
import type { z } from "zod";
import { replyFieldError, ticketReplySchema } from "@/lib/device-logs/ticket-schema";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Textarea } from "@/components/ui/textarea";

// A ticket's changes (issue #15): resolve it, reply to the user. The form
// validates with the server action's own zod schema; Center allows both to its
// support role only, so without a support key the page says why instead.

type Res = { ok: true; data: unknown } | { ok: false; error: { message: string; fieldErrors?: Record<string, string[]> } };
type Actions = { resolve: (i: unknown) => Promise<Res>; reply: (i: unknown) => Promise<Res> };

export function TicketActions({ id, status, actions }: { id: number; status: string; actions: Actions }) {
  const t = useTranslations("deviceLogs.actions");
  const router = useRouter();
  const [open, setOpen] = React.useState(false);
  const form = useForm<z.input<typeof ticketReplySchema>>({ resolver: useZodResolver(ticketReplySchema), defaultValues: { id, content: "" } });
  async function resolve() {
    const r = await actions.resolve({ id });
    router.refresh();
    if (!r.ok) {
      toast.error(r.error.message);
      throw new Error(r.error.message);
    }
    toast.success(t("resolved"));
  }
  const send = form.handleSubmit(async (v) => {
    const r = await actions.reply(v);
    if (!r.ok) {
      form.setError("content", { message: r.error.fieldErrors?.content?.[0] ?? r.error.message });
      return;
    }
    form.reset({ id, content: "" });
    toast.success(t("replySent"));
    router.refresh();
  });
  // the schema's own messages (from the resolver or the action's fieldErrors) have a code: translated; any other as given
  const message = form.formState.errors.content?.message;
  const fieldError = message ? replyFieldError(message) : null;
  const err = fieldError ? (fieldError.code ? t(`errors.${fieldError.code}`, fieldError.values) : fieldError.text) : undefined;
  return (
    <section className="mt-4 space-y-3 rounded-lg border p-4 text-sm" data-testid="ticket-actions">
      <form onSubmit={send} className="space-y-2" aria-label={t("replyAria")}>
        <label htmlFor="reply" className="text-xs text-muted-foreground">
          {t("replyLabel")}
        </label>
        <Textarea id="reply" rows={3} {...form.register("content")} aria-invalid={!!err} />
        {err ? (
          <p className="text-xs text-destructive" data-testid="error-content">
            {err}
          </p>
        ) : null}
        <div className="flex gap-2">
          <Button type="submit" disabled={form.formState.isSubmitting}>
            {t("send")}
          </Button>
          {status === "open" ? (
            <Button type="button" variant="outline" onClick={() => setOpen(true)} data-testid="ticket-resolve">
              {t("resolveOpen")}
            </Button>
          ) : null}
        </div>
      </form>
      <ConfirmDialog open={open} onOpenChange={setOpen} destructive={false} title={t("confirmTitle", { id: String(id) })} description={t("confirmDescription")} confirmLabel={t("confirm")} onConfirm={resolve} />
    </section>
  );
}
