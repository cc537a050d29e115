"use client";

import * as React from "react";
import { useTranslations } from "next-intl";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";

// Every metering chart has a table view with the same data (issue #13: charts
// "have a table view"): a Chart | Table tab pair. Chart colours are the theme's
// CSS variables (app/globals.css --chart-N, --border, --muted-foreground, ...),
// so light and dark themes need nothing else.

/** recharts props in the theme's colours (both themes: the variables switch with the `dark` class). */
export const AXIS = { stroke: "var(--border)", tick: { fill: "var(--muted-foreground)", fontSize: 11 }, tickLine: false } as const;
export const GRID = { stroke: "var(--border)", strokeDasharray: "3 3", vertical: false } as const;
export const TOOLTIP = {
  contentStyle: { background: "var(--popover)", border: "1px solid var(--border)", borderRadius: 6, color: "var(--popover-foreground)", fontSize: 12 },
  labelStyle: { color: "var(--muted-foreground)", marginBottom: 2 },
  itemStyle: { padding: 0 },
  cursor: { stroke: "var(--muted-foreground)", strokeDasharray: "3 3" },
} as const;
export const LEGEND = { wrapperStyle: { fontSize: 12, color: "var(--muted-foreground)" } } as const;
/** used, rx, tx */
export const SERIES = { used: "var(--chart-1)", rx: "var(--chart-2)", tx: "var(--chart-3)" } as const;

export function ChartCard({
  title,
  description,
  chart,
  table,
  actions,
  testId,
}: {
  title: string;
  description?: React.ReactNode;
  /** the chart (a recharts ResponsiveContainer) */
  chart: React.ReactNode;
  /** the same data as a table */
  table: React.ReactNode;
  /** controls beside the Chart | Table tabs (e.g. which cycle) */
  actions?: React.ReactNode;
  testId?: string;
}) {
  const t = useTranslations("metering.chartCard");
  return (
    <Card data-testid={testId}>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
        {description ? <CardDescription>{description}</CardDescription> : null}
      </CardHeader>
      <CardContent>
        <Tabs defaultValue="chart">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <TabsList aria-label={t("tabs", { title })}>
              <TabsTrigger value="chart">{t("chart")}</TabsTrigger>
              <TabsTrigger value="table">{t("table")}</TabsTrigger>
            </TabsList>
            {actions}
          </div>
          <TabsContent value="chart" className="focus-visible:outline-none">
            {chart}
          </TabsContent>
          <TabsContent value="table">{table}</TabsContent>
        </Tabs>
      </CardContent>
    </Card>
  );
}

/** A chart with no data to draw says so instead of an empty frame. */
export function NoData({ children }: { children: React.ReactNode }) {
  return <p className="flex h-40 items-center justify-center rounded-md border border-dashed border-border text-sm text-muted-foreground">{children}</p>;
}
