import { describe, expect, it } from "vitest";
import { NODE_OPS, isNodeOp, matchPages, matchesQuery, nodeIpOfPath, nodeOpHref, nodeOpsFor, opsOnNodePage } from "./commands";

const PAGES = [
  { href: "/", label: "Fleet" },
  { href: "/operations", label: "Operations" },
  { href: "/device-logs", label: "Device logs" },
  { href: "/audit", label: "Audit log" },
  { href: "/settings", label: "Settings" },
];

describe("command palette helpers", () => {
  it("offers no operation to a viewer, every single-node operation to an operator or an admin", () => {
    expect(nodeOpsFor("viewer")).toEqual([]);
    expect(nodeOpsFor(undefined)).toEqual([]);
    expect(nodeOpsFor("someone")).toEqual([]);
    expect(nodeOpsFor("operator")).toEqual([...NODE_OPS]);
    expect(nodeOpsFor("admin")).toEqual([...NODE_OPS]);
  });

  it("knows which operations the node page can open for this user and node", () => {
    expect(opsOnNodePage({ canOperate: false, hostKeyBlocked: false, lightsailReboot: true })).toEqual([]);
    expect(opsOnNodePage({ canOperate: true, hostKeyBlocked: false, lightsailReboot: true })).toEqual([...NODE_OPS]);
    expect(opsOnNodePage({ canOperate: true, hostKeyBlocked: false, lightsailReboot: false })).not.toContain("reboot");
    // a changed host key blocks the operations panel; Verify now stays in the header
    expect(opsOnNodePage({ canOperate: true, hostKeyBlocked: true, lightsailReboot: true })).toEqual(["verify"]);
  });

  it("reads the node of a node page's path, nothing else", () => {
    expect(nodeIpOfPath("/nodes/127.0.0.11")).toBe("127.0.0.11");
    expect(nodeIpOfPath("/nodes/127.0.0.11/")).toBe("127.0.0.11");
    expect(nodeIpOfPath("/nodes/127.0.0.11/logs")).toBeNull();
    expect(nodeIpOfPath("/nodes/localhost")).toBeNull();
    expect(nodeIpOfPath("/nodes/999.0.0.1")).toBeNull();
    expect(nodeIpOfPath("/audit")).toBeNull();
    expect(nodeIpOfPath(null)).toBeNull();
  });

  it("sends an operation to the node page, which opens its confirmation", () => {
    expect(nodeOpHref("127.0.0.11", "update")).toBe("/nodes/127.0.0.11?op=update");
    expect(isNodeOp("update")).toBe(true);
    expect(isNodeOp("rm -rf")).toBe(false);
    expect(isNodeOp(null)).toBe(false);
  });

  it("matches pages by any part of their label or path, every word, in the navigation's order", () => {
    expect(matchPages(PAGES, "").map((p) => p.href)).toEqual(PAGES.map((p) => p.href));
    expect(matchPages(PAGES, "audit").map((p) => p.label)).toEqual(["Audit log"]);
    expect(matchPages(PAGES, "AUD").map((p) => p.label)).toEqual(["Audit log"]);
    expect(matchPages(PAGES, "log").map((p) => p.label)).toEqual(["Device logs", "Audit log"]);
    expect(matchPages(PAGES, "log  dev").map((p) => p.label)).toEqual(["Device logs"]);
    // the path matches too (a translated label still answers to its English path)
    expect(matchPages([{ href: "/audit", label: "审计日志" }], "audit")).toHaveLength(1);
    expect(matchPages(PAGES, "tokyo")).toEqual([]);
    expect(matchesQuery("pull", ["Update (pull + up -d)", undefined])).toBe(true);
  });
});
