import type { NodeMeterView, ProviderFigureView } from "@/lib/metering/view";
import { Badge } from "@/components/ui/badge";
import { CycleChart, CycleHistoryChart } from "./cycle-charts";
import { formatGiB, formatPercent, formatRate, formatRelative, formatUtc, modeLabel, projectionText } from "./format";
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
  if (!provider) return null;
  return (
    <div data-testid="provider-figure" data-flagged={provider.flagged} className={`rounded-md border p-2 text-sm ${provider.flagged ? "border-warning/60 bg-warning/10" : "border-border"}`}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <span>
          {provider.source}: <span className="font-medium tabular-nums">{formatGiB(provider.usedBytes)}</span>
          {provider.allowanceBytes !== null ? <span className="text-muted-foreground"> of {formatGiB(provider.allowanceBytes)}</span> : null}
          {provider.nodeUsedBytes !== null ? (
            <>
              {" "}
              · node over the same window: <span className="tabular-nums">{formatGiB(provider.nodeUsedBytes)}</span>
            </>
          ) : null}
        </span>
        {provider.flagged ? <Badge variant="warning">diverges</Badge> : null}
      </div>
      <p className="text-xs text-muted-foreground">
        {provider.divergenceBytes !== null ? (
          <>
            provider − node = {provider.divergenceBytes >= 0 ? "+" : "−"}
            {formatGiB(Math.abs(provider.divergenceBytes))}
            {provider.divergencePercent !== null ? ` (${formatPercent(provider.divergencePercent)})` : ""}
          </>
        ) : (
          <>not comparable: {provider.note ?? "no node figure for the provider's period"}</>
        )}{" "}
        · as of {formatUtc(provider.at)}
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
  const g = view.gauge;
  const c = view.cycle;
  return (
    <section aria-label="Traffic quota" data-testid="node-metering" className="space-y-4">
      <div className="rounded-lg border border-border bg-card p-3">
        <h2 className="mb-2 text-sm font-semibold">Traffic quota</h2>
        <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
          <div className="space-y-3">
            <QuotaGauge gauge={g} size="lg" label={`Quota used on ${name}`} />
            <ProviderFigureSlot provider={view.provider} />
          </div>
          <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1 text-sm">
            <Fact k="Current cycle" testId="meter-cycle">
              {c ? (
                <>
                  <span className="font-mono text-xs">{formatUtc(c.start)}</span> → <span className="font-mono text-xs">{formatUtc(c.end)}</span>
                  <span className="text-muted-foreground"> · billing day {view.billingDay}</span>
                  {c.restartReanchors ? (
                    <span className="block text-xs text-warning">a sidecar restart now would re-anchor the cycle to end {formatUtc(c.freshEnd, { dayOnly: true })} (usage back to 0): day {view.billingDay} in a short month</span>
                  ) : null}
                  {c.nodeEndMatches === false ? <span className="block text-xs text-warning">the node&apos;s traffic.state says the cycle ends {formatUtc(c.nodeEnd)} (billing day changed since the sidecar started?)</span> : null}
                </>
              ) : g.state === "unknown" ? (
                <span className="text-muted-foreground">not known yet</span>
              ) : (
                <span className="text-muted-foreground">none: no billing date, the node runs uncapped</span>
              )}
            </Fact>
            <Fact k="Billing mode" testId="meter-mode">
              {modeLabel(view.mode)}
            </Fact>
            <Fact k="Limit">
              {view.limitGb === null ? "—" : view.limitGb === 0 ? "0 (unlimited)" : `${view.limitGb.toLocaleString("en-US")} GB (GiB)`}
              {view.runningLimitGb !== null && view.limitGb !== null && view.runningLimitGb !== view.limitGb ? (
                <span className="block text-xs text-warning">the running sidecar still uses {view.runningLimitGb} GB: .env edited but not applied (up -d k2-sidecar)</span>
              ) : null}
            </Fact>
            <Fact k="Seed (USED_GB)" testId="meter-seed">
              {view.seedGb === undefined ? <span className="text-muted-foreground">not known (no recent sample)</span> : view.seedGb === null ? "none" : `${view.seedGb} GB`}
            </Fact>
            <Fact k="Projected cut" testId="meter-projection">
              {projectionText(view.projection, nowMs)}
              {view.projection.rateBytesPerSec > 0 ? <span className="text-muted-foreground"> · at {formatRate(view.projection.rateBytesPerSec)}</span> : null}
            </Fact>
            <Fact k="Usage reporter">
              {view.reporter.failing ? (
                <span className="text-destructive">failing since {formatUtc(view.reporter.failAt)}: {view.reporter.failError ?? "?"}</span>
              ) : view.reporter.okAt ? (
                `last report ${formatUtc(view.reporter.okAt)}`
              ) : (
                <span className="text-muted-foreground">no report seen</span>
              )}
            </Fact>
            <Fact k="Last read">
              {view.readAt ? `${formatUtc(view.readAt)} (${formatRelative(view.readAt, nowMs)})` : "never"}
              {view.lastError ? <span className="block text-xs text-destructive">last poll failed{view.polledAt ? ` at ${formatUtc(view.polledAt)}` : ""}: {view.lastError}</span> : null}
            </Fact>
          </dl>
        </div>
      </div>
      {!view.current && !view.previous && (g.state === "metering-off" || g.state === "unknown") ? (
        <p className="rounded-lg border border-dashed border-border p-3 text-sm text-muted-foreground" data-testid="no-cycle">
          {g.state === "metering-off" ? "Metering is off on this node: there is no billing cycle to chart. Set K2_NODE_BILLING_START_DATE (and the limit) to meter it." : "No reading of this node's meter yet."}
        </p>
      ) : (
        <CycleChart current={view.current} previous={view.previous} gauge={g} projection={view.projection} nowMs={nowMs} mode={view.mode} />
      )}
      {view.history.length ? <CycleHistoryChart history={view.history} mode={view.mode} /> : null}
    </section>
  );
}
