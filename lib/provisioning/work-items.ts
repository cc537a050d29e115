import { decodeOperationParams, type NodeOperation } from "@/lib/center/schemas";
import { BYTES_PER_GIB } from "@/lib/metering/cycle";

// Center's node operations (center-api.md §5) as the Provisioning page shows
// them: what each asks for, decoded from its params; who holds it and until
// when; and, for a provision item, the deadline Center itself enforces (§5.6
// step 5): a subscription still provisioning 30 min after its last change is
// failed by a sweep that runs every 10 min, whatever k2ops does; after that the
// claim token activates nothing. Center enforces no lease (§5.6 step 6): a
// lease past its deadline is shown as expired, never as released.

export const PROVISION_TIMEOUT_MS = 30 * 60_000;
export const TIMEOUT_SWEEP_EVERY_MS = 10 * 60_000;

export type ProvisionDeadline = {
  /** when Center may fail the item (the subscription's last change + 30 min; k2ops sees the item's creation) */
  failsFrom: string;
  /** when the 10-minute sweep has surely run past it */
  failedBy: string;
  /** ms until failsFrom (negative: passed) */
  remainingMs: number;
  state: "running" | "passed";
  text: string;
};

export type WorkItemView = {
  id: number;
  action: NodeOperation["action"];
  status: NodeOperation["status"];
  subId: number;
  open: boolean;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  /** what the item asks for, in words ("jp-tokyo · 1,000 GiB sold · non_residential", "reason: grace ended") */
  asks: string;
  /** the decoded params (null when Center sent something unreadable: `problem` says so) */
  params: Record<string, unknown> | null;
  problem: string | null;
  holder: string | null;
  lease: { from: string; until: string; expired: boolean } | null;
  result: Record<string, unknown> | null;
  lastError: string | null;
  completedAt: string | null;
  deadline: ProvisionDeadline | null;
};

const iso = (s: number) => new Date(s * 1000).toISOString();
const OPEN = new Set(["queued", "claimed", "in_progress"]);

/** The deadline of an open provision item at `now` (null for other actions and ended items). Ms in `remainingMs`. */
export function provisionDeadline(op: Pick<NodeOperation, "action" | "status" | "createdAt">, now: Date): ProvisionDeadline | null {
  if (op.action !== "provision" || !OPEN.has(op.status)) return null;
  const from = op.createdAt * 1000 + PROVISION_TIMEOUT_MS;
  const by = from + TIMEOUT_SWEEP_EVERY_MS;
  const remainingMs = from - now.getTime();
  const mins = (ms: number) => `${Math.ceil(Math.abs(ms) / 60_000)} min`;
  const text =
    remainingMs > 0
      ? `Center fails it if the node has not registered within ${mins(remainingMs)} (its 10-minute sweep acts by ${new Date(by).toISOString().slice(11, 16)} UTC at the latest); after that the claim activates nothing`
      : `Past Center's 30-minute deadline by ${mins(remainingMs)}: its sweep fails the subscription${now.getTime() >= by ? " (it has run by now)" : ""}; a node registering later activates nothing`;
  return { failsFrom: new Date(from).toISOString(), failedBy: new Date(by).toISOString(), remainingMs, state: remainingMs > 0 ? "running" : "passed", text };
}

const parseObject = (s: string): Record<string, unknown> | null => {
  try {
    const v: unknown = JSON.parse(s);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/** One node operation as the Provisioning page shows it at `now`. Never throws for a malformed params/result string. */
export function workItemView(op: NodeOperation, now: Date): WorkItemView {
  let asks = "";
  let params: Record<string, unknown> | null = null;
  let problem: string | null = null;
  try {
    const d = decodeOperationParams(op);
    params = d.params as Record<string, unknown>;
    if (d.action === "provision") {
      const gib = Number(BigInt(Math.trunc(d.params.trafficTotalBytes)) / BYTES_PER_GIB);
      asks = `${d.params.region} · ${gib.toLocaleString("en-US")} GiB a month sold · ${d.params.ipType}`;
    } else if (d.action === "change_ip") {
      asks = [d.params.targetRegion ? `to ${d.params.targetRegion}` : "same region", d.params.reason ? `reason: ${d.params.reason}` : null].filter(Boolean).join(" · ");
    } else asks = d.params.reason ? `reason: ${d.params.reason}` : "no reason given";
  } catch {
    problem = "Center sent params this console cannot read: open the item at Center before acting on it";
    asks = "unreadable params";
  }
  return {
    id: op.id,
    action: op.action,
    status: op.status,
    subId: op.subId,
    open: OPEN.has(op.status),
    createdAt: iso(op.createdAt),
    updatedAt: iso(op.updatedAt),
    createdBy: op.createdBy,
    asks,
    params,
    problem,
    holder: op.holder || null,
    lease: op.leasedAt ? { from: iso(op.leasedAt), until: iso(op.leaseDeadline), expired: op.leaseDeadline * 1000 <= now.getTime() } : null,
    result: parseObject(op.result),
    lastError: op.lastError ?? null,
    completedAt: op.completedAt ? iso(op.completedAt) : null,
    deadline: provisionDeadline(op, now),
  };
}
