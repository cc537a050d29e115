import { useLocale, useTranslations } from "next-intl";
import type { NodeMeterView, ProviderFigureView } from "@/lib/metering/view";
import { Badge } from "@/components/ui/badge";
import { Time } from "@/components/i18n/time";
import { CycleChart, CycleHistoryChart } from "./cycle-charts";
import { formatGiB as formatGiBIn, formatPercent, formatUtc, modeKey, rateGiBPerDay } from "./format";
import { ProjectionText, RelativeText } from "./projection";
import { QuotaGauge } from "./quota-gauge";

// The node page's metering section (issue #13 "Show", node page): the quota
// gauge, the current cycle exactly as the sidecar computes it, the billing mode
// and seed, used over the cycle with rx and tx and the meter's events, the
// previous cycles, the projected cut; and a slot for the provider's figure.
// Presentational: the data is lib/metering/view's nodeMeterView.

/**
 * The provider's figure beside the node's over the same window, the divergence
 * flagged; when the two cannot be compared, why. Rendered only when a provider
 * figure was taken.
 */
export function ProviderFigureSlot({ provider }: { provider: ProviderFigureView | null }) {
  const t = useTranslations("metering");
  const locale = useLocale();
  if (!provider) return null;
  const formatGiB = (b: number | null | undefined) => formatGiBIn(b, locale);
  return (
    <div data-testid="provider-figure" data-flagged={provider.flagged} className={`rounded-md border p-2 text-sm ${provider.flagged ? "border-warning/60 bg-warning/10" : "border-border"}`}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <span>
          {provider.source}: <span className="font-medium tabular-nums">{formatGiB(provider.usedBytes)}</span>
          {provider.allowanceBytes !== null ? <span className="text-muted-foreground">{t("node.providerOf", { allowance: formatGiB(provider.allowanceBytes) })}</span> : null}
          {provider.nodeUsedBytes !== null ? (
            <>
              {" "}
              · {t("node.providerNode")} <span className="tabular-nums">{formatGiB(provider.nodeUsedBytes)}</span>
            </>
          ) : null}
        </span>
        {provider.flagged ? <Badge variant="warning">{t("node.diverges")}</Badge> : null}
      </div>
      <p className="text-xs text-muted-foreground">
        {provider.divergenceBytes !== null ? (
          <>
            {t("node.providerMinusNode", { sign: provider.divergenceBytes >= 0 ? "+" : "−", bytes: formatGiB(Math.abs(provider.divergenceBytes)) })}
            {provider.divergencePercent !== null ? ` (${formatPercent(provider.divergencePercent)})` : ""}
          </>
        ) : (
          <>{t("node.notComparable", { why: provider.note ?? t("node.noNodeFigure") })}</>
        )}{" "}
        · {t.rich("node.asOf", { time: () => <Time value={provider.at} /> })}
      </p>
    </div>
  );
}

function Fact({ k, children, testId }: { k: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="contents">
      <dt className="text-muted-foreground">{k}</dt>
      <dd className="break-words" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

export function NodeMetering({ view, nowMs, name }: { view: NodeMeterView; nowMs: number; name: string }) {
  const t = useTranslations("metering");
  const locale = useLocale();
  const g = view.gauge;
  const c = view.cycle;
  const mode = modeKey(view.mode);
  return (
    <section aria-label={t("node.section")} data-testid="node-metering" className="space-y-4">
      <div className="rounded-lg border border-border bg-card p-3">
        <h2 className="mb-2 text-sm font-semibold">{t("node.section")}</h2>
        <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
          <div className="space-y-3">
            <QuotaGauge gauge={g} size="lg" label={t("node.gaugeLabel", { name })} />
            <ProviderFigureSlot provider={view.provider} />
          </div>
          <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1 text-sm">
            <Fact k={t("node.currentCycle")} testId="meter-cycle">
              {c ? (
                <>
                  <span className="font-mono text-xs">{formatUtc(c.start)}</span> → <span className="font-mono text-xs">{formatUtc(c.end)}</span>
                  <span className="text-muted-foreground">{t("node.billingDay", { day: String(view.billingDay) })}</span>
                  {c.restartReanchors ? (
                    <span className="block text-xs text-warning">{t("node.restartReanchors", { end: formatUtc(c.freshEnd, { dayOnly: true }), day: String(view.billingDay) })}</span>
                  ) : null}
                  {c.nodeEndMatches === false ? <span className="block text-xs text-warning">{t("node.nodeEndMismatch", { end: formatUtc(c.nodeEnd) })}</span> : null}
                </>
              ) : g.state === "unknown" ? (
                <span className="text-muted-foreground">{t("node.notKnownYet")}</span>
              ) : (
                <span className="text-muted-foreground">{t("node.noCycle")}</span>
              )}
            </Fact>
            <Fact k={t("node.billingMode")} testId="meter-mode">
              {mode ? t(`mode.${mode}`) : "—"}
            </Fact>
            <Fact k={t("node.limit")}>
              {view.limitGb === null ? "—" : view.limitGb === 0 ? t("node.limitUnlimited") : t("node.limitGb", { limit: view.limitGb.toLocaleString(locale) })}
              {view.runningLimitGb !== null && view.limitGb !== null && view.runningLimitGb !== view.limitGb ? (
                <span className="block text-xs text-warning">{t("node.runningLimit", { limit: String(view.runningLimitGb) })}</span>
              ) : null}
            </Fact>
            <Fact k={t("node.seed")} testId="meter-seed">
              {view.seedGb === undefined ? <span className="text-muted-foreground">{t("node.seedUnknown")}</span> : view.seedGb === null ? t("node.seedNone") : `${view.seedGb} GB`}
            </Fact>
            <Fact k={t("node.projectedCut")} testId="meter-projection">
              <ProjectionText projection={view.projection} nowMs={nowMs} />
              {view.projection.rateBytesPerSec > 0 ? <span className="text-muted-foreground">{t("node.at", { rate: t("rate", { value: rateGiBPerDay(view.projection.rateBytesPerSec, locale) }) })}</span> : null}
            </Fact>
            <Fact k={t("node.reporter")}>
              {view.reporter.failing ? (
                <span className="text-destructive">{t.rich("node.failingSince", { time: () => <Time value={view.reporter.failAt} />, error: view.reporter.failError ?? "?" })}</span>
              ) : view.reporter.okAt ? (
                t.rich("node.lastReport", { time: () => <Time value={view.reporter.okAt} /> })
              ) : (
                <span className="text-muted-foreground">{t("node.noReport")}</span>
              )}
            </Fact>
            <Fact k={t("node.lastRead")}>
              {view.readAt ? t.rich("node.readAt", { time: () => <Time value={view.readAt} />, relative: () => <RelativeText value={view.readAt!} nowMs={nowMs} /> }) : t("node.never")}
              {view.lastError ? (
                <span className="block text-xs text-destructive">
                  {view.polledAt ? t.rich("node.pollFailedAt", { time: () => <Time value={view.polledAt} />, error: view.lastError }) : t("node.pollFailed", { error: view.lastError })}
                </span>
              ) : null}
            </Fact>
          </dl>
        </div>
      </div>
      {!view.current && !view.previous && (g.state === "metering-off" || g.state === "unknown") ? (
        <p className="rounded-lg border border-dashed border-border p-3 text-sm text-muted-foreground" data-testid="no-cycle">
          {g.state === "metering-off" ? t("node.meteringOff") : t("node.noReading")}
        </p>
      ) : (
        <CycleChart current={view.current} previous={view.previous} gauge={g} projection={view.projection} nowMs={nowMs} mode={view.mode} />
      )}
      {view.history.length ? <CycleHistoryChart history={view.history} mode={view.mode} /> : null}
    </section>
  );
}
