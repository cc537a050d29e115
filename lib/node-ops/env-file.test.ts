import { describe, expect, it } from "vitest";
import { describeChanges, envMap, planEnvEdit, sayEnvNotes } from "./env-file";

const SECRET = "a".repeat(64);
const CENTER = "https://center.example.test";
const OPERATOR = { isAdmin: false, allowedCenterUrls: [CENTER] };
const ADMIN = { isAdmin: true, allowedCenterUrls: [CENTER] };
const CURRENT = `# k2s node
K2_NODE_SECRET=${SECRET}
K2_CENTER_URL=https://center.example.test
K2_DOMAIN=
K2_VERSION=v0.4.8-9d7c6f95
K2_NODE_NAME=jp-tokyo.aws.wm04
CUSTOM_UNKNOWN=keep-me
`;

describe("planEnvEdit", () => {
  it("replaces managed keys in place, keeps comments/unknown keys, appends new ones", () => {
    const p = planEnvEdit(CURRENT, { set: { K2_VERSION: "v0.4.9-abcdef1", K2_NODE_TRAFFIC_LIMIT_GB: "1000" }, unset: [], secrets: {} }, OPERATOR);
    expect(p.problems).toEqual([]);
    expect(p.content.split("\n")).toEqual([
      "# k2s node",
      `K2_NODE_SECRET=${SECRET}`,
      "K2_CENTER_URL=https://center.example.test",
      "K2_DOMAIN=",
      "K2_VERSION=v0.4.9-abcdef1",
      "K2_NODE_NAME=jp-tokyo.aws.wm04",
      "CUSTOM_UNKNOWN=keep-me",
      "K2_NODE_TRAFFIC_LIMIT_GB=1000",
      "",
    ]);
    expect(describeChanges(p.changes)).toEqual([
      { key: "K2_VERSION", from: "v0.4.8-9d7c6f95", to: "v0.4.9-abcdef1" },
      { key: "K2_NODE_TRAFFIC_LIMIT_GB", from: "(not set)", to: "1000" },
    ]);
  });

  it("refuses latest/floating tags, undocumented keys, injection payloads and a non-admin custom domain", () => {
    const p = planEnvEdit(
      CURRENT,
      {
        set: {
          K2_VERSION: "latest",
          FOO: "bar",
          K2_NODE_NAME: "x$(reboot)",
          K2_NODE_REGION: "jp;rm -rf /",
          K2_DOMAIN: "vpn.example.com",
          K2_NODE_BILLING_START_DATE: "2026-13-01",
          K2_CENTER_URL: "https://user:pw@evil",
        },
        unset: [],
        secrets: {},
      },
      OPERATOR,
    );
    expect(p.problems.map((x) => x.key).sort()).toEqual(["FOO", "K2_CENTER_URL", "K2_DOMAIN", "K2_NODE_BILLING_START_DATE", "K2_NODE_NAME", "K2_NODE_REGION", "K2_VERSION"]);
    expect(p.changes).toEqual([]);
  });

  it("lets an admin set a custom domain", () => {
    const p = planEnvEdit(CURRENT, { set: { K2_DOMAIN: "vpn.example.com" }, unset: [], secrets: {} }, ADMIN);
    expect(p.problems).toEqual([]);
    expect(envMap(p.content).get("K2_DOMAIN")).toBe("vpn.example.com");
  });

  it("secrets are keep/replace only and never appear in the described changes", () => {
    const next = "b".repeat(64);
    const keep = planEnvEdit(CURRENT, { set: {}, unset: [], secrets: { K2_NODE_SECRET: { mode: "keep" } } }, OPERATOR);
    expect(keep.changes).toEqual([]);
    expect(envMap(keep.content).get("K2_NODE_SECRET")).toBe(SECRET);
    const rep = planEnvEdit(CURRENT, { set: {}, unset: [], secrets: { K2_NODE_SECRET: { mode: "replace", value: next } } }, OPERATOR);
    expect(envMap(rep.content).get("K2_NODE_SECRET")).toBe(next);
    expect(JSON.stringify(describeChanges(rep.changes))).not.toContain(next);
    expect(JSON.stringify(describeChanges(rep.changes))).not.toContain(SECRET);
    const bad = planEnvEdit(CURRENT, { set: { K2_NODE_SECRET: next }, unset: [], secrets: { K2_NODE_SECRET: { mode: "clear" } } }, ADMIN);
    expect(bad.problems.map((p) => p.key)).toEqual(["K2_NODE_SECRET", "K2_NODE_SECRET"]);
  });
});

describe("credential routing and compose literals (security #1, #2)", () => {
  const edit = (set: Record<string, string>, unset: string[] = []) => ({ set, unset, secrets: {} });
  const problemOf = (p: ReturnType<typeof planEnvEdit>, key: string) => p.problems.find((x) => x.key === key)?.message ?? "";

  it("an operator cannot point the node's credentials anywhere: K2_CENTER_URL is admin-only", () => {
    for (const url of ["http://127.0.0.1:3498/", "https://evil.example", "http://center.example.test"]) {
      const p = planEnvEdit(CURRENT, edit({ K2_CENTER_URL: url }), OPERATOR);
      expect(problemOf(p, "K2_CENTER_URL")).toMatch(/Only an admin/);
      expect(p.changes).toEqual([]);
    }
    // re-submitting the value the node already has (a whole form) is no change and no refusal
    const same = planEnvEdit(CURRENT, edit({ K2_CENTER_URL: CENTER, K2_VERSION: "v0.4.9-abcdef1" }), OPERATOR);
    expect(same.problems).toEqual([]);
    expect(same.changes.map((c) => c.key)).toEqual(["K2_VERSION"]);
    // removing it routes to the compose default: refused too
    expect(problemOf(planEnvEdit(CURRENT, edit({}, ["K2_CENTER_URL"]), OPERATOR), "K2_CENTER_URL")).toMatch(/Only an admin/);
  });

  it("even an admin may only give a node the configured Center or an allow-listed URL", () => {
    const evil = planEnvEdit(CURRENT, edit({ K2_CENTER_URL: "http://127.0.0.1:3498/" }), ADMIN);
    expect(problemOf(evil, "K2_CENTER_URL")).toMatch(/sends its secret to this address.*allowed: https:\/\/center\.example\.test/);
    const sameOriginOtherPort = planEnvEdit(CURRENT, edit({ K2_CENTER_URL: "https://center.example.test:8443" }), ADMIN);
    expect(problemOf(sameOriginOtherPort, "K2_CENTER_URL")).not.toBe("");
    const removed = planEnvEdit(CURRENT, edit({}, ["K2_CENTER_URL"]), ADMIN);
    expect(problemOf(removed, "K2_CENTER_URL")).toMatch(/compose default https:\/\/k2\.52j\.me/);
    const second = "http://10.0.0.5:8080";
    const ok = planEnvEdit(CURRENT, edit({ K2_CENTER_URL: second + "/" }), { isAdmin: true, allowedCenterUrls: [CENTER, second] });
    expect(ok.problems).toEqual([]);
    expect(envMap(ok.content).get("K2_CENTER_URL")).toBe(second + "/");
  });

  it("no value reaches compose in a form it would interpolate, cut or unquote", () => {
    const cases: [string, string, RegExp][] = [
      ["K2_CENTER_URL", CENTER + "/${K2_NODE_SECRET}", /\$/],
      ["K2_CENTER_URL", CENTER + "/$K2_NODE_SECRET", /\$/],
      ["K2_CENTER_URL", CENTER + "/a #b", /#|whitespace/],
      ["K2_CENTER_URL", CENTER + "/#frag", /#/],
      ["K2_CENTER_URL", `"${CENTER}"`, /quote/],
      ["K2_NODE_NAME", "a\\b", /backslash/],
      ["K2_CUTOFF_POLL_INTERVAL", "5s\u0000", /control/],
    ];
    for (const [key, value, why] of cases) {
      const p = planEnvEdit(CURRENT, edit({ [key]: value }), ADMIN);
      expect(problemOf(p, key), `${key}=${value}`).toMatch(why);
      expect(p.changes).toEqual([]);
    }
  });

  it("a claim is only ever a Center claim token (64 hex): no common word becomes a masked 'secret'", () => {
    for (const value of ["Time zone", "Timezone1", "x".repeat(60_000)]) {
      const p = planEnvEdit(CURRENT, { set: {}, unset: [], secrets: { K2_PRIVATE_CLAIM: { mode: "replace", value } } }, ADMIN);
      expect(problemOf(p, "K2_PRIVATE_CLAIM")).toMatch(/64 lowercase hex/);
    }
  });
});

describe(".env values that cannot work are refused, risky ones warned (issue #10 item 11)", () => {
  const edit = (set: Record<string, string>, unset: string[] = []) => ({ set, unset, secrets: {} });
  const withBilling = CURRENT + "K2_NODE_BILLING_START_DATE=2026-01-01\n";
  const NOW = new Date("2026-12-01T00:00:00Z");

  it("a billing date must exist on the calendar", () => {
    const p = planEnvEdit(CURRENT, edit({ K2_NODE_BILLING_START_DATE: "2026-02-31" }), OPERATOR);
    expect(p.problems).toMatchObject([{ key: "K2_NODE_BILLING_START_DATE", message: "Not a real calendar date (e.g. 2026-02-31 does not exist)" }]);
  });

  it("days 29-31 warn with the resets the sidecar will really use", () => {
    const p = planEnvEdit(CURRENT, edit({ K2_NODE_BILLING_START_DATE: "2026-01-31" }), { ...OPERATOR, now: NOW });
    expect(p.problems).toEqual([]);
    expect(p.warnings).toHaveLength(1);
    // Dec 31 -> Jan 31 -> Feb 31 = Mar 3 ...
    expect(p.warnings[0].message).toMatch(/^Day 31 is missing from some months: .* resets on 2027-03-03, /);
    expect(planEnvEdit(CURRENT, edit({ K2_NODE_BILLING_START_DATE: "2026-01-28" }), { ...OPERATOR, now: NOW }).warnings).toEqual([]);
  });

  it("clearing the billing date warns that the node runs uncapped; a Lightsail node off the 1st is warned", () => {
    const off = planEnvEdit(withBilling, edit({ K2_NODE_BILLING_START_DATE: "" }), OPERATOR);
    expect(off.warnings.map((w) => w.message)).toEqual(["Metering off: the node will run uncapped (no quota enforcement, no cutoff)"]);
    const unset = planEnvEdit(withBilling, edit({}, ["K2_NODE_BILLING_START_DATE"]), OPERATOR);
    expect(unset.warnings.map((w) => w.key)).toEqual(["K2_NODE_BILLING_START_DATE"]);
    const ls = planEnvEdit(CURRENT, edit({ K2_NODE_BILLING_START_DATE: "2026-01-15" }), { ...OPERATOR, nodeProvider: "aws_lightsail" });
    expect(ls.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^Lightsail resets its monthly transfer allowance on the 1st/)]);
    expect(planEnvEdit(CURRENT, edit({ K2_NODE_BILLING_START_DATE: "2026-01-01" }), { ...OPERATOR, nodeProvider: "aws_lightsail" }).warnings).toEqual([]);
  });

  it("hop port min above max (an unset max counts as its default 40019) is refused; ports outside 40000-40019 are warned", () => {
    const p = planEnvEdit(CURRENT, edit({ K2_JUMP_PORT_MIN: "50000" }), OPERATOR);
    expect(p.problems).toMatchObject([{ key: "K2_JUMP_PORT_MIN", message: "Hop port min (50000) would be above max (40019, the default while K2_JUMP_PORT_MAX is unset): set both" }]);
    const both = planEnvEdit(CURRENT, edit({ K2_JUMP_PORT_MIN: "50000", K2_JUMP_PORT_MAX: "50019" }), OPERATOR);
    expect(both.problems).toEqual([]);
    expect(both.warnings[0].message).toMatch(/publishes only 40000-40019\/udp/);
    expect(planEnvEdit(CURRENT, edit({ K2_JUMP_PORT_MAX: "40010" }), OPERATOR).problems).toEqual([]);
  });

  it("says each problem and warning in the reader's language for the editor, values verbatim (issue #16)", () => {
    const p = planEnvEdit(CURRENT, edit({ K2_JUMP_PORT_MIN: "50000", FOO: "1" }), OPERATOR);
    expect(sayEnvNotes(p, "zh-CN").problems).toEqual([
      { key: "FOO", message: "不是有文档记载的 .env 变量" },
      { key: "K2_JUMP_PORT_MIN", message: "跳跃端口最小值（50000）会大于最大值（40019，即 K2_JUMP_PORT_MAX 未设置时的默认值）：请同时设置两者" },
    ]);
    expect(sayEnvNotes(p, "en").problems.map((n) => n.message)).toEqual(p.problems.map((n) => n.message));
    const warned = planEnvEdit(CURRENT, edit({ K2_JUMP_PORT_MIN: "50000", K2_JUMP_PORT_MAX: "50019" }), OPERATOR);
    expect(sayEnvNotes(warned, "zh-CN").warnings).toEqual([{ key: "K2_JUMP_PORT_MIN", message: "标准 compose 文件只发布 40000-40019/udp：超出范围的跳跃端口 50000-50019 会被公布但无法访问" }]);
  });

  it("a documented variable can be unset", () => {
    const p = planEnvEdit(CURRENT, edit({}, ["K2_NODE_NAME"]), OPERATOR);
    expect(p.problems).toEqual([]);
    expect(envMap(p.content).has("K2_NODE_NAME")).toBe(false);
  });
});
