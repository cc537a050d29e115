// Small display helpers shared by the rollout form and the live view.

/** "850 ms", "12.4 s", "3 min 5 s", "1 h 2 min". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Wall time of a node step: finished − started, or so far while it runs. */
export function elapsed(startedAt: string | null | undefined, finishedAt: string | null | undefined, now = Date.now()): number | null {
  if (!startedAt) return null;
  return (finishedAt ? Date.parse(finishedAt) : now) - Date.parse(startedAt);
}

/** "jp-tokyo-01 (127.0.0.11)", or the IPv4 alone when the node has no other name. */
export function nodeLabel(n: { node?: string; ipv4?: string; name?: string }): string {
  const ip = n.node ?? n.ipv4 ?? "";
  return n.name && n.name !== ip ? `${n.name} (${ip})` : ip;
}
