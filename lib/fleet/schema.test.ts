import { describe, expect, it } from "vitest";
import { manualNodeSchema, sshOverrideSchema } from "./schema";

// The schemas the add-node dialog and the SSH override form validate with in the
// browser, and the server actions with: one module, no database import.

const first = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => Object.fromEntries((r.error?.issues ?? []).map((i) => [i.path.join("."), i.message]).reverse());

describe("manualNodeSchema", () => {
  it("takes a plain IPv4 host address (trimmed) and an optional name", () => {
    expect(manualNodeSchema.parse({ ipv4: " 127.0.0.88 ", name: " hand-added-01 " })).toEqual({ ipv4: "127.0.0.88", name: "hand-added-01" });
    expect(manualNodeSchema.parse({ ipv4: "203.0.113.7" })).toEqual({ ipv4: "203.0.113.7", name: "" });
  });
  it("refuses anything else, saying why", () => {
    expect(first(manualNodeSchema.safeParse({ ipv4: "127.0.0.1; id", name: "" }))).toEqual({ ipv4: "not an IPv4 address" });
    expect(first(manualNodeSchema.safeParse({ ipv4: "239.0.0.1", name: "x".repeat(201) }))).toEqual({
      ipv4: "not a host address (0.x, multicast and reserved ranges are refused)",
      name: "at most 200 characters",
    });
    expect(first(manualNodeSchema.safeParse({ ipv4: "10.0.0.1", name: "a\u0001" }))).toEqual({ name: "contains control characters" });
  });
});

describe("sshOverrideSchema", () => {
  it("turns empty fields into the defaults (null) and a port into a number", () => {
    expect(sshOverrideSchema.parse({ sshUser: "", sshPort: "" })).toEqual({ sshUser: null, sshPort: null });
    expect(sshOverrideSchema.parse({ sshUser: " deploy ", sshPort: "2222" })).toEqual({ sshUser: "deploy", sshPort: 2222 });
  });
  it("refuses a port outside 1-65535 and a user name Linux would not take", () => {
    expect(first(sshOverrideSchema.safeParse({ sshUser: "", sshPort: "70000" }))).toEqual({ sshPort: "port 1-65535" });
    expect(first(sshOverrideSchema.safeParse({ sshUser: "Root", sshPort: "0" }))).toEqual({
      sshUser: "a Linux user name (lowercase letters, digits, _ and -), or empty for the default",
      sshPort: "port 1-65535",
    });
  });
});
