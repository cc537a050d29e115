import { hasRole } from "@/lib/auth/roles";
import { ipv4Schema } from "@/lib/fleet/ipv4";

// What the command palette offers under "This node", and how it hands an operation to the node
// page: it never runs one. It navigates to /nodes/<ip>?op=<operation>; the node page's own
// components (components/node/node-operations.tsx, verify-button.tsx) read `op`, open that
// operation's own confirmation (or, for Verify now, which has none, focus its button) and clear
// `op` when it closes. The server checks the role again whatever the browser sends.

/** The query parameter the node page reads. */
export const NODE_OP_PARAM = "op";

export const NODE_OPS = ["verify", "update", "push-compose", "deploy-compose", "restart", "reboot"] as const;
export type NodeOp = (typeof NODE_OPS)[number];

export const isNodeOp = (v: unknown): v is NodeOp => typeof v === "string" && (NODE_OPS as readonly string[]).includes(v);

/**
 * English labels as the node page's buttons say them, and search keywords. The palette shows the
 * catalogs' command.ops.<op> (the same words in English) and matches the query against both, so
 * "reboot" finds the operation in every language.
 */
export const NODE_OP_LABELS: Record<NodeOp, { label: string; keywords: string[] }> = {
  verify: { label: "Verify now", keywords: ["verification", "checklist", "check"] },
  update: { label: "Update (pull + up -d)", keywords: ["pull", "up", "upgrade", "deploy"] },
  "push-compose": { label: "Push compose", keywords: ["docker-compose.yml", "compose"] },
  "deploy-compose": { label: "Deploy compose", keywords: ["docker-compose.yml", "compose", "pull", "up"] },
  restart: { label: "Restart a container", keywords: ["docker restart", "k2s", "k2-sidecar"] },
  reboot: { label: "Reboot (Lightsail)", keywords: ["aws", "machine", "instance"] },
};

/**
 * The single-node operations the palette offers a role: none to a viewer (they cannot run any),
 * every one of NODE_OPS to an operator or an admin. Whether one applies to this node (Lightsail,
 * a changed host key) is the node page's decision when it opens.
 */
export function nodeOpsFor(role: string | null | undefined): NodeOp[] {
  return hasRole(role, "operator") ? [...NODE_OPS] : [];
}

/**
 * The operations the node page can open right now: what its panels render for this user and node.
 * Verify now is in the page header (operators, whatever the host key); the rest live in the
 * operations panel, which shows only the host-key notice while the host key is changed or of a new type.
 */
export function opsOnNodePage(p: { canOperate: boolean; hostKeyBlocked: boolean; lightsailReboot: boolean }): NodeOp[] {
  if (!p.canOperate) return [];
  if (p.hostKeyBlocked) return ["verify"];
  return NODE_OPS.filter((op) => op !== "reboot" || p.lightsailReboot);
}

/** The node IPv4 of a /nodes/<ip> path, else null. */
export function nodeIpOfPath(path: string | null | undefined): string | null {
  const m = /^\/nodes\/([^/?#]+)\/?$/.exec(path ?? "");
  if (!m) return null;
  return ipv4Schema.safeParse(m[1]).success ? m[1] : null;
}

/** Where the palette sends an operation: the node page, which opens it. */
export const nodeOpHref = (ipv4: string, op: NodeOp) => `/nodes/${ipv4}?${NODE_OP_PARAM}=${op}`;

/** The pages (the shell's navigation) whose label or path matches the query, in the navigation's order. */
export function matchPages<T extends { href: string; label: string }>(pages: T[], query: string): T[] {
  return pages.filter((p) => matchesQuery(query, [p.label, p.href]));
}

/** Case-insensitive: every word of the query appears in the label, the href or a keyword. */
export function matchesQuery(query: string, haystack: (string | undefined)[]): boolean {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const text = haystack.filter(Boolean).join(" ").toLowerCase();
  return words.every((w) => text.includes(w));
}
