import { describe, expect, it } from "vitest";
import type { NodeOperation } from "@/lib/center/schemas";
import { provisionDeadline, workItemView } from "./work-items";

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
