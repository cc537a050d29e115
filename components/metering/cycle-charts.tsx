"use client";

import { useMemo, useState } from "react";
import { useLocale, useTranslations } from "next-intl";
import { Area, Bar, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { CycleSeriesView, CycleTotalsView, GaugeView, ProjectionView } from "@/lib/metering/view";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { AXIS, ChartCard, GRID, LEGEND, NoData, SERIES, TOOLTIP } from "./chart-card";
import { formatGiB as formatGiBIn, formatUtc, gib, isAnnotationKind } from "./format";
import { annotationMarks, cycleChartRows, cycleHistoryRows, tickLabel, timeTicks } from "./series";

// The node page's charts: used over a billing cycle with rx and tx (this cycle or
// the previous one), the projection to the cut, the warning and cutoff lines and
// the integrity annotations; and the previous cycles' totals. Each with a table.

const fmtGiBIn = (locale: string) => (v: unknown) => (typeof v === "number" ? `${v.toLocaleString(locale, { maximumFractionDigits: 2 })} GiB` : "—");
// the counters' names and the mode's formula: verbatim in every language
const RX = "rx";
const TX = "tx";
const modeText = (mode: string | null) => (mode === "sum" ? "rx + tx" : "max(rx, tx)");

/** An annotation kind's short label (an unknown kind as it is). */
function useAnnotationLabel() {
  const t = useTranslations("metering.annotation");
  return (kind: string) => (isAnnotationKind(kind) ? t(kind) : kind);
}

export function CycleChart({ current, previous, gauge, projection, nowMs, mode }: { current: CycleSeriesView | null; previous: CycleSeriesView | null; gauge: GaugeView; projection: ProjectionView; nowMs: number; mode: string | null }) {
  const [which, setWhich] = useState<"current" | "previous">("current");
  const t = useTranslations("metering.cycle");
  const locale = useLocale();
  const formatGiB = (b: number | null | undefined) => formatGiBIn(b, locale);
  const fmtGiB = fmtGiBIn(locale);
  const label = useAnnotationLabel();
  const s = which === "previous" && previous ? previous : current;
  const isCurrent = s === current;
  const rows = useMemo(
    () => (s ? cycleChartRows(s, isCurrent ? { projection, nowMs, usedBytes: gauge.usedBytes, cutoffBytes: gauge.cutoffBytes } : {}) : []),
    [s, isCurrent, projection, nowMs, gauge.usedBytes, gauge.cutoffBytes],
  );
  const marks = useMemo(() => (s ? annotationMarks(s) : []), [s]);
  const start = s ? new Date(s.start).getTime() : 0;
  const cycleEnd = s ? new Date(s.end).getTime() : 0;
  // this cycle: up to the projection's end (or now) with a margin, so early in a cycle the data is not a sliver at the left
  const lastT = Math.max(start, ...rows.map((r) => r.t));
  const end = isCurrent ? Math.min(cycleEnd, Math.max(start + 86_400_000, start + (Math.max(lastT, nowMs) - start) * 1.08)) : cycleEnd;
  const axis = timeTicks(start, end);
  // the cutoff and warning lines only when the data comes near them (else the data would be a flat line at 0)
  const dataMax = Math.max(0, ...rows.flatMap((r) => [r.used ?? 0, r.rx ?? 0, r.tx ?? 0, r.projected ?? 0]));
  const cutoff = gib(gauge.cutoffBytes);
  const warn = gauge.limitBytes > 0 && gauge.cutoffBytes !== null ? gib((gauge.limitBytes * gauge.warnPercent) / 100) : null;
  const showLines = cutoff !== null && cutoff <= Math.max(dataMax, 1) * 1.6;
  const yMax = Math.max(dataMax * 1.08, showLines && cutoff ? cutoff * 1.04 : 0, 1);
  const toggle =
    previous && current ? (
      <div role="group" aria-label={t("which")} className="inline-flex rounded-md border border-border p-0.5 text-xs">
        {(["current", "previous"] as const).map((w) => (
          <button key={w} type="button" aria-pressed={which === w} onClick={() => setWhich(w)} className={`rounded px-2 py-0.5 ${which === w ? "bg-muted font-medium text-foreground" : "text-muted-foreground hover:text-foreground"}`}>
            {w === "current" ? t("current") : t("previous")}
          </button>
        ))}
      </div>
    ) : null;
  const title = s ? t("titleRange", { from: formatUtc(s.start, { dayOnly: true }), to: formatUtc(s.end, { dayOnly: true }) }) : t("title");
  return (
    <ChartCard
      testId="cycle-chart"
      title={title}
      description={
        s
          ? t("description", { mode: modeText(mode), resolution: t(`resolution.${s.resolution === "5m" ? "poll" : s.resolution === "1h" ? "hourly" : "daily"}`) }) + (marks.length ? t("marks", { count: marks.length }) : "") + (!showLines && cutoff !== null ? t("offScale", { cutoff: formatGiB(gauge.cutoffBytes) }) : "")
          : undefined
      }
      actions={toggle}
      chart={
        !s || rows.length === 0 ? (
          <NoData>{t("noReadings")}</NoData>
        ) : (
          <div className="h-64 w-full pt-2" data-testid="cycle-chart-plot">
            <ResponsiveContainer width="100%" height="100%">
              <ComposedChart data={rows} margin={{ top: 18, right: 12, bottom: 0, left: 4 }}>
                <CartesianGrid {...GRID} />
                <XAxis dataKey="t" type="number" scale="time" domain={[start, end]} ticks={axis.ticks} tickFormatter={tickLabel(axis.unit)} {...AXIS} />
                <YAxis domain={[0, yMax]} tickFormatter={(v: number) => v.toLocaleString(locale, { maximumFractionDigits: 0 })} width={52} {...AXIS} label={{ value: "GiB", angle: -90, position: "insideLeft", fill: "var(--muted-foreground)", fontSize: 11 }} />
                <Tooltip {...TOOLTIP} labelFormatter={(t) => formatUtc(new Date(Number(t)).toISOString())} formatter={(v, name) => [fmtGiB(v), name]} />
                <Legend {...LEGEND} />
                <Area dataKey="used" name={t("seriesUsed")} type="monotone" stroke={SERIES.used} fill={SERIES.used} fillOpacity={0.12} strokeWidth={2} dot={false} connectNulls isAnimationActive={false} />
                <Line dataKey="rx" name={RX} type="monotone" stroke={SERIES.rx} strokeWidth={1.5} dot={false} connectNulls isAnimationActive={false} />
                <Line dataKey="tx" name={TX} type="monotone" stroke={SERIES.tx} strokeWidth={1.5} dot={false} connectNulls isAnimationActive={false} />
                {rows.some((r) => r.projected !== undefined) ? <Line dataKey="projected" name={t("seriesProjected")} stroke={SERIES.used} strokeDasharray="5 4" dot={false} connectNulls isAnimationActive={false} legendType="plainline" /> : null}
                {showLines && warn !== null ? <ReferenceLine y={warn} stroke="var(--warning)" strokeDasharray="2 3" label={{ value: t("warningLine", { percent: gauge.warnPercent }), position: "insideTopLeft", fill: "var(--warning)", fontSize: 11 }} /> : null}
                {showLines && cutoff !== null ? <ReferenceLine y={cutoff} stroke="var(--destructive)" strokeDasharray="6 3" label={{ value: t("cutoffLine"), position: "insideTopRight", fill: "var(--destructive)", fontSize: 11 }} /> : null}
                {marks.map((m, i) => (
                  <ReferenceLine key={`${m.t}-${m.kind}-${i}`} x={m.t} stroke="var(--muted-foreground)" strokeDasharray="1 3" label={{ value: label(m.kind), position: "top", fill: "var(--muted-foreground)", fontSize: 10 }} />
                ))}
              </ComposedChart>
            </ResponsiveContainer>
          </div>
        )
      }
      table={
        !s ? (
          <NoData>{t("noReadings")}</NoData>
        ) : (
          <div className="space-y-3">
            <Table aria-label={t("title")} containerClassName="max-h-80" stickyHeader data-testid="cycle-table">
              <TableHeader>
                <TableRow>
                  <TableHead>{t("timeUtc")}</TableHead>
                  <TableHead className="text-right">{t("used")}</TableHead>
                  <TableHead className="text-right">{t("rxCycle")}</TableHead>
                  <TableHead className="text-right">{t("txCycle")}</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {s.points.map((p) => (
                  <TableRow key={p.at}>
                    <TableCell className="whitespace-nowrap font-mono text-xs">{formatUtc(p.at)}</TableCell>
                    <TableCell className="text-right">{formatGiB(p.usedBytes)}</TableCell>
                    <TableCell className="text-right">{formatGiB(p.rxBytes)}</TableCell>
                    <TableCell className="text-right">{formatGiB(p.txBytes)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <AnnotationTable series={s} />
          </div>
        )
      }
    />
  );
}

/** The cycle's meter events (counter integrity), in words. */
export function AnnotationTable({ series }: { series: CycleSeriesView }) {
  const t = useTranslations("metering.cycle");
  const label = useAnnotationLabel();
  if (!series.annotations.length) return <p className="text-xs text-muted-foreground">{t("noEvents")}</p>;
  return (
    <Table aria-label={t("events")} data-testid="annotation-table">
      <TableHeader>
        <TableRow>
          <TableHead>{t("timeUtc")}</TableHead>
          <TableHead>{t("event")}</TableHead>
          <TableHead>{t("whatK2opsDid")}</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {annotationMarks(series).map((a, i) => (
          <TableRow key={`${a.t}-${i}`} data-kind={a.kind}>
            <TableCell className="whitespace-nowrap font-mono text-xs">{formatUtc(new Date(a.t).toISOString())}</TableCell>
            <TableCell className="whitespace-nowrap">{label(a.kind)}</TableCell>
            <TableCell className="text-xs text-muted-foreground">{a.text}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** The previous cycles' traffic (daily rollups re-bucketed to the billing day) and the current one so far. */
export function CycleHistoryChart({ history, mode }: { history: CycleTotalsView[]; mode: string | null }) {
  const rows = useMemo(() => cycleHistoryRows(history), [history]);
  const t = useTranslations("metering.cycle");
  const locale = useLocale();
  const formatGiB = (b: number | null | undefined) => formatGiBIn(b, locale);
  const fmtGiB = fmtGiBIn(locale);
  // bars by the cycle's start day; the current cycle marked (series' English " (now)" label is not used)
  const dayLabel = (start: string) => (rows.find((r) => r.start === start)?.current ? t("now", { day: start.slice(0, 10) }) : start.slice(0, 10));
  return (
    <ChartCard
      testId="cycle-history"
      title={t("historyTitle")}
      description={t("historyDescription", { mode: modeText(mode) })}
      chart={
        rows.length === 0 ? (
          <NoData>{t("noHistory")}</NoData>
        ) : (
          <div className="h-56 w-full pt-2">
            <ResponsiveContainer width="100%" height="100%">
              <ComposedChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 4 }}>
                <CartesianGrid {...GRID} />
                <XAxis dataKey="start" tickFormatter={dayLabel} {...AXIS} />
                <YAxis tickFormatter={(v: number) => v.toLocaleString(locale, { maximumFractionDigits: 0 })} width={52} {...AXIS} label={{ value: "GiB", angle: -90, position: "insideLeft", fill: "var(--muted-foreground)", fontSize: 11 }} />
                <Tooltip {...TOOLTIP} cursor={{ fill: "var(--muted)", opacity: 0.5 }} labelFormatter={(v) => dayLabel(String(v))} formatter={(v, name) => [fmtGiB(v), name]} />
                <Legend {...LEGEND} />
                <Bar dataKey="rx" name={RX} fill={SERIES.rx} radius={[2, 2, 0, 0]} isAnimationActive={false} />
                <Bar dataKey="tx" name={TX} fill={SERIES.tx} radius={[2, 2, 0, 0]} isAnimationActive={false} />
                <Line dataKey="used" name={t("seriesUsed")} stroke={SERIES.used} strokeWidth={2} isAnimationActive={false} />
              </ComposedChart>
            </ResponsiveContainer>
          </div>
        )
      }
      table={
        <Table aria-label={t("historyTitle")} data-testid="cycle-history-table">
          <TableHeader>
            <TableRow>
              <TableHead>{t("cycleUtc")}</TableHead>
              <TableHead className="text-right">{RX}</TableHead>
              <TableHead className="text-right">{TX}</TableHead>
              <TableHead className="text-right">{t("used")}</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {history.map((c) => (
              <TableRow key={c.end}>
                <TableCell className="whitespace-nowrap font-mono text-xs">
                  {formatUtc(c.start, { dayOnly: true })} → {formatUtc(c.end, { dayOnly: true })}
                  {c.current ? t("currentSoFar") : ""}
                </TableCell>
                <TableCell className="text-right">{formatGiB(c.rxBytes)}</TableCell>
                <TableCell className="text-right">{formatGiB(c.txBytes)}</TableCell>
                <TableCell className="text-right">{formatGiB(c.usedBytes)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      }
    />
  );
}
