import { describe, expect, it } from "vitest";
import { describeChanges, envMap, planEnvEdit } from "./env-file";

const SECRET = "a".repeat(64);
const CURRENT = `# k2s node
K2_NODE_SECRET=${SECRET}
K2_CENTER_URL=https://k2.52j.me
K2_DOMAIN=
K2_VERSION=v0.4.8-9d7c6f95
K2_NODE_NAME=jp-tokyo.aws.wm04
CUSTOM_UNKNOWN=keep-me
`;

describe("planEnvEdit", () => {
  it("replaces managed keys in place, keeps comments/unknown keys, appends new ones", () => {
    const p = planEnvEdit(CURRENT, { set: { K2_VERSION: "v0.4.9-abcdef1", K2_NODE_TRAFFIC_LIMIT_GB: "1000" }, unset: [], secrets: {} }, { isAdmin: false });
    expect(p.problems).toEqual([]);
    expect(p.content.split("\n")).toEqual([
      "# k2s node",
      `K2_NODE_SECRET=${SECRET}`,
      "K2_CENTER_URL=https://k2.52j.me",
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
      { isAdmin: false },
    );
    expect(p.problems.map((x) => x.key).sort()).toEqual(["FOO", "K2_CENTER_URL", "K2_DOMAIN", "K2_NODE_BILLING_START_DATE", "K2_NODE_NAME", "K2_NODE_REGION", "K2_VERSION"]);
    expect(p.changes).toEqual([]);
  });

  it("lets an admin set a custom domain", () => {
    const p = planEnvEdit(CURRENT, { set: { K2_DOMAIN: "vpn.example.com" }, unset: [], secrets: {} }, { isAdmin: true });
    expect(p.problems).toEqual([]);
    expect(envMap(p.content).get("K2_DOMAIN")).toBe("vpn.example.com");
  });

  it("secrets are keep/replace only and never appear in the described changes", () => {
    const next = "b".repeat(64);
    const keep = planEnvEdit(CURRENT, { set: {}, unset: [], secrets: { K2_NODE_SECRET: { mode: "keep" } } }, { isAdmin: false });
    expect(keep.changes).toEqual([]);
    expect(envMap(keep.content).get("K2_NODE_SECRET")).toBe(SECRET);
    const rep = planEnvEdit(CURRENT, { set: {}, unset: [], secrets: { K2_NODE_SECRET: { mode: "replace", value: next } } }, { isAdmin: false });
    expect(envMap(rep.content).get("K2_NODE_SECRET")).toBe(next);
    expect(JSON.stringify(describeChanges(rep.changes))).not.toContain(next);
    expect(JSON.stringify(describeChanges(rep.changes))).not.toContain(SECRET);
    const bad = planEnvEdit(CURRENT, { set: { K2_NODE_SECRET: next }, unset: [], secrets: { K2_NODE_SECRET: { mode: "clear" } } }, { isAdmin: true });
    expect(bad.problems.map((p) => p.key)).toEqual(["K2_NODE_SECRET", "K2_NODE_SECRET"]);
  });
});
