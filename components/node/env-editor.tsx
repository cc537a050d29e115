"use client";

import { useState, useTransition } from "react";
import { Controller, useForm } from "react-hook-form";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";

export type EnvField = { key: string; label: string; help: string; secret?: boolean; adminOnly?: boolean; choices?: readonly string[] };
type Note = { key: string; message: string };
type Preview = { current: Record<string, string>; changes: { key: string; from: string; to: string }[]; problems: Note[]; warnings?: Note[] };
type Res<T> = { ok: true; data: T; outcome?: "succeeded" | "degraded" | "failed" } | { ok: false; error: { message: string } };
type Act<T> = (input: unknown) => Promise<Res<T>>;
/** The item standing for "not set" (Radix refuses ""); the edit still sees "". */
const NOT_SET = "__not_set__";

/** The form's state: each non-secret variable's value as typed, each secret's replacement ("" = keep). */
type EnvForm = { values: Record<string, string>; secrets: Record<string, string> };

// The documented .env variables as a form: non-secret values shown and editable,
// secrets write-only (keep or replace, never displayed), a diff of non-secret
// changes before anything is written, applied with pull + up -d. The checks are the
// server's preview (cross-field rules, the Center allow-list, warnings), shown at each field.
export function EnvEditor(props: {
  ipv4: string;
  fields: EnvField[];
  isAdmin: boolean;
  preview: Act<{ summary: string; parsed: Preview }>;
  apply: Act<{ summary: string }>;
}) {
  const [busy, start] = useTransition();
  const [current, setCurrent] = useState<Record<string, string> | null>(null);
  const form = useForm<EnvForm>({ defaultValues: { values: {}, secrets: {} } });
  const [diff, setDiff] = useState<Preview | null>(null);
  const [confirming, setConfirming] = useState(false);
  const router = useRouter();
  const t = useTranslations("node.env");
  const tConfirm = useTranslations("confirm");
  const tDialog = useTranslations("dialog");

  function edit() {
    const { values, secrets } = form.getValues();
    const set: Record<string, string> = {};
    const unset: string[] = [];
    for (const f of props.fields) {
      if (f.secret || !current) continue;
      const v = values[f.key];
      if (v === undefined || v === (current[f.key] ?? "")) continue;
      // an emptied field removes the line: the compose file's default applies again
      if (v.trim() === "" && f.key in current) unset.push(f.key);
      else set[f.key] = v;
    }
    const sec: Record<string, { mode: "replace"; value: string }> = {};
    for (const [k, v] of Object.entries(secrets ?? {})) if (v) sec[k] = { mode: "replace", value: v };
    return { set, unset, secrets: sec };
  }

  const hasProblem = (key: string) => Boolean(diff?.problems.some((p) => p.key === key));

  // each refusal and warning is shown at its field, not as one generic line
  const notes = (key: string) => (
    <>
      {diff?.problems.filter((p) => p.key === key).map((p, i) => (
        <span key={`p${i}`} role="alert" className="block text-destructive" data-testid={`env-problem-${key}`}>
          {p.message}
        </span>
      ))}
      {diff?.warnings?.filter((w) => w.key === key).map((w, i) => (
        <span key={`w${i}`} className="block text-amber-600 dark:text-amber-400" data-testid={`env-warning-${key}`}>
          {w.message}
        </span>
      ))}
    </>
  );

  function load() {
    start(async () => {
      const res = await props.preview({ ipv4: props.ipv4, edit: { set: {}, unset: [], secrets: {} } });
      if (!res.ok) return void toast.error(res.error.message);
      setCurrent(res.data.parsed.current);
      form.reset({ values: res.data.parsed.current, secrets: {} });
      setDiff(null);
    });
  }

  if (!current) {
    return (
      <Button size="sm" variant="outline" disabled={busy} onClick={load}>
        {t("edit")}
      </Button>
    );
  }

  return (
    <form className="w-full space-y-3 rounded-md border border-border p-3" aria-label={t("aria")} onSubmit={(e) => e.preventDefault()}>
      <div className="grid grid-cols-1 gap-2 md:grid-cols-2">
        {props.fields.map((f) =>
          f.secret ? (
            <label key={f.key} className="space-y-0.5 text-xs">
              <span className="font-mono">{f.key}</span> <span className="text-muted-foreground">{t("writeOnly")}</span>
              <Input type="password" autoComplete="off" aria-label={f.key} {...form.register(`secrets.${f.key}`)} aria-invalid={hasProblem(f.key)} placeholder={t("keepCurrent")} />
              {notes(f.key)}
            </label>
          ) : (
            <label key={f.key} className="space-y-0.5 text-xs" title={f.help}>
              <span className="font-mono">{f.key}</span> <span className="text-muted-foreground">{f.label}</span>
              {f.adminOnly && !props.isAdmin ? <span className="text-muted-foreground">{t("adminOnly")}</span> : null}
              {f.choices ? (
                <Controller
                  control={form.control}
                  name={`values.${f.key}`}
                  render={({ field }) => (
                    <Select value={field.value ?? ""} onValueChange={field.onChange} emptyValue={NOT_SET} disabled={f.adminOnly && !props.isAdmin}>
                      <SelectTrigger aria-label={f.key} aria-invalid={hasProblem(f.key)} className="h-9" onBlur={field.onBlur}>
                        <SelectValue />
                      </SelectTrigger>
                      <SelectContent>
                        {/* "" = not set: the line is removed and the sidecar's default applies */}
                        {[...new Set(["", ...f.choices!, field.value ?? ""])].map((c) => (
                          <SelectItem key={c} value={c === "" ? NOT_SET : c}>
                            {c === "" ? t("notSet") : f.choices!.includes(c) ? c : t("invalidValue", { value: c })}
                          </SelectItem>
                        ))}
                      </SelectContent>
                    </Select>
                  )}
                />
              ) : (
                <Input aria-label={f.key} {...form.register(`values.${f.key}`)} aria-invalid={hasProblem(f.key)} placeholder={t("notSet")} disabled={f.adminOnly && !props.isAdmin} />
              )}
              {notes(f.key)}
            </label>
          ),
        )}
      </div>
      <div className="flex flex-wrap gap-2">
        <Button
          size="sm"
          variant="outline"
          disabled={busy}
          onClick={() =>
            start(async () => {
              const res = await props.preview({ ipv4: props.ipv4, edit: edit() });
              if (!res.ok) return void toast.error(res.error.message);
              setDiff(res.data.parsed);
            })
          }
        >
          {t("preview")}
        </Button>
        {diff && diff.changes.length > 0 && diff.problems.length === 0 ? (
          confirming ? (
            <>
              <Button
                size="sm"
                disabled={busy}
                onClick={() =>
                  start(async () => {
                    setConfirming(false);
                    const res = await props.apply({ ipv4: props.ipv4, edit: edit(), confirm: true });
                    if (!res.ok) return void toast.error(res.error.message);
                    // applied but failing its checklist is a warning, not a success
                    (res.outcome === "degraded" ? toast.warning : res.outcome === "failed" ? toast.error : toast.success)(res.data.summary);
                    setCurrent(null);
                    form.reset({ values: {}, secrets: {} });
                    router.refresh();
                  })
                }
              >
                {t("confirm")}
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setConfirming(false)}>
                {tConfirm("cancel")}
              </Button>
            </>
          ) : (
            <Button size="sm" disabled={busy} onClick={() => setConfirming(true)}>
              {t("apply")}
            </Button>
          )
        ) : null}
        <Button size="sm" variant="ghost" onClick={() => setCurrent(null)}>
          {tDialog("close")}
        </Button>
      </div>
      {diff ? (
        <div data-testid="env-diff" className="text-xs">
          {diff.problems.length ? <p className="text-destructive">{t("refused", { count: diff.problems.length })}</p> : null}
          {diff.problems
            .filter((p) => !props.fields.some((f) => f.key === p.key))
            .map((p) => (
              <p key={p.key} className="text-destructive">
                {p.key}: {p.message}
              </p>
            ))}
          {diff.changes.length === 0 && diff.problems.length === 0 ? <p className="text-muted-foreground">{t("noChanges")}</p> : null}
          <table>
            <tbody>
              {diff.changes.map((c) => (
                <tr key={c.key}>
                  <td className="pr-3 font-mono">{c.key}</td>
                  <td className="pr-2 font-mono text-muted-foreground line-through">{c.from}</td>
                  <td className="font-mono">{c.to}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </form>
  );
}
