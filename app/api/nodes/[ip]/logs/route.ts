import { NextResponse } from "next/server";
import { z } from "zod";
import { withRoute } from "@/lib/actions/route";
import { CONTAINERS } from "@/lib/guardrails/command";
import { ipv4Schema } from "@/lib/fleet";
import { followLogs } from "@/lib/node-ops/logs";
import { tailLogs } from "@/lib/node-ops/ops";
import { redactText } from "@/lib/redact";

export const dynamic = "force-dynamic";

const query = z.object({
  container: z.enum(CONTAINERS),
  tail: z.coerce.number().int().min(1).max(5000).default(200),
  mode: z.enum(["follow", "download"]),
});

// GET /api/nodes/<ip>/logs?container=k2-sidecar&tail=200&mode=follow|download
// follow: Server-Sent Events of the live `docker logs -f` (stdout and stderr, redacted);
// download: the last `tail` lines as a text file.
export const GET = withRoute({ role: "viewer" }, async (req, { user, audit }) => {
  const url = new URL(req.url);
  const ip = ipv4Schema.safeParse(url.pathname.split("/")[3]);
  const q = query.safeParse(Object.fromEntries(url.searchParams));
  if (!ip.success || !q.success) return NextResponse.json({ error: "bad request", message: "container must be one of the stack's containers; tail 1-5000" }, { status: 400 });

  if (q.data.mode === "download") {
    try {
      const r = await tailLogs(ip.data, q.data.container, q.data.tail, { actor: user.email, requestId: audit.requestId });
      return new Response(r.raw, {
        headers: { "Content-Type": "text/plain; charset=utf-8", "Content-Disposition": `attachment; filename="${ip.data}-${q.data.container}.log"`, "Cache-Control": "no-store" },
      });
    } catch (e) {
      return NextResponse.json({ error: "failed", message: redactText(e instanceof Error ? e.message : String(e)) }, { status: 502 });
    }
  }

  const enc = new TextEncoder();
  const abort = new AbortController();
  req.signal.addEventListener("abort", () => abort.abort(), { once: true });
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (event: string, data: unknown) => {
        try {
          controller.enqueue(enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        } catch {
          abort.abort();
        }
      };
      followLogs(ip.data, q.data.container, q.data.tail, abort.signal, (chunk, stream) => send("log", { stream, chunk }))
        .then(() => send("end", { reason: "the log stream ended" }))
        .catch((e) => send("error", { message: redactText(e instanceof Error ? e.message : String(e)) }))
        .finally(() => {
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        });
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-store", Connection: "keep-alive" } });
});
