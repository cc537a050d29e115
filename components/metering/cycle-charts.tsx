"use client";

import { useMemo, useState } from "react";
import { Area, Bar, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { CycleSeriesView, CycleTotalsView, GaugeView, ProjectionView } from "@/lib/metering/view";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { AXIS, ChartCard, GRID, LEGEND, NoData, SERIES, TOOLTIP } from "./chart-card";
import { formatGiB, formatUtc, gib } from "./format";
import { annotationMarks, cycleChartRows, cycleHistoryRows, tickLabel, timeTicks } from "./series";

// The node page's charts: used over a billing cycle with rx and tx (this cycle or
// the previous one), the projection to the cut, the warning and cutoff lines and
// the integrity annotations; and the previous cycles' totals. Each with a table.

const fmtGiB = (v: unknown) => (typeof v === "number" ? `${v.toLocaleString("en-US", { maximumFractionDigits: 2 })} GiB` : "—");

export function CycleChart({ current, previous, gauge, projection, nowMs, mode }: { current: CycleSeriesView | null; previous: CycleSeriesView | null; gauge: GaugeView; projection: ProjectionView; nowMs: number; mode: string | null }) {
  const [which, setWhich] = useState<"current" | "previous">("current");
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
      <div role="group" aria-label="Which cycle" className="inline-flex rounded-md border border-border p-0.5 text-xs">
        {(["current", "previous"] as const).map((w) => (
          <button key={w} type="button" aria-pressed={which === w} onClick={() => setWhich(w)} className={`rounded px-2 py-0.5 ${which === w ? "bg-muted font-medium text-foreground" : "text-muted-foreground hover:text-foreground"}`}>
            {w === "current" ? "This cycle" : "Previous cycle"}
          </button>
        ))}
      </div>
    ) : null;
  const title = s ? `Used over the cycle ${formatUtc(s.start, { dayOnly: true })} → ${formatUtc(s.end, { dayOnly: true })}` : "Used over the cycle";
  return (
    <ChartCard
      testId="cycle-chart"
      title={title}
      description={
        s
          ? `used as the node counts it (${mode === "sum" ? "rx + tx" : "max(rx, tx)"}) and the cycle's rx and tx so far; ${s.resolution === "5m" ? "every poll" : s.resolution === "1h" ? "hourly" : "daily"} points${marks.length ? `; ${marks.length} meter event${marks.length === 1 ? "" : "s"} marked` : ""}${!showLines && cutoff !== null ? `; the cutoff line (${formatGiB(gauge.cutoffBytes)}) is off this scale` : ""}`
          : undefined
      }
      actions={toggle}
      chart={
        !s || rows.length === 0 ? (
          <NoData>No readings of this cycle yet.</NoData>
        ) : (
          <div className="h-64 w-full pt-2" data-testid="cycle-chart-plot">
            <ResponsiveContainer width="100%" height="100%">
              <ComposedChart data={rows} margin={{ top: 18, right: 12, bottom: 0, left: 4 }}>
                <CartesianGrid {...GRID} />
                <XAxis dataKey="t" type="number" scale="time" domain={[start, end]} ticks={axis.ticks} tickFormatter={tickLabel(axis.unit)} {...AXIS} />
                <YAxis domain={[0, yMax]} tickFormatter={(v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 0 })} width={52} {...AXIS} label={{ value: "GiB", angle: -90, position: "insideLeft", fill: "var(--muted-foreground)", fontSize: 11 }} />
                <Tooltip {...TOOLTIP} labelFormatter={(t) => formatUtc(new Date(Number(t)).toISOString())} formatter={(v, name) => [fmtGiB(v), name]} />
                <Legend {...LEGEND} />
                <Area dataKey="used" name="used" type="monotone" stroke={SERIES.used} fill={SERIES.used} fillOpacity={0.12} strokeWidth={2} dot={false} connectNulls isAnimationActive={false} />
                <Line dataKey="rx" name="rx" type="monotone" stroke={SERIES.rx} strokeWidth={1.5} dot={false} connectNulls isAnimationActive={false} />
                <Line dataKey="tx" name="tx" type="monotone" stroke={SERIES.tx} strokeWidth={1.5} dot={false} connectNulls isAnimationActive={false} />
                {rows.some((r) => r.projected !== undefined) ? <Line dataKey="projected" name="projected" stroke={SERIES.used} strokeDasharray="5 4" dot={false} connectNulls isAnimationActive={false} legendType="plainline" /> : null}
                {showLines && warn !== null ? <ReferenceLine y={warn} stroke="var(--warning)" strokeDasharray="2 3" label={{ value: `warning ${gauge.warnPercent}%`, position: "insideTopLeft", fill: "var(--warning)", fontSize: 11 }} /> : null}
                {showLines && cutoff !== null ? <ReferenceLine y={cutoff} stroke="var(--destructive)" strokeDasharray="6 3" label={{ value: "cutoff (limit − 500 MiB)", position: "insideTopRight", fill: "var(--destructive)", fontSize: 11 }} /> : null}
                {marks.map((m, i) => (
                  <ReferenceLine key={`${m.t}-${m.kind}-${i}`} x={m.t} stroke="var(--muted-foreground)" strokeDasharray="1 3" label={{ value: m.label, position: "top", fill: "var(--muted-foreground)", fontSize: 10 }} />
                ))}
              </ComposedChart>
            </ResponsiveContainer>
          </div>
        )
      }
      table={
        !s ? (
          <NoData>No readings of this cycle yet.</NoData>
        ) : (
          <div className="space-y-3">
            <Table aria-label="Used over the cycle" containerClassName="max-h-80" stickyHeader data-testid="cycle-table">
              <TableHeader>
                <TableRow>
                  <TableHead>Time (UTC)</TableHead>
                  <TableHead className="text-right">Used</TableHead>
                  <TableHead className="text-right">rx (cycle)</TableHead>
                  <TableHead className="text-right">tx (cycle)</TableHead>
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
  if (!series.annotations.length) return <p className="text-xs text-muted-foreground">No meter events in this cycle.</p>;
  return (
    <Table aria-label="Meter events" data-testid="annotation-table">
      <TableHeader>
        <TableRow>
          <TableHead>Time (UTC)</TableHead>
          <TableHead>Event</TableHead>
          <TableHead>What k2ops did</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {annotationMarks(series).map((a, i) => (
          <TableRow key={`${a.t}-${i}`} data-kind={a.kind}>
            <TableCell className="whitespace-nowrap font-mono text-xs">{formatUtc(new Date(a.t).toISOString())}</TableCell>
            <TableCell className="whitespace-nowrap">{a.label}</TableCell>
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
  return (
    <ChartCard
      testId="cycle-history"
      title="Previous cycles"
      description={`each cycle's rx, tx and used (${mode === "sum" ? "rx + tx" : "max(rx, tx)"}) from k2ops' own history; the set-usage seed is not traffic and is not in it`}
      chart={
        rows.length === 0 ? (
          <NoData>No history yet.</NoData>
        ) : (
          <div className="h-56 w-full pt-2">
            <ResponsiveContainer width="100%" height="100%">
              <ComposedChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 4 }}>
                <CartesianGrid {...GRID} />
                <XAxis dataKey="label" {...AXIS} />
                <YAxis tickFormatter={(v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 0 })} width={52} {...AXIS} label={{ value: "GiB", angle: -90, position: "insideLeft", fill: "var(--muted-foreground)", fontSize: 11 }} />
                <Tooltip {...TOOLTIP} cursor={{ fill: "var(--muted)", opacity: 0.5 }} formatter={(v, name) => [fmtGiB(v), name]} />
                <Legend {...LEGEND} />
                <Bar dataKey="rx" name="rx" fill={SERIES.rx} radius={[2, 2, 0, 0]} isAnimationActive={false} />
                <Bar dataKey="tx" name="tx" fill={SERIES.tx} radius={[2, 2, 0, 0]} isAnimationActive={false} />
                <Line dataKey="used" name="used" stroke={SERIES.used} strokeWidth={2} isAnimationActive={false} />
              </ComposedChart>
            </ResponsiveContainer>
          </div>
        )
      }
      table={
        <Table aria-label="Previous cycles" data-testid="cycle-history-table">
          <TableHeader>
            <TableRow>
              <TableHead>Cycle (UTC)</TableHead>
              <TableHead className="text-right">rx</TableHead>
              <TableHead className="text-right">tx</TableHead>
              <TableHead className="text-right">Used</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {history.map((c) => (
              <TableRow key={c.end}>
                <TableCell className="whitespace-nowrap font-mono text-xs">
                  {formatUtc(c.start, { dayOnly: true })} → {formatUtc(c.end, { dayOnly: true })}
                  {c.current ? " (current, so far)" : ""}
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
