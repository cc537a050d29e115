import { describe, expect, it } from "vitest";
import { evaluateReporter } from "./parse";

const ok = (epoch: number, cum: number) => `time=2026-11-24T10:00:00.000Z level=INFO msg="DIAG: usage-reporter-cycle-ok" component=usage epoch=${epoch} cumulative=${cum} quotaTotal=1073741824000`;
const start = `time=2026-11-24T10:00:00.000Z level=INFO msg="DIAG: usage-reporter-start" component=usage center=https://k2.52j.me ipv4=203.0.113.10`;
const fail = `time=2026-11-24T10:00:00.000Z level=WARN msg="DIAG: usage-reporter-cycle-fail" component=usage used=1 limit=2 err="center HTTP 503"`;

describe("usage reporter check", () => {
  it("passes when the cumulative climbs within the cycle", () => {
    const r = evaluateReporter([ok(1, 10), ok(1, 20), ok(1, 20)].join("\n"));
    expect(r.status).toBe("pass");
    expect(r.observed).toContain("3 cycles");
  });
  it("passes a freshly recreated sidecar that reported once", () => {
    const r = evaluateReporter([ok(1, 50), ok(1, 60), start, ok(1, 61)].join("\n"));
    expect(r).toMatchObject({ status: "pass" });
    expect(r.observed).toContain("1 report accepted");
  });
  it("fails when the cumulative goes down within one cycle", () => {
    expect(evaluateReporter([ok(1, 50), ok(1, 40)].join("\n")).status).toBe("fail");
  });
  it("accepts the reset at a new billing cycle", () => {
    expect(evaluateReporter([ok(1, 500), ok(2, 3), ok(2, 9)].join("\n"))).toMatchObject({ status: "pass", observed: expect.stringContaining("epoch 2") });
  });
  it("fails when the latest report failed, with Center's error", () => {
    const r = evaluateReporter([ok(1, 10), ok(1, 20), fail].join("\n"));
    expect(r).toEqual({ status: "fail", observed: "latest report failed: center HTTP 503" });
  });
  it("fails without any cycle-ok line, and says whether the reporter started", () => {
    expect(evaluateReporter("").observed).toBe("no usage-reporter-cycle-ok line");
    expect(evaluateReporter(start).observed).toBe("reporter started but no cycle-ok yet");
  });
});
