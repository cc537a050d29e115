import { useTranslations } from "next-intl";
import type { GaugeViewState, MeteringPageView } from "@/lib/metering/view";
import { FleetTotalsChart, TopConsumersChart } from "./fleet-charts";
import type { SaveColumns } from "@/components/table/use-column-choice";
import type { METER_HIDEABLE_COLUMNS } from "@/lib/table-columns/ids";
import { MeteringTable } from "./metering-table";

// The Metering page (issue #13 "Show", fleet): the count per gauge state, every
// metered node by risk, the fleet's traffic over time and the top consumers.
// Presentational: the data is lib/metering/view's meteringPageView.

const ORDER: { state: GaugeViewState; tone: string }[] = [
  { state: "cut", tone: "text-destructive" },
  { state: "warning", tone: "text-warning" },
  { state: "ok", tone: "text-success" },
  { state: "unlimited", tone: "text-info" },
  { state: "metering-off", tone: "text-warning" },
  { state: "unknown", tone: "text-muted-foreground" },
];

type MeterColumn = (typeof METER_HIDEABLE_COLUMNS)[number];

export function MeteringOverview({ view, hiddenColumns, saveColumns }: { view: MeteringPageView; hiddenColumns?: readonly MeterColumn[]; saveColumns?: SaveColumns<MeterColumn> }) {
  const t = useTranslations("metering");
  const nowMs = new Date(view.to).getTime();
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-x-5 gap-y-1 text-sm" data-testid="metering-summary">
        <span>{t.rich("overview.nodes", { count: view.rows.length, strong: (c) => <strong>{c}</strong> })}</span>
        {ORDER.map(({ state, tone }) => (
          <span key={state} title={t(`stateHelp.${state}`)} data-testid={`count-${state}`} className={view.counts[state] > 0 ? tone : "text-muted-foreground"}>
            <strong>{view.counts[state]}</strong> {t(`state.${state}`)}
          </span>
        ))}
        <span className="ml-auto text-xs text-muted-foreground">{t("overview.thresholds", { percent: view.warnPercent })}</span>
      </div>
      <MeteringTable rows={view.rows} nowMs={nowMs} hiddenColumns={hiddenColumns} saveColumns={saveColumns} />
      <div className="grid gap-4 xl:grid-cols-2">
        <FleetTotalsChart view={view} />
        <TopConsumersChart view={view} />
      </div>
    </div>
  );
}
