import { describe, expect, it } from "vitest";
import { BYTES_PER_GIB } from "@/lib/metering/cycle";
import { DEFAULT_PROVIDER_RULES, UNKNOWN_RULE } from "@/lib/metering/provider";
import { envMap } from "@/lib/node-ops/env-file";
import { decideMetering, newNodeSecret, privateNodeEnv, privateNodeName } from "./node-env";

const CENTER = "https://center.example.test";
const CLAIM = "c1a1".repeat(16);
const identity = { subId: 1001, centerUrl: CENTER, domain: "", claimToken: CLAIM };
const GB = (n: number) => BigInt(n) * BYTES_PER_GIB;

describe("a private node's metering from the provider's rule (provisioning.md Step 5, metering.md Part B)", () => {
  it("Lightsail: billing day 1, the sold quota in GiB, the provider's accounting; a bundle above sold + headroom fits", () => {
    const d = decideMetering({ rule: DEFAULT_PROVIDER_RULES.aws_lightsail, provider: "aws_lightsail", soldBytes: GB(1000) + 123n, bundleTransferGb: 1536 });
    expect(d.problems).toEqual([]);
    expect(d.choice).toEqual({ kind: "meter", billingDay: 1, mode: "sum", limitGb: 1000, seedGb: 0 });
    expect(d.workings.join("\n")).toMatch(/1000 GiB \(bytes \/ 2\^30, rounded down\)/);
  });

  it("a bundle whose transfer does not exceed the sold quota by the headroom is refused, saying by how much", () => {
    const d = decideMetering({ rule: DEFAULT_PROVIDER_RULES.aws_lightsail, provider: "aws_lightsail", soldBytes: GB(1024), bundleTransferGb: 1024 });
    expect(d.problems).toMatchObject([{ key: "plan", message: expect.stringMatching(/must exceed the sold quota \(1024 GiB\) by at least 24 GB: 24 GB short/) }]);
  });

  it("Bandwagon: the plan's own reset day, never today's date; without it, a problem naming the field", () => {
    const rule = DEFAULT_PROVIDER_RULES.bandwagon;
    expect(decideMetering({ rule, provider: "bandwagon", soldBytes: GB(500), bundleTransferGb: 1000 }).problems.map((p) => p.key)).toEqual(["planResetDay"]);
    const d = decideMetering({ rule, provider: "bandwagon", soldBytes: GB(500), bundleTransferGb: 1000, planResetDay: 17 });
    expect(d.choice).toMatchObject({ billingDay: 17, limitGb: 500 });
    expect(d.workings.join("\n")).toMatch(/plan's own day: 17 \(never the provisioning date\)/);
  });

  it("a provider with no monthly reset needs the operator's choice: the calendar-month approximation or metering off with a reason", () => {
    const rule = DEFAULT_PROVIDER_RULES.tencent_lighthouse;
    const base = { rule, provider: "tencent_lighthouse", soldBytes: GB(300), bundleTransferGb: 1024 };
    expect(decideMetering(base)).toMatchObject({ choice: null, problems: [{ key: "billingDay" }] });
    expect(decideMetering({ ...base, approximateCalendarMonth: true }).choice).toEqual({ kind: "meter", billingDay: 1, mode: "max", limitGb: 300, seedGb: 0 });
    expect(decideMetering({ ...base, meteringOff: "traffic package, bundle-bounded" }).choice).toEqual({ kind: "off", reason: "traffic package, bundle-bounded" });
    expect(decideMetering({ ...base, meteringOff: "  " }).problems.map((p) => p.key)).toContain("meteringOff");
  });

  it("an unknown plan transfer and a non-positive sold quota are problems", () => {
    expect(decideMetering({ rule: UNKNOWN_RULE, provider: "x", soldBytes: 0n, bundleTransferGb: null, approximateCalendarMonth: true }).problems.map((p) => p.key)).toEqual(["trafficTotalBytes", "plan"]);
  });
});

describe("the private node's .env (stdin only)", () => {
  const metering = { kind: "meter" as const, billingDay: 1, mode: "sum" as const, limitGb: 1000, seedGb: 0 };
  it("holds the claim, a fresh secret, the identity's Center, the pinned version, pn-<subId>, region, IP type and the metering", () => {
    const secret = newNodeSecret();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const r = privateNodeEnv({ identity, region: "jp-tokyo.aws", ipType: "non_residential", version: "v0.4.8-9d7c6f95", metering, nodeSecret: secret }, { allowedCenterUrls: [CENTER] });
    expect(r.problems).toEqual([]);
    const env = envMap(r.content);
    expect(Object.fromEntries(env)).toEqual({
      K2_CENTER_URL: CENTER, K2_DOMAIN: "", K2_VERSION: "v0.4.8-9d7c6f95", K2_NODE_NAME: "pn-1001", K2_NODE_REGION: "jp-tokyo.aws", K2_IP_TYPE: "non_residential",
      K2_NODE_BILLING_START_DATE: "2026-01-01", K2_NODE_TRAFFIC_LIMIT_GB: "1000", K2_NODE_TRAFFIC_BILLING_MODE: "sum", K2_NODE_SECRET: secret, K2_PRIVATE_CLAIM: CLAIM,
    });
    expect(r.keys).toContain("K2_PRIVATE_CLAIM");
    expect(r.keys.join(" ")).not.toContain(CLAIM);
  });

  it("never routes the node's credentials anywhere but the configured Center, whatever the identity says", () => {
    const r = privateNodeEnv({ identity: { ...identity, centerUrl: "https://evil.example.test" }, region: "jp-tokyo.aws", ipType: "non_residential", version: "v0.4.8-9d7c6f95", metering, nodeSecret: newNodeSecret() }, { allowedCenterUrls: [CENTER] });
    expect(r.problems).toMatchObject([{ key: "K2_CENTER_URL", message: expect.stringMatching(/only the configured Center/) }]);
  });

  it("refuses a floating tag, a value compose would rewrite, a malformed claim, a subId that cannot name a node; metering off writes no billing date", () => {
    const r = privateNodeEnv({ identity: { ...identity, subId: "1001; rm", claimToken: "not-hex" }, region: "jp tokyo", ipType: "non_residential", version: "latest", metering: { kind: "off", reason: "x" }, nodeSecret: newNodeSecret() }, { allowedCenterUrls: [CENTER] });
    expect(r.problems.map((p) => p.key).sort()).toEqual(["K2_NODE_NAME", "K2_NODE_REGION", "K2_PRIVATE_CLAIM", "K2_VERSION"]);
    expect(() => privateNodeName("../x")).toThrow(/cannot name a node/);
    const off = privateNodeEnv({ identity, region: "jp-tokyo.aws", ipType: "unknown", version: "v0.4.8-9d7c6f95", metering: { kind: "off", reason: "x" }, nodeSecret: newNodeSecret() }, { allowedCenterUrls: [CENTER] });
    expect(off.problems).toEqual([]);
    expect(envMap(off.content).has("K2_NODE_BILLING_START_DATE")).toBe(false);
  });
});
