"use client";

import { useTranslations } from "next-intl";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { Heartbeat } from "@/lib/device-logs/diag";
import { AXIS, ChartCard, GRID, LEGEND, TOOLTIP } from "@/components/metering/chart-card";

// The heartbeat series of a client log (issue #15): loss and round trip, then
// traffic and connection counts, over the log's time; each with its table.

// the log's own clock (UTC), as in its raw lines
const hhmm = (ms: number | null) => (ms === null ? "" : new Date(ms).toISOString().slice(11, 16));

export function HeartbeatCharts({ beats }: { beats: Heartbeat[] }) {
  const t = useTranslations("deviceLogs.charts");
  const data = beats.map((b) => ({ t: hhmm(b.at), lossPct: b.loss === null ? null : Math.round(b.loss * 1000) / 10, rttMs: b.rttMs, txMB: b.txMB, rxMB: b.rxMB, tcp: b.tcpConns, udp: b.udpConns }));
  const table = (
    <div className="max-h-72 overflow-auto">
      <table className="w-full text-xs">
        <thead className="text-left text-muted-foreground">
          <tr>
            <th>{t("time")}</th>
            <th>{t("health")}</th>
            <th>{t("transport")}</th>
            <th>{t("loss")}</th>
            <th>{t("rttMs")}</th>
            <th>{t("txRxMB")}</th>
            <th>{t("tcpUdp")}</th>
            <th>{t("uptime")}</th>
            <th>{t("fallback")}</th>
          </tr>
        </thead>
        <tbody>
          {beats.map((b) => (
            <tr key={b.line} className="border-t">
              <td>{hhmm(b.at)}</td>
              <td>{b.health}</td>
              <td>{b.transport}</td>
              <td>{b.loss ?? "—"}</td>
              <td>{b.rttMs ?? "—"}</td>
              <td>
                {b.txMB ?? "—"} / {b.rxMB ?? "—"}
              </td>
              <td>
                {b.tcpConns ?? "—"} / {b.udpConns ?? "—"}
              </td>
              <td>{b.uptimeS ?? "—"}</td>
              <td>{b.fallback === null ? "—" : String(b.fallback)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
  type Series = { axis: "l" | "r"; key: string; name: string; color: string; step?: boolean; dash?: string };
  const chart = (series: Series[], left: { unit: string; width: number }, right: { unit?: string; width: number }) => (
    <ResponsiveContainer width="100%" height={240}>
      <LineChart data={data}>
        <CartesianGrid {...GRID} />
        <XAxis dataKey="t" {...AXIS} minTickGap={24} />
        <YAxis yAxisId="l" {...AXIS} unit={left.unit} width={left.width} />
        <YAxis yAxisId="r" orientation="right" {...AXIS} unit={right.unit} width={right.width} />
        <Tooltip {...TOOLTIP} />
        <Legend {...LEGEND} />
        {series.map((x) => (
          <Line key={x.key} yAxisId={x.axis} type={x.step ? "stepAfter" : "monotone"} dataKey={x.key} name={x.name} stroke={x.color} strokeDasharray={x.dash} dot={false} isAnimationActive={false} />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
  return (
    <div className="grid gap-4 lg:grid-cols-2" data-testid="heartbeat-charts">
      <ChartCard
        title={t("lossTitle")}
        description={t("lossDescription")}
        testId="chart-loss"
        table={table}
        chart={chart(
          [
            { axis: "l", key: "lossPct", name: t("lossPct"), color: "var(--chart-4)" },
            { axis: "r", key: "rttMs", name: t("rttMs"), color: "var(--chart-1)" },
          ],
          { unit: "%", width: 44 },
          { unit: " ms", width: 56 },
        )}
      />
      <ChartCard
        title={t("trafficTitle")}
        description={t("trafficDescription")}
        testId="chart-traffic"
        table={table}
        chart={chart(
          [
            { axis: "l", key: "rxMB", name: t("rxMB"), color: "var(--chart-2)" },
            { axis: "l", key: "txMB", name: t("txMB"), color: "var(--chart-3)" },
            { axis: "r", key: "tcp", name: t("tcpConns"), color: "var(--chart-5)", step: true },
            { axis: "r", key: "udp", name: t("udpConns"), color: "var(--chart-1)", step: true, dash: "4 2" },
          ],
          { unit: " MB", width: 56 },
          { width: 36 },
        )}
      />
    </div>
  );
}
