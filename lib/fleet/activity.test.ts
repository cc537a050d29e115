import { describe, expect, it } from "vitest";
import { activityOf } from "./activity";

const base = { ipv4: "203.0.113.10", name: "jp-tokyo.aws.wm04", tunnelCount: 1, lastSeenSshAt: new Date(), lastSshError: null };

describe("activity heuristic (runbook §5)", () => {
  it("tunnel + real name + SSH answering = active", () => expect(activityOf(base)).toBe("active"));
  it("zero tunnels + IP as name = decommissioned", () => expect(activityOf({ ...base, name: base.ipv4, tunnelCount: 0 })).toBe("decommissioned"));
  it("one of the two signals missing = incomplete, not decommissioned", () => {
    expect(activityOf({ ...base, name: base.ipv4 })).toBe("incomplete");
    expect(activityOf({ ...base, tunnelCount: 0 })).toBe("incomplete");
  });
  it("an SSH failure since the last success = unreachable", () =>
    expect(activityOf({ ...base, lastSshError: "connect ECONNREFUSED 203.0.113.10:1022" })).toBe("unreachable"));
  it("never contacted over SSH yet still counts as active", () => expect(activityOf({ ...base, lastSeenSshAt: null })).toBe("active"));
});

describe("a node added by hand (issue #10 item 17)", () => {
  const manual = { ...base, name: "", tunnelCount: 0, source: "manual" };
  it("is never decommissioned for lacking Center's tunnel and name", () => expect(activityOf(manual)).toBe("active"));
  it("is unreachable after an SSH failure", () => expect(activityOf({ ...manual, lastSshError: "connect ETIMEDOUT" })).toBe("unreachable"));
});
