"use client";

import { useMemo } from "react";
import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { parseAsStringLiteral, useQueryState } from "nuqs";
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { MeteringPageView } from "@/lib/metering/view";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { AXIS, ChartCard, GRID, LEGEND, NoData, SERIES, TOOLTIP } from "./chart-card";
import { formatGiB as formatGiBIn, formatUtc } from "./format";
import { tickLabel, timeTicks, topConsumerRows, totalsChartRows } from "./series";

// The Metering page's fleet charts: the fleet's traffic over the chosen range
// (fleetTotals: hourly for 7 days, daily beyond) and the top consumers of the
// range. Each with its table. The range lives in the URL (?range=7d|30d|90d);
// changing it asks the server for the new range (nuqs, shallow: false).

export const RANGES = ["7d", "30d", "90d"] as const;
// the counters' names: verbatim in every language
const RX = "rx";
const TX = "tx";
const RX_TX = "rx + tx";
const fmtGiBIn = (locale: string) => (v: unknown) => (typeof v === "number" ? `${v.toLocaleString(locale, { maximumFractionDigits: 1 })} GiB` : "—");

/** The range control: 7 / 30 / 90 days, kept in the URL. */
export function RangeSelect({ value }: { value: (typeof RANGES)[number] }) {
  const [range, setRange] = useQueryState("range", parseAsStringLiteral(RANGES).withDefault("30d").withOptions({ shallow: false, history: "replace", scroll: false }));
  const current = range ?? value;
  const t = useTranslations("metering.fleet");
  return (
    <div role="group" aria-label={t("range")} className="inline-flex rounded-md border border-border p-0.5 text-xs">
      {RANGES.map((r) => (
        <button key={r} type="button" aria-pressed={current === r} onClick={() => void setRange(r === "30d" ? null : r)} className={`rounded px-2 py-0.5 ${current === r ? "bg-muted font-medium text-foreground" : "text-muted-foreground hover:text-foreground"}`}>
          {t("days", { count: Number(r.slice(0, -1)) })}
        </button>
      ))}
    </div>
  );
}

export function FleetTotalsChart({ view }: { view: MeteringPageView }) {
  const rows = useMemo(() => totalsChartRows(view.totals.points), [view.totals.points]);
  const t = useTranslations("metering.fleet");
  const locale = useLocale();
  const formatGiB = (b: number | null | undefined) => formatGiBIn(b, locale);
  const fmtGiB = fmtGiBIn(locale);
  const from = new Date(view.from).getTime();
  const to = new Date(view.to).getTime();
  const hourly = view.totals.resolution === "1h";
  const axis = timeTicks(from, to);
  const sum = rows.reduce((a, r) => a + r.total, 0);
  return (
    <ChartCard
      testId="fleet-totals"
      title={t("totalsTitle")}
      description={t(hourly ? "totalsDescriptionHour" : "totalsDescriptionDay", { from: formatUtc(view.from, { dayOnly: true }), to: formatUtc(view.to, { dayOnly: true }), sum: fmtGiB(sum) })}
      actions={<RangeSelect value={view.range} />}
      chart={
        rows.length === 0 ? (
          <NoData>{t("noTraffic")}</NoData>
        ) : (
          <div className="h-60 w-full pt-2">
            <ResponsiveContainer width="100%" height="100%">
              <AreaChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 4 }}>
                <CartesianGrid {...GRID} />
                <XAxis dataKey="t" type="number" scale="time" domain={[from, to]} ticks={axis.ticks} tickFormatter={tickLabel(axis.unit)} {...AXIS} />
                <YAxis tickFormatter={(v: number) => v.toLocaleString(locale, { maximumFractionDigits: 0 })} width={52} {...AXIS} label={{ value: t(hourly ? "axisHour" : "axisDay"), angle: -90, position: "insideLeft", fill: "var(--muted-foreground)", fontSize: 11 }} />
                <Tooltip {...TOOLTIP} labelFormatter={(t) => formatUtc(new Date(Number(t)).toISOString(), { dayOnly: !hourly })} formatter={(v, name) => [fmtGiB(v), name]} />
                <Legend {...LEGEND} />
                <Area dataKey="rx" name="rx" stackId="t" type="monotone" stroke={SERIES.rx} fill={SERIES.rx} fillOpacity={0.35} isAnimationActive={false} />
                <Area dataKey="tx" name="tx" stackId="t" type="monotone" stroke={SERIES.tx} fill={SERIES.tx} fillOpacity={0.35} isAnimationActive={false} />
              </AreaChart>
            </ResponsiveContainer>
          </div>
        )
      }
      table={
        <Table aria-label={t("totalsTitle")} containerClassName="max-h-80" stickyHeader data-testid="fleet-totals-table">
          <TableHeader>
            <TableRow>
              <TableHead>{t(hourly ? "hourUtc" : "dayUtc")}</TableHead>
              <TableHead className="text-right">{RX}</TableHead>
              <TableHead className="text-right">{TX}</TableHead>
              <TableHead className="text-right">{RX_TX}</TableHead>
              <TableHead className="text-right">{t("nodes")}</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {view.totals.points.map((p) => (
              <TableRow key={p.at}>
                <TableCell className="whitespace-nowrap font-mono text-xs">{formatUtc(p.at, { dayOnly: !hourly })}</TableCell>
                <TableCell className="text-right">{formatGiB(p.rxBytes)}</TableCell>
                <TableCell className="text-right">{formatGiB(p.txBytes)}</TableCell>
                <TableCell className="text-right">{formatGiB(p.rxBytes + p.txBytes)}</TableCell>
                <TableCell className="text-right">{p.nodes}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      }
    />
  );
}

export function TopConsumersChart({ view }: { view: MeteringPageView }) {
  const rows = useMemo(() => topConsumerRows(view.top), [view.top]);
  const t = useTranslations("metering.fleet");
  const locale = useLocale();
  const formatGiB = (b: number | null | undefined) => formatGiBIn(b, locale);
  const fmtGiB = fmtGiBIn(locale);
  return (
    <ChartCard
      testId="top-consumers"
      title={t("topTitle")}
      description={t("topDescription", { from: formatUtc(view.from, { dayOnly: true }), to: formatUtc(view.to, { dayOnly: true }) })}
      chart={
        rows.length === 0 ? (
          <NoData>{t("noTraffic")}</NoData>
        ) : (
          <div className="w-full pt-2" style={{ height: Math.max(160, rows.length * 28 + 48) }}>
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 12, bottom: 0, left: 4 }}>
                <CartesianGrid {...GRID} vertical horizontal={false} />
                <XAxis type="number" tickFormatter={(v: number) => v.toLocaleString(locale, { maximumFractionDigits: 0 })} {...AXIS} />
                <YAxis type="category" dataKey="name" width={128} {...AXIS} />
                <Tooltip {...TOOLTIP} cursor={{ fill: "var(--muted)", opacity: 0.5 }} formatter={(v, name) => [fmtGiB(v), name]} />
                <Legend {...LEGEND} />
                <Bar dataKey="rx" name="rx" stackId="c" fill={SERIES.rx} isAnimationActive={false} />
                <Bar dataKey="tx" name="tx" stackId="c" fill={SERIES.tx} radius={[0, 2, 2, 0]} isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        )
      }
      table={
        <Table aria-label={t("topTitle")} data-testid="top-consumers-table">
          <TableHeader>
            <TableRow>
              <TableHead>{t("node")}</TableHead>
              <TableHead className="text-right">{RX}</TableHead>
              <TableHead className="text-right">{TX}</TableHead>
              <TableHead className="text-right">{RX_TX}</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {view.top.map((c) => (
              <TableRow key={c.ipv4} data-ip={c.ipv4}>
                <TableCell>
                  <Link href={`/nodes/${c.ipv4}`} className="hover:underline">
                    {c.name}
                  </Link>{" "}
                  <span className="font-mono text-xs text-muted-foreground">{c.ipv4}</span>
                </TableCell>
                <TableCell className="text-right">{formatGiB(c.rxBytes)}</TableCell>
                <TableCell className="text-right">{formatGiB(c.txBytes)}</TableCell>
                <TableCell className="text-right">{formatGiB(c.totalBytes)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      }
    />
  );
}
