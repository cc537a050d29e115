import { db } from "@/lib/db";
import { cmd, container as containerArg, tailLines, type Container } from "@/lib/guardrails/command";
import { sshEngine, targetOf } from "./engine";

// Live log follow (`docker logs -f`) on its own SSH connection, never the
// pooled one, so a long stream cannot starve short commands. The stream ends
// when the browser goes away (the abort closes the channel and connection).

export async function followLogs(
  ipv4: string,
  c: Container,
  tail: number,
  signal: AbortSignal,
  onData: (chunk: string, stream: "stdout" | "stderr") => void,
): Promise<void> {
  const node = await db().node.findUnique({ where: { ipv4 } });
  if (!node) throw new Error(`No node ${ipv4}`);
  if (node.hostKeyState === "changed" || node.hostKeyState === "new_key_type") throw new Error("host key changed or of a new type: operations on this node are blocked until an admin reviews it");
  await sshEngine().stream(targetOf(node), cmd`docker logs -f --tail ${tailLines(tail)} ${containerArg(c)}`, { signal, onData });
}
