import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import type { NodeOperation } from "@/lib/center/schemas";
import { en, zhCN } from "@/messages";
import { phraseOf } from "@/lib/phrase";
import { provisionDeadline, WORK_ITEM_PHRASES, workItemView } from "./work-items";

const T = Date.UTC(2026, 11, 1, 12, 0, 0) / 1000;
const op = (o: Partial<NodeOperation> = {}): NodeOperation => ({
  id: 7, createdAt: T, updatedAt: T, action: "provision", subId: 1001, cloudInstanceId: null, status: "queued", holder: "", leasedAt: 0, leaseDeadline: 0,
  params: JSON.stringify({ region: "jp-tokyo", trafficTotalBytes: 1000 * 2 ** 30, ipType: "non_residential" }), result: "{}", createdBy: "system:order", completedAt: 0, ...o,
});
const at = (min: number) => new Date((T + min * 60) * 1000);

describe("Center's work items as the Provisioning page shows them (center-api.md §5)", () => {
  it("a queued provision item: what it asks for, and Center's 30-minute deadline counting from its creation", () => {
    const v = workItemView(op(), at(12));
    expect(v).toMatchObject({ open: true, asks: "jp-tokyo · 1,000 GiB a month sold · non_residential", holder: null, lease: null, problem: null });
    expect(v.deadline).toMatchObject({ state: "running", remainingMs: 18 * 60_000, failsFrom: "2026-12-01T12:30:00.000Z", failedBy: "2026-12-01T12:40:00.000Z" });
    expect(v.deadline!.text).toMatch(/within 18 min .* by 12:40 UTC at the latest/);
  });

  it("past the deadline: said so, and once the sweep has surely run too", () => {
    expect(provisionDeadline(op({ status: "in_progress" }), at(35))!.text).toMatch(/^Past Center's 30-minute deadline by 5 min: its sweep fails the subscription; a node/);
    expect(provisionDeadline(op({ status: "claimed" }), at(41))!.text).toMatch(/\(it has run by now\)/);
    expect(provisionDeadline(op({ status: "done" }), at(5))).toBeNull();
    expect(provisionDeadline(op({ action: "stop" }), at(5))).toBeNull();
  });

  it("a claimed item's lease is shown expired once past, never as released (Center enforces no lease)", () => {
    const v = workItemView(op({ status: "claimed", holder: "k2ops:console-1", leasedAt: T, leaseDeadline: T + 600 }), at(11));
    expect(v.holder).toBe("k2ops:console-1");
    expect(v.lease).toEqual({ from: "2026-12-01T12:00:00.000Z", until: "2026-12-01T12:10:00.000Z", expired: true });
  });

  it("change_ip, stop and destroy items say their reason; unreadable params are a problem, not a crash", () => {
    expect(workItemView(op({ action: "change_ip", params: JSON.stringify({ targetRegion: "sg-singapore", reason: "blocked" }) }), at(1)).asks).toBe("to sg-singapore · reason: blocked");
    expect(workItemView(op({ action: "stop", params: JSON.stringify({ reason: "grace ended" }), createdBy: "system:lifecycle" }), at(1))).toMatchObject({ asks: "reason: grace ended", deadline: null });
    const bad = workItemView(op({ params: "{not json" }), at(1));
    expect(bad).toMatchObject({ asks: "unreadable params", params: null });
    expect(bad.problem).toMatch(/cannot read/);
    expect(workItemView(op({ status: "done", result: JSON.stringify({ ipv4: "203.0.113.9" }), completedAt: T + 900 }), at(20))).toMatchObject({ open: false, result: { ipv4: "203.0.113.9" }, completedAt: "2026-12-01T12:15:00.000Z", deadline: null });
  });
});

// The page shows these sentences from the catalog by their codes: the English entry must render lib's `text` exactly
// (notifications and the e2e specs read the English), and the Chinese must take the same values.
const tEn = createTranslator({ locale: "en", messages: en, namespace: "provisioning" });
const tZh = createTranslator({ locale: "zh-CN", messages: zhCN, namespace: "provisioning" });
type Code = keyof typeof WORK_ITEM_PHRASES;
const SAMPLES: { [C in Code]: Parameters<(typeof WORK_ITEM_PHRASES)[C]>[0] } = {
  "asks.provision": { region: "ap-tokyo", gib: 1000, ipType: "non_residential" },
  "asks.changeIpTo": { region: "sg-singapore" },
  "asks.changeIpToReason": { region: "sg-singapore", reason: "blocked" },
  "asks.changeIpSameRegion": {},
  "asks.changeIpSameRegionReason": { reason: "the address is blocked from mainland China" },
  "asks.reason": { reason: "grace ended" },
  "asks.noReason": {},
  "asks.unreadable": {},
  "problem.unreadableParams": {},
  "deadline.within": { min: 18, by: "12:40" },
  "deadline.passed": { min: 5 },
  "deadline.passedSwept": { min: 1440 },
};

describe("the work items' sentences in the catalog (provisioning namespace)", () => {
  it("every code's English entry renders exactly lib's English; the Chinese renders with the same values", () => {
    for (const code of Object.keys(WORK_ITEM_PHRASES) as Code[]) {
      const values = SAMPLES[code];
      expect(tEn(code, values), code).toBe(phraseOf(WORK_ITEM_PHRASES, code, values).text);
      const zh = tZh(code, values);
      expect(zh, code).not.toBe(tEn(code, values));
      for (const v of Object.values(values)) if (typeof v === "string") expect(zh, code).toContain(v);
    }
    expect(tEn("asks.provision", { region: "us-virginia", gib: 2000, ipType: "residential" })).toBe("us-virginia · 2,000 GiB a month sold · residential");
  });

  it("the views carry the phrase of each sentence they word", () => {
    const render = (p: { code: Code; values: Record<string, string | number> }) => tEn(p.code, p.values);
    const views = [
      workItemView(op(), at(12)),
      workItemView(op({ params: JSON.stringify({ region: "ap-tokyo", trafficTotalBytes: 1234567 * 2 ** 30, ipType: "residential" }) }), at(35)),
      workItemView(op({ action: "change_ip", params: JSON.stringify({ targetRegion: "sg-singapore", reason: "blocked" }) }), at(1)),
      workItemView(op({ action: "change_ip", params: JSON.stringify({ reason: "blocked" }) }), at(1)),
      workItemView(op({ action: "change_ip", params: "{}" }), at(1)),
      workItemView(op({ action: "destroy", params: "{}" }), at(1)),
      workItemView(op({ params: "{not json" }), at(41)),
    ];
    for (const v of views) {
      expect(render(v.asksPhrase)).toBe(v.asks);
      expect(v.problemPhrase ? render(v.problemPhrase) : null).toBe(v.problem);
      if (v.deadline) expect(render(v.deadline)).toBe(v.deadline.text);
    }
    expect(views[1].asks).toBe("ap-tokyo · 1,234,567 GiB a month sold · residential");
    expect(views.map((v) => v.asksPhrase.code)).toEqual(["asks.provision", "asks.provision", "asks.changeIpToReason", "asks.changeIpSameRegionReason", "asks.changeIpSameRegion", "asks.noReason", "asks.unreadable"]);
  });
});
