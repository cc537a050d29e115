import { describe, expect, it } from "vitest";
import { parseSelection, reportTargetSchema, startAuthRolloutReportSchema } from "./schema";

describe("report inputs", () => {
  it("a typed selection: IPv4s separated by commas, spaces or newlines, duplicates dropped", () => {
    expect(parseSelection(" 203.0.113.10,203.0.113.11\n203.0.113.10  ")).toEqual({ ips: ["203.0.113.10", "203.0.113.11"] });
    expect(parseSelection("")).toEqual({ ips: [] });
    expect(parseSelection("203.0.113.10, jp-tokyo.aws.wm04")).toEqual({ invalid: "jp-tokyo.aws.wm04" });
    expect(parseSelection("203.0.113.256")).toEqual({ invalid: "203.0.113.256" });
  });

  it("the server's schemas: all or a non-empty selection; the window 1h..30d", () => {
    expect(reportTargetSchema.safeParse({ all: true }).success).toBe(true);
    expect(reportTargetSchema.safeParse({ all: false }).success).toBe(false);
    expect(reportTargetSchema.safeParse({ selection: [] }).success).toBe(false);
    expect(reportTargetSchema.safeParse({ selection: ["1.2.3.4; rm -rf /"] }).success).toBe(false);
    expect(startAuthRolloutReportSchema.safeParse({ target: { all: true }, window: "7d" }).success).toBe(true);
    expect(startAuthRolloutReportSchema.safeParse({ target: { all: true }, window: "45d" }).success).toBe(false);
    expect(startAuthRolloutReportSchema.safeParse({ target: { all: true } }).success).toBe(false);
    expect(startAuthRolloutReportSchema.safeParse({ target: { all: true }, window: "24h", extra: 1 }).success).toBe(false);
  });
});
