import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

// Liveness + database reachability, for the launcher and load balancers. No data.
export async function GET() {
  try {
    await db().$queryRaw`SELECT 1`;
    return Response.json({ status: "ok" });
  } catch {
    return Response.json({ status: "degraded", database: "unreachable" }, { status: 503 });
  }
}
