import { useTranslations } from "next-intl";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Button } from "@/components/ui/button";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";

/** The outcomes an audit event can have, each a key of the catalogs' audit.outcome. */
export const AUDIT_OUTCOMES = ["succeeded", "degraded", "failed", "denied", "interrupted", "pending"] as const;

/** The item standing for "any" (Radix refuses ""); the form still submits "" for it. */
const ANY = "__any__";

type Value = { user?: string; action?: string; node?: string; outcome?: string; from?: string; to?: string };

// A plain GET form: filters live in the URL, so a filtered view can be shared and reloaded.
export function AuditFilters({ actions, value }: { actions: string[]; value: Value }) {
  const t = useTranslations("audit.filters");
  const tOutcome = useTranslations("audit.outcome");
  return (
    <form method="get" className="grid grid-cols-2 gap-3 rounded-lg border border-border bg-card p-3 md:grid-cols-7" aria-label={t("label")}>
      <div className="space-y-1">
        <Label htmlFor="f-user">{t("user")}</Label>
        <Input id="f-user" name="user" defaultValue={value.user} placeholder={t("userPlaceholder")} />
      </div>
      <div className="space-y-1">
        <Label htmlFor="f-action">{t("action")}</Label>
        <Select name="action" defaultValue={value.action ?? ""} emptyValue={ANY}>
          <SelectTrigger id="f-action" className="h-9">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={ANY}>{t("any")}</SelectItem>
            {actions.map((a) => (
              <SelectItem key={a} value={a}>
                {a}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      <div className="space-y-1">
        <Label htmlFor="f-node">{t("node")}</Label>
        <Input id="f-node" name="node" defaultValue={value.node} placeholder={t("nodePlaceholder")} />
      </div>
      <div className="space-y-1">
        <Label htmlFor="f-outcome">{t("outcome")}</Label>
        <Select name="outcome" defaultValue={value.outcome ?? ""} emptyValue={ANY}>
          <SelectTrigger id="f-outcome" className="h-9">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={ANY}>{t("any")}</SelectItem>
            {AUDIT_OUTCOMES.map((o) => (
              <SelectItem key={o} value={o}>
                {o === "degraded" ? t("degradedOption") : tOutcome(o)}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      <div className="space-y-1">
        <Label htmlFor="f-from">{t("from")}</Label>
        <Input id="f-from" name="from" type="datetime-local" defaultValue={value.from} />
      </div>
      <div className="space-y-1">
        <Label htmlFor="f-to">{t("to")}</Label>
        <Input id="f-to" name="to" type="datetime-local" defaultValue={value.to} />
      </div>
      <div className="flex items-end gap-2">
        <Button type="submit">{t("submit")}</Button>
        <a href="/audit" className="text-sm text-muted-foreground underline underline-offset-4">
          {t("reset")}
        </a>
      </div>
    </form>
  );
}
