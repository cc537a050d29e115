import { describe, expect, it } from "vitest";
import { FLEET_TEXT_MAX, fleetTextQuery, matchesFleetText } from "./text-filter";

const tokyo = { name: "jp-Tokyo-01", ipv4: "203.0.113.11" };

describe("fleet text filter (one rule for the server and the table)", () => {
  it("matches a name in any case, and any part of the IPv4", () => {
    expect(matchesFleetText(tokyo, fleetTextQuery("TOKYO"))).toBe(true);
    expect(matchesFleetText(tokyo, fleetTextQuery("  tokyo-0 "))).toBe(true);
    expect(matchesFleetText(tokyo, fleetTextQuery("113.1"))).toBe(true);
    expect(matchesFleetText(tokyo, fleetTextQuery("osaka"))).toBe(false);
    expect(matchesFleetText(tokyo, fleetTextQuery("113.12"))).toBe(false);
  });

  it("an empty or blank text filters nothing", () => {
    expect(fleetTextQuery("")).toBeNull();
    expect(fleetTextQuery("   ")).toBeNull();
    expect(fleetTextQuery(undefined)).toBeNull();
    expect(matchesFleetText(tokyo, null)).toBe(true);
  });

  it("a text longer than the limit is dropped (as the server drops the URL parameter), not applied", () => {
    expect(fleetTextQuery("x".repeat(FLEET_TEXT_MAX))).toBe("x".repeat(FLEET_TEXT_MAX));
    expect(fleetTextQuery("x".repeat(FLEET_TEXT_MAX + 1))).toBeNull();
  });
});
