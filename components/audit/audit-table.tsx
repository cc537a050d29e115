import { useTranslations } from "next-intl";
import { Badge } from "@/components/ui/badge";
import { ROLES, type Role } from "@/lib/auth/roles";
import { AUDIT_OUTCOMES } from "./audit-filters";

export type AuditRow = {
  id: string;
  at: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  status: string;
  durationMs: number | null;
  ip: string;
  params: string;
  result: string;
  error: string;
};

const STATUS_VARIANT: Record<string, "success" | "destructive" | "warning" | "outline"> = {
  succeeded: "success",
  degraded: "warning",
  failed: "destructive",
  denied: "warning",
  interrupted: "destructive",
  pending: "outline",
};

const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);
const isOutcome = (s: string): s is (typeof AUDIT_OUTCOMES)[number] => (AUDIT_OUTCOMES as readonly string[]).includes(s);

export function AuditTable({ rows }: { rows: AuditRow[] }) {
  const t = useTranslations("audit.table");
  const tOutcome = useTranslations("audit.outcome");
  const tRoles = useTranslations("roles");
  if (rows.length === 0) {
    return <p className="rounded-lg border border-dashed border-border p-8 text-center text-sm text-muted-foreground">{t("empty")}</p>;
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-border">
      <table className="w-full text-sm" data-testid="audit-table">
        <thead className="bg-muted/50 text-left text-xs uppercase text-muted-foreground">
          <tr>
            <th className="px-3 py-2">{t("when")}</th>
            <th className="px-3 py-2">{t("who")}</th>
            <th className="px-3 py-2">{t("action")}</th>
            <th className="px-3 py-2">{t("target")}</th>
            <th className="px-3 py-2">{t("outcome")}</th>
            <th className="px-3 py-2">{t("details")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} className="border-t border-border align-top">
              <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">{r.at.replace("T", " ").slice(0, 19)}</td>
              <td className="px-3 py-2">
                <div>{r.actor}</div>
                <div className="text-xs text-muted-foreground">{r.role ? (isRole(r.role) ? tRoles(r.role) : r.role) : "—"}{r.ip ? ` · ${r.ip}` : ""}</div>
              </td>
              <td className="px-3 py-2 font-mono text-xs">{r.action}</td>
              <td className="px-3 py-2 font-mono text-xs">{r.target || "—"}</td>
              <td className="px-3 py-2">
                <Badge variant={STATUS_VARIANT[r.status] ?? "outline"}>{isOutcome(r.status) ? tOutcome(r.status) : r.status}</Badge>
                {r.durationMs !== null ? <div className="mt-1 text-xs text-muted-foreground">{t("duration", { ms: r.durationMs })}</div> : null}
              </td>
              <td className="max-w-xl px-3 py-2">
                {r.error ? <div className="text-xs text-destructive">{r.error}</div> : null}
                <details>
                  <summary className="cursor-pointer text-xs text-muted-foreground">{t("more")}</summary>
                  <pre className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap break-all rounded bg-muted p-2 font-mono text-xs">{`${t("params")}: ${r.params}\n${t("result")}: ${r.result || "—"}`}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
