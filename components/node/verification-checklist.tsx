import { useTranslations } from "next-intl";
import type { StoredCheck } from "@/lib/verification/store";

const TONE: Record<StoredCheck["status"], string> = {
  pass: "text-success",
  fail: "text-destructive",
  unknown: "text-warning",
  skip: "text-muted-foreground",
};

// The §6 checklist as operators read it: what each check proves, the command
// it ran on the node, expected vs observed, and the raw (redacted) evidence.
export function VerificationChecklist({ checks }: { checks: StoredCheck[] }) {
  const t = useTranslations("node.checklist");
  return (
    <ol className="divide-y divide-border rounded-lg border border-border" data-testid="checklist">
      {checks.map((c) => (
        <li key={c.key} className="p-3" data-check={c.key} data-status={c.status}>
          <div className="flex flex-wrap items-baseline gap-2">
            <span className={`w-16 shrink-0 text-xs font-semibold uppercase ${TONE[c.status]}`}>{Object.hasOwn(TONE, c.status) ? t(`status.${c.status}`) : c.status}</span>
            <span className="font-medium">{c.name}</span>
            <span className="text-xs text-muted-foreground">{c.proves}</span>
          </div>
          <dl className="mt-1 grid grid-cols-[6rem_1fr] gap-x-3 gap-y-0.5 pl-[4.5rem] text-xs">
            <dt className="text-muted-foreground">{t("expected")}</dt>
            <dd>{c.expected}</dd>
            <dt className="text-muted-foreground">{t("observed")}</dt>
            <dd className="font-mono" data-testid="observed">
              {c.observed || "—"}
            </dd>
            <dt className="text-muted-foreground">{t("command")}</dt>
            <dd className="font-mono">{c.command}</dd>
          </dl>
          <details className="mt-1 pl-[4.5rem]" open={c.status === "fail"}>
            <summary className="cursor-pointer text-xs text-muted-foreground">{t("evidence")}</summary>
            <pre className="mt-1 max-h-64 overflow-auto whitespace-pre-wrap break-all rounded bg-muted p-2 font-mono text-xs" data-testid="evidence">
              {c.evidence || t("noOutput")}
            </pre>
          </details>
        </li>
      ))}
    </ol>
  );
}
