import { headers } from "next/headers";

export async function requestMeta(): Promise<{ ip: string; userAgent: string }> {
  try {
    const h = await headers();
    const ip = (h.get("x-forwarded-for") ?? "").split(",")[0]?.trim() || h.get("x-real-ip") || "";
    return { ip, userAgent: h.get("user-agent") ?? "" };
  } catch {
    // outside a request (scripts, tests)
    return { ip: "", userAgent: "" };
  }
}
