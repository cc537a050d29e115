"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { Heartbeat } from "@/lib/device-logs/diag";
import { AXIS, ChartCard, GRID, LEGEND, TOOLTIP } from "@/components/metering/chart-card";

// The heartbeat series of a client log (issue #15): loss and round trip, then
// traffic and connection counts, over the log's time; each with its table.

const hhmm = (ms: number | null) => (ms === null ? "" : new Date(ms).toISOString().slice(11, 16));

export function HeartbeatCharts({ beats }: { beats: Heartbeat[] }) {
  const data = beats.map((b) => ({ t: hhmm(b.at), lossPct: b.loss === null ? null : Math.round(b.loss * 1000) / 10, rttMs: b.rttMs, txMB: b.txMB, rxMB: b.rxMB, tcp: b.tcpConns, udp: b.udpConns }));
  const table = (
    <div className="max-h-72 overflow-auto">
      <table className="w-full text-xs">
        <thead className="text-left text-muted-foreground">
          <tr>
            <th>Time (UTC)</th>
            <th>Health</th>
            <th>Transport</th>
            <th>Loss</th>
            <th>RTT ms</th>
            <th>tx/rx MB</th>
            <th>TCP/UDP</th>
            <th>Uptime s</th>
            <th>Fallback</th>
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
        title="Loss and round trip"
        description="Packet loss (%) and RTT (ms) per 30 s heartbeat"
        testId="chart-loss"
        table={table}
        chart={chart(
          [
            { axis: "l", key: "lossPct", name: "loss %", color: "var(--chart-4)" },
            { axis: "r", key: "rttMs", name: "RTT ms", color: "var(--chart-1)" },
          ],
          { unit: "%", width: 44 },
          { unit: " ms", width: 56 },
        )}
      />
      <ChartCard
        title="Traffic and connections"
        description="Cumulative tx/rx (MB) and open TCP/UDP connections"
        testId="chart-traffic"
        table={table}
        chart={chart(
          [
            { axis: "l", key: "rxMB", name: "rx MB", color: "var(--chart-2)" },
            { axis: "l", key: "txMB", name: "tx MB", color: "var(--chart-3)" },
            { axis: "r", key: "tcp", name: "TCP conns", color: "var(--chart-5)", step: true },
            { axis: "r", key: "udp", name: "UDP conns", color: "var(--chart-1)", step: true, dash: "4 2" },
          ],
          { unit: " MB", width: 56 },
          { width: 36 },
        )}
      />
    </div>
  );
}
