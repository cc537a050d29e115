import { describe, expect, it } from "vitest";
import { configSummary, consoleHeapMb, displayUrl } from "./index";

describe("configured URLs are shown without credentials (security #14)", () => {
  it("no URL user-info reaches the Settings page, whichever variable carries it", () => {
    const env = {
      LIGHTSAIL_ENDPOINT: "http://lsuser:ls-pass-123@127.0.0.1:4566/",
      KAITU_CENTER_URL: "https://center-user:center-pass-456@center.example.test/api",
      OIDC_ISSUER: "https://idp-user:idp-pass-789@idp.example.test",
      DATABASE_URL: "postgresql://k2ops:db-pass-000@db.example.test:5432/k2ops",
    } as unknown as NodeJS.ProcessEnv;
    const shown = JSON.stringify(configSummary(env));
    for (const leak of ["lsuser", "ls-pass-123", "center-user", "center-pass-456", "idp-user", "idp-pass-789", "db-pass-000"]) {
      expect(shown).not.toContain(leak);
    }
    expect(shown).toContain("custom endpoint http://127.0.0.1:4566/ (credentials hidden)");
    expect(shown).toContain("PostgreSQL at db.example.test:5432");
  });

  it("an unparseable value is not echoed back", () => {
    expect(displayUrl("user:pw@not a url")).toBe("(not an http(s) URL)");
    expect(displayUrl("http://[broken")).toBe("(not a valid URL)");
    expect(displayUrl("https://center.example.test/")).toBe("https://center.example.test/");
  });
});

describe("the console server's heap limit (issue 17)", () => {
  it("defaults to 384 MiB, takes a whole number of MiB, and names the variable on a bad value", () => {
    expect(consoleHeapMb({})).toBe(384);
    expect(consoleHeapMb({ K2OPS_MAX_HEAP_MB: " 1024 " })).toBe(1024);
    for (const bad of ["64", "1e3", "512MB", "-1", "70000"]) expect(() => consoleHeapMb({ K2OPS_MAX_HEAP_MB: bad })).toThrow(/K2OPS_MAX_HEAP_MB/);
  });
});
