import { useTranslations } from "next-intl";
import type { FleetSummary } from "@/lib/fleet";
import { Time } from "@/components/i18n/time";

/** `key` is also the item's key in the "fleet.summary" namespace of the catalogs. */
const ITEMS: { key: Exclude<keyof FleetSummary, "total">; href?: string; tone?: string }[] = [
  { key: "active" },
  { key: "failing", href: "/?status=fail", tone: "text-destructive" },
  { key: "unknown", href: "/?status=unknown", tone: "text-warning" },
  { key: "neverVerified", href: "/?status=never", tone: "text-warning" },
  { key: "unreachable", tone: "text-warning" },
  { key: "legacy", href: "/?arch=k2-slave" },
  { key: "hostKeyChanged", tone: "text-destructive" },
  { key: "decommissioned", href: "/?all=1" },
];

const strong = (chunks: React.ReactNode) => <strong>{chunks}</strong>;

export function FleetSummaryBar({ summary, lastSync }: { summary: FleetSummary; lastSync: { at: string; total: number; complete?: boolean } | null }) {
  const t = useTranslations("fleet.summary");
  return (
    <div className="mb-3 flex flex-wrap items-center gap-x-5 gap-y-1 text-sm" data-testid="fleet-summary">
      <span>{t.rich("total", { count: summary.total, strong })}</span>
      {ITEMS.map((i) => {
        const body = <span className={summary[i.key] > 0 ? i.tone : "text-muted-foreground"}>{t.rich(i.key, { count: summary[i.key], strong })}</span>;
        return i.href && summary[i.key] > 0 ? (
          <a key={i.key} href={i.href} className="hover:underline" data-testid={`summary-${i.key}`}>
            {body}
          </a>
        ) : (
          <span key={i.key} data-testid={`summary-${i.key}`}>
            {body}
          </span>
        );
      })}
      <span className="ml-auto text-xs text-muted-foreground" data-testid="last-sync">
        {!lastSync
          ? t("neverSynced")
          : lastSync.complete === false
            ? t.rich("refreshedIncomplete", { time: () => <Time value={lastSync.at} format="seconds" /> })
            : t.rich("refreshed", { time: () => <Time value={lastSync.at} format="seconds" /> })}
      </span>
    </div>
  );
}
