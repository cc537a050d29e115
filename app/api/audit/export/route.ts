import { auditCsv, parseAuditFilter } from "@/lib/audit";
import { withRoute } from "@/lib/actions/route";

export const dynamic = "force-dynamic";

export const GET = withRoute({ role: "viewer", audit: "audit.export" }, async (req) => {
  const filter = parseAuditFilter(Object.fromEntries(new URL(req.url).searchParams));
  const gen = auditCsv(filter);
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await gen.next();
      if (done) controller.close();
      else controller.enqueue(enc.encode(value));
    },
  });
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="k2ops-audit-${stamp}.csv"`,
      "Cache-Control": "no-store",
    },
  });
});
