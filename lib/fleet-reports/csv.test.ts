import { describe, expect, it } from "vitest";
import { authRolloutCsv, csvField, toCsv, usersFileCsv } from "./csv";

describe("csvField", () => {
  it("leaves plain text and numbers as they are; empty for null", () => {
    expect(csvField("jp-tokyo.aws.wm04")).toBe("jp-tokyo.aws.wm04");
    expect(csvField(42)).toBe("42");
    expect(csvField(0)).toBe("0");
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField(Number.NaN)).toBe("");
  });

  it("quotes fields with a comma, a double quote, CR or LF, doubling inner quotes", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("line1\nline2")).toBe('"line1\nline2"');
    expect(csvField("a\r\nb")).toBe('"a\r\nb"');
  });

  it("neutralises a leading = + - @ (and tab, CR) against CSV injection", () => {
    expect(csvField("=HYPERLINK(\"http://evil\",\"x\")")).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvField("+1+2")).toBe(`"'+1+2"`);
    expect(csvField("-cmd|' /C calc'!A0")).toBe(`"'-cmd|' /C calc'!A0"`);
    expect(csvField("@SUM(A1)")).toBe(`"'@SUM(A1)"`);
    expect(csvField("\t=1")).toBe(`"'\t=1"`);
    expect(csvField("\r=1")).toBe(`"'\r=1"`);
    // only at the start
    expect(csvField("a=b-c")).toBe("a=b-c");
  });
});

describe("toCsv", () => {
  it("header + rows, CRLF line ends, a final CRLF", () => {
    expect(toCsv(["a", "b"], [["x", 1], [null, "y,z"]])).toBe('a,b\r\nx,1\r\n,"y,z"\r\n');
  });
});

describe("report CSVs", () => {
  it("users file: one row per node, the reason quoted when it needs it", () => {
    const csv = usersFileCsv([
      { ipv4: "127.0.0.1", name: "=evil()", state: "dirty", entries: 3, cause: null, reason: null, reasonPhrase: null },
      { ipv4: "127.0.0.2", name: "n2", state: "unreadable", entries: null, cause: "missing", reason: "/apps/k2s/users does not exist, really", reasonPhrase: null },
    ]);
    expect(csv.split("\r\n")).toEqual(["node,ipv4,state,entries,cause,reason", `"'=evil()",127.0.0.1,dirty,3,,`, 'n2,127.0.0.2,unreadable,,missing,"/apps/k2s/users does not exist, really"', ""]);
  });

  it("auth rollout: an unknown row's counters are empty, never 0", () => {
    const counts = { total: 10, authed: 9, cookie_hit: 6, cold: 3, unauthed: 1, legacy_no_metadata: 1 };
    const csv = authRolloutCsv([
      { ipv4: "127.0.0.1", name: "a", state: "ok", counts, lines: 2, unreachable: 0, misconfigured: 0, source: "file", reason: null, reasonPhrase: null },
      { ipv4: "127.0.0.2", name: "b", state: "unknown", counts: null, lines: null, unreachable: null, misconfigured: null, source: null, reason: "SSH failed", reasonPhrase: null },
    ]);
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe("node,ipv4,state,total,authed,cookie_hit,cold,unauthed,legacy_no_metadata,unreachable,misconfigured,lines,source,reason");
    expect(lines[1]).toBe("a,127.0.0.1,ok,10,9,6,3,1,1,0,0,2,file,");
    expect(lines[2]).toBe("b,127.0.0.2,unknown,,,,,,,,,,,SSH failed");
  });
});
