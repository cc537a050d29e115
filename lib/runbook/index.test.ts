import { describe, expect, it } from "vitest";
import { PAGE_HELP, RUNBOOK_DOCS, readRunbook, runbookHref, runbookLabel, slug, splitRunbook, type RunbookDoc } from ".";

describe("splitRunbook", () => {
  it("the hub: a section per §N / §N.M line, not the quick index's table rows", () => {
    const s = splitRunbook("Intro line\n| Safety | §0 Guardrails |\n§2 Env master reference |\n§0 Safety Guardrails\nrule 1\n§3 Standard Operations\nops\n§3.1 k2s user auth\nusers", "txt");
    expect(s.map((x) => [x.id, x.level])).toEqual([["intro", 0], ["s0", 1], ["s3", 1], ["s3-1", 2]]);
    expect(s[0].text).toContain("§2 Env master reference |");
    expect(s[1]).toMatchObject({ heading: "§0 Safety Guardrails", text: "rule 1" });
  });
  it("a reference: headings outside code fences, unique anchors, text verbatim", () => {
    const md = "# Title\nabout\n## Part C — Configure quota\n```\n# 1. Creation date (a comment in a block)\n```\n## Part C — Configure quota\nagain";
    const s = splitRunbook(md, "md");
    expect(s.map((x) => x.id)).toEqual(["title", "part-c-configure-quota", "part-c-configure-quota-2"]);
    expect(s[1].text).toBe("```\n# 1. Creation date (a comment in a block)\n```");
    expect(slug("Bandwagon (搬瓦工 / KiwiVM)")).toBe("bandwagon-搬瓦工-kiwivm");
  });
});

describe("the shipped runbook", () => {
  it("every document reads, and every page's help points at a section that exists", () => {
    const ids = new Map<RunbookDoc, Set<string>>();
    for (const doc of Object.keys(RUNBOOK_DOCS) as RunbookDoc[]) {
      const sections = readRunbook(doc);
      expect(sections.length, doc).toBeGreaterThan(3);
      ids.set(doc, new Set(sections.map((s) => s.id)));
    }
    for (const [page, ref] of Object.entries(PAGE_HELP)) expect(ids.get(ref.doc)!.has(ref.id), `${page} → ${runbookHref(ref)}`).toBe(true);
    // the hub's §0 … §8
    expect([...ids.get("ops")!].filter((id) => /^s\d$/.test(id))).toEqual(["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"]);
  });
  it("links: the hub at /runbook, a reference at /runbook/<doc>", () => {
    expect(runbookHref(PAGE_HELP.fleet)).toBe("/runbook#s5");
    expect(runbookHref(PAGE_HELP.metering)).toBe("/runbook/metering#metering-architecture-facts-read-first");
    expect([PAGE_HELP.audit, PAGE_HELP.reports, PAGE_HELP.metering].map(runbookLabel)).toEqual(["§0", "§3.1", "metering.md"]);
  });
});
