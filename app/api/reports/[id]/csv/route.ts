import { NextResponse } from "next/server";
import { withRoute } from "@/lib/actions/route";
import { loadFleetReport, reportCsv } from "@/lib/fleet-reports";

export const dynamic = "force-dynamic";

// A fleet report's rows as CSV (any signed-in user; the export is audited).
// Cells are redacted, escaped and formula-neutralised (lib/fleet-reports reportCsv, csv.ts).
export const GET = withRoute({ role: "viewer", audit: "report.export_csv" }, async (req) => {
  const parts = new URL(req.url).pathname.split("/");
  const id = parts[parts.length - 2] ?? "";
  if (!/^[a-z0-9]{10,40}$/i.test(id)) return NextResponse.json({ error: "bad report id" }, { status: 400 });
  const report = await loadFleetReport(id);
  if (!report) return NextResponse.json({ error: "no such report" }, { status: 404 });
  const { filename, body } = reportCsv(report);
  return new NextResponse(body, {
    status: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
