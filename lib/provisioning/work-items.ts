import { decodeOperationParams, type NodeOperation } from "@/lib/center/schemas";
import { BYTES_PER_GIB } from "@/lib/metering/cycle";
import { phraseOf, type NoValues, type Phrase, type PhraseBook, type PhraseValues } from "@/lib/phrase";

// Center's node operations (center-api.md §5) as the Provisioning page shows
// them: what each asks for, decoded from its params; who holds it and until
// when; and, for a provision item, the deadline Center itself enforces (§5.6
// step 5): a subscription still provisioning 30 min after its last change is
// failed by a sweep that runs every 10 min, whatever k2ops does; after that the
// claim token activates nothing. Center enforces no lease (§5.6 step 6): a
// lease past its deadline is shown as expired, never as released.

/** The work items' sentences (asks, problem, deadline) by catalog code, in English. */
export const WORK_ITEM_PHRASES = {
  "asks.provision": (v: { region: string; gib: number; ipType: string }) => `${v.region} · ${v.gib.toLocaleString("en-US")} GiB a month sold · ${v.ipType}`,
  "asks.changeIpTo": (v: { region: string }) => `to ${v.region}`,
  "asks.changeIpToReason": (v: { region: string; reason: string }) => `to ${v.region} · reason: ${v.reason}`,
  "asks.changeIpSameRegion": (_: NoValues) => "same region",
  "asks.changeIpSameRegionReason": (v: { reason: string }) => `same region · reason: ${v.reason}`,
  "asks.reason": (v: { reason: string }) => `reason: ${v.reason}`,
  "asks.noReason": (_: NoValues) => "no reason given",
  "asks.unreadable": (_: NoValues) => "unreadable params",
  "problem.unreadableParams": (_: NoValues) => "Center sent params this console cannot read: open the item at Center before acting on it",
  "deadline.within": (v: { min: number; by: string }) =>
    `Center fails it if the node has not registered within ${v.min} min (its 10-minute sweep acts by ${v.by} UTC at the latest); after that the claim activates nothing`,
  "deadline.passed": (v: { min: number }) => `Past Center's 30-minute deadline by ${v.min} min: its sweep fails the subscription; a node registering later activates nothing`,
  "deadline.passedSwept": (v: { min: number }) => `Past Center's 30-minute deadline by ${v.min} min: its sweep fails the subscription (it has run by now); a node registering later activates nothing`,
} satisfies PhraseBook;

type WorkItemCode = keyof typeof WORK_ITEM_PHRASES;
export type AsksCode = Extract<WorkItemCode, `asks.${string}`>;
export type ProblemCode = Extract<WorkItemCode, `problem.${string}`>;
export type DeadlineCode = Extract<WorkItemCode, `deadline.${string}`>;

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
  /** the deadline in English (notifications); `code`/`values`: the same as the page translates it (minutes, the sweep's HH:MM UTC) */
  text: string;
  code: DeadlineCode;
  values: PhraseValues;
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
  /** `asks` as the page translates it (catalog code and values: region, GiB sold, IP type, reason) */
  asksPhrase: Phrase<AsksCode>;
  /** the decoded params (null when Center sent something unreadable: `problem` says so) */
  params: Record<string, unknown> | null;
  problem: string | null;
  /** `problem` as the page translates it */
  problemPhrase: Phrase<ProblemCode> | null;
  holder: string | null;
  lease: { from: string; until: string; expired: boolean } | null;
  result: Record<string, unknown> | null;
  lastError: string | null;
  completedAt: string | null;
  deadline: ProvisionDeadline | null;
};

const iso = (s: number) => new Date(s * 1000).toISOString();
const OPEN = new Set(["queued", "claimed", "in_progress"]);

/**
 * The deadline of an open provision item at `now` (null for other actions and
 * ended items). Ms in `remainingMs`; `text` in English, `code`/`values` the
 * same sentence for the page (values: `min` the minutes left or past, `by` the
 * sweep's HH:MM UTC).
 */
export function provisionDeadline(op: Pick<NodeOperation, "action" | "status" | "createdAt">, now: Date): ProvisionDeadline | null {
  if (op.action !== "provision" || !OPEN.has(op.status)) return null;
  const from = op.createdAt * 1000 + PROVISION_TIMEOUT_MS;
  const by = from + TIMEOUT_SWEEP_EVERY_MS;
  const remainingMs = from - now.getTime();
  const min = Math.ceil(Math.abs(remainingMs) / 60_000);
  const { text, phrase } =
    remainingMs > 0
      ? phraseOf(WORK_ITEM_PHRASES, "deadline.within", { min, by: new Date(by).toISOString().slice(11, 16) })
      : phraseOf(WORK_ITEM_PHRASES, now.getTime() >= by ? "deadline.passedSwept" : "deadline.passed", { min });
  return { failsFrom: new Date(from).toISOString(), failedBy: new Date(by).toISOString(), remainingMs, state: remainingMs > 0 ? "running" : "passed", text, ...phrase };
}

const parseObject = (s: string): Record<string, unknown> | null => {
  try {
    const v: unknown = JSON.parse(s);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/**
 * One node operation as the Provisioning page shows it at `now`: `asks` and
 * `problem` in English, `asksPhrase` / `problemPhrase` the same for the page.
 * Never throws for a malformed params/result string.
 */
export function workItemView(op: NodeOperation, now: Date): WorkItemView {
  let asks: { text: string; phrase: Phrase<AsksCode> };
  let params: Record<string, unknown> | null = null;
  let problem: { text: string; phrase: Phrase<ProblemCode> } | null = null;
  try {
    const d = decodeOperationParams(op);
    params = d.params as Record<string, unknown>;
    if (d.action === "provision") {
      const gib = Number(BigInt(Math.trunc(d.params.trafficTotalBytes)) / BYTES_PER_GIB);
      asks = phraseOf(WORK_ITEM_PHRASES, "asks.provision", { region: d.params.region, gib, ipType: d.params.ipType });
    } else if (d.action === "change_ip") {
      const { targetRegion: region, reason } = d.params;
      asks = region
        ? reason
          ? phraseOf(WORK_ITEM_PHRASES, "asks.changeIpToReason", { region, reason })
          : phraseOf(WORK_ITEM_PHRASES, "asks.changeIpTo", { region })
        : reason
          ? phraseOf(WORK_ITEM_PHRASES, "asks.changeIpSameRegionReason", { reason })
          : phraseOf(WORK_ITEM_PHRASES, "asks.changeIpSameRegion", {});
    } else asks = d.params.reason ? phraseOf(WORK_ITEM_PHRASES, "asks.reason", { reason: d.params.reason }) : phraseOf(WORK_ITEM_PHRASES, "asks.noReason", {});
  } catch {
    problem = phraseOf(WORK_ITEM_PHRASES, "problem.unreadableParams", {});
    asks = phraseOf(WORK_ITEM_PHRASES, "asks.unreadable", {});
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
    asks: asks.text,
    asksPhrase: asks.phrase,
    params,
    problem: problem?.text ?? null,
    problemPhrase: problem?.phrase ?? null,
    holder: op.holder || null,
    lease: op.leasedAt ? { from: iso(op.leasedAt), until: iso(op.leaseDeadline), expired: op.leaseDeadline * 1000 <= now.getTime() } : null,
    result: parseObject(op.result),
    lastError: op.lastError ?? null,
    completedAt: op.completedAt ? iso(op.completedAt) : null,
    deadline: provisionDeadline(op, now),
  };
}
