"use client";

import * as React from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import { parseSelection, windowSchema, type ReportTarget } from "@/lib/fleet-reports/schema";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";

// Starting a fleet report (operators): the whole fleet or a selection of
// IPv4s; the auth-rollout report also takes its window. Validated here with the
// server's own schemas; the server validates again.

type Res = { ok: true; data: { jobId: string; nodes: number; skipped: number } } | { ok: false; error: { message: string } };
type Start<I> = (input: I) => Promise<Res>;

export function ReportStartForm({ startUsers, startAuth }: { startUsers: Start<{ target: ReportTarget }>; startAuth: Start<{ target: ReportTarget; window: string }> }) {
  const router = useRouter();
  const t = useTranslations("reports.start");
  const [scope, setScope] = React.useState<"all" | "selection">("all");
  const [selection, setSelection] = React.useState("");
  const [span, setSpan] = React.useState("24h");
  const [busy, setBusy] = React.useState<null | "users" | "auth">(null);
  const [error, setError] = React.useState<string | null>(null);
  // the schema's own issue says which rule failed (the format, or 1h–30d); the words are the catalog's
  const windowIssue = windowSchema.safeParse(span).error?.issues[0];
  const windowError = windowIssue ? (windowIssue.code === "custom" ? t("windowRange") : t("windowFormat")) : null;

  const target = (): ReportTarget | null => {
    if (scope === "all") return { all: true };
    const s = parseSelection(selection);
    if ("invalid" in s) return setError(t("invalidIp", { value: s.invalid.slice(0, 40) })), null;
    if (!s.ips.length) return setError(t("noNodes")), null;
    return { selection: s.ips };
  };

  const run = async (which: "users" | "auth") => {
    setError(null);
    const to = target();
    if (!to) return;
    if (which === "auth" && windowError) return setError(t("windowError", { error: windowError }));
    setBusy(which);
    try {
      const r = which === "users" ? await startUsers({ target: to }) : await startAuth({ target: to, window: span });
      if (!r.ok) {
        setError(r.error.message);
        return;
      }
      toast.success(t("started", { nodes: r.data.nodes, skipped: r.data.skipped }));
      router.push(`/operations/reports?report=${r.data.jobId}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-label={t("aria")} className="mb-6 space-y-3 rounded-lg border border-border bg-card p-3 text-sm" data-testid="report-start">
      <fieldset className="flex flex-wrap items-center gap-4">
        <legend className="mb-1 text-xs font-medium text-muted-foreground">{t("nodes")}</legend>
        <label className="flex items-center gap-1.5">
          <input type="radio" name="report-scope" checked={scope === "all"} onChange={() => setScope("all")} /> {t("wholeFleet")}
        </label>
        <label className="flex items-center gap-1.5">
          <input type="radio" name="report-scope" checked={scope === "selection"} onChange={() => setScope("selection")} /> {t("selection")}
        </label>
      </fieldset>
      {scope === "selection" ? (
        <div className="space-y-1">
          <Label htmlFor="report-selection">{t("selectionLabel")}</Label>
          <Textarea id="report-selection" rows={2} value={selection} onChange={(e) => setSelection(e.target.value)} placeholder="203.0.113.10, 203.0.113.11" />
        </div>
      ) : null}
      <div className="flex flex-wrap items-end gap-6">
        <div className="space-y-1">
          <p className="text-xs text-muted-foreground">{t("usersHelp")}</p>
          <Button onClick={() => run("users")} loading={busy === "users"} disabled={busy !== null} data-testid="start-users-audit">
            {t("usersButton")}
          </Button>
        </div>
        <div className="space-y-1">
          <p className="text-xs text-muted-foreground">{t("authHelp")}</p>
          <div className="flex items-end gap-2">
            <div className="space-y-1">
              <Label htmlFor="report-window">{t("window")}</Label>
              <Input id="report-window" className="w-24" value={span} onChange={(e) => setSpan(e.target.value)} aria-invalid={!!windowError} aria-describedby={windowError ? "report-window-error" : undefined} />
            </div>
            <Button onClick={() => run("auth")} loading={busy === "auth"} disabled={busy !== null || !!windowError} data-testid="start-auth-report">
              {t("authButton")}
            </Button>
          </div>
          {windowError ? (
            <p id="report-window-error" className="text-xs text-destructive">
              {windowError}
            </p>
          ) : null}
        </div>
      </div>
      {error ? (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      ) : null}
    </section>
  );
}
