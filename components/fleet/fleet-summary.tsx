import type { FleetSummary } from "@/lib/fleet";

const ITEMS: { key: keyof FleetSummary; label: string; href?: string; tone?: string }[] = [
  { key: "active", label: "active" },
  { key: "failing", label: "failing verification", href: "/?status=fail", tone: "text-destructive" },
  { key: "unknown", label: "verification unknown", href: "/?status=unknown", tone: "text-warning" },
  { key: "neverVerified", label: "never verified", href: "/?status=never", tone: "text-warning" },
  { key: "unreachable", label: "unreachable", tone: "text-warning" },
  { key: "legacy", label: "legacy", href: "/?arch=k2-slave" },
  { key: "hostKeyChanged", label: "host key changed or new type", tone: "text-destructive" },
  { key: "decommissioned", label: "decommissioned (hidden)", href: "/?all=1" },
];

export function FleetSummaryBar({ summary, lastSync }: { summary: FleetSummary; lastSync: { at: string; total: number; complete?: boolean } | null }) {
  return (
    <div className="mb-3 flex flex-wrap items-center gap-x-5 gap-y-1 text-sm" data-testid="fleet-summary">
      <span>
        <strong>{summary.total}</strong> nodes
      </span>
      {ITEMS.map((i) => {
        const body = (
          <span className={summary[i.key] > 0 ? i.tone : "text-muted-foreground"}>
            <strong>{summary[i.key]}</strong> {i.label}
          </span>
        );
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
        {lastSync ? `Center data refreshed ${lastSync.at.replace("T", " ").slice(0, 19)} UTC${lastSync.complete === false ? " (incomplete: Center's list changed while it was read; no node marked gone)" : ""}` : "Never synced with Center"}
      </span>
    </div>
  );
}
