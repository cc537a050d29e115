// The runbook's activity heuristic (§5): Center has no status field. A node is
// active when it has a tunnel, a real name (not the IPv4-as-name default) and
// answers SSH on :1022; zero tunnels + IP-as-name = decommissioned.
// A node an operator added by hand (source "manual") has no Center record, so
// the tunnel and name signals say nothing about it: only SSH counts.

export type Activity = "active" | "decommissioned" | "unreachable" | "incomplete";

export function activityOf(n: {
  ipv4: string;
  name: string;
  tunnelCount: number;
  lastSeenSshAt: Date | null;
  lastSshError: string | null;
  /** "manual" = added by an operator, Center does not list it */
  source?: string;
}): Activity {
  if (n.source === "manual") return n.lastSshError ? "unreachable" : "active";
  const realName = n.name.trim() !== "" && n.name !== n.ipv4;
  if (n.tunnelCount === 0 && !realName) return "decommissioned";
  if (!realName || n.tunnelCount === 0) return "incomplete";
  // a successful contact clears lastSshError, so a present error is the latest word
  if (n.lastSshError) return "unreachable";
  return "active";
}
