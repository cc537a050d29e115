import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import { BYTES_PER_GIB } from "@/lib/metering/cycle";
import { en, zhCN } from "@/messages";
import { CHOICE_PHRASES, fleetPinnedVersion, imageOptions, planOptions } from "./choices";
import { phraseOf } from "@/lib/phrase";

const plan = (id: string, transferTb: number, priceMonthly: number) => ({ id, name: id, cpu: 2, memoryMb: 2048, storageGb: 60, transferTb, priceMonthly });
const image = (id: string, name: string, os: "linux" | "windows" = "linux", platform = "LINUX_UNIX") => ({ id, name, os, platform, description: "" });

describe("the wizard's plan, image and version choices (provisioning.md Step 2)", () => {
  it("plans that comfortably exceed the sold quota come first, cheapest first; the others say by how much they fall short", () => {
    const out = planOptions([plan("small", 1.5, 12), plan("nano", 1, 5), plan("large", 3, 40), plan("medium", 2, 24)], 1000n * BYTES_PER_GIB, { headroomGb: 24 });
    expect(out.map((p) => [p.id, p.fits, p.marginGb])).toEqual([
      ["nano", true, 0],
      ["small", true, 512],
      ["medium", true, 1024],
      ["large", true, 2048],
    ]);
    const tight = planOptions([plan("nano", 1, 5), plan("small", 1.5, 12)], 1500n * BYTES_PER_GIB, { headroomGb: 24 });
    expect(tight.map((p) => [p.id, p.fits])).toEqual([["small", true], ["nano", false]]);
    expect(tight[1].why).toBe("1024 GB a month is 500 GB short of the sold 1500 GiB + 24 GB headroom: provider overage would be billed before the node cuts");
    expect(tight[0].why).toMatch(/^1536 GB a month: 36 GB above the sold 1500 GiB/);
  });

  it("only Ubuntu 20.04/22.04/24.04 images are usable (provision-node.sh is Ubuntu-only), newest first", () => {
    const out = imageOptions([image("w", "Windows Server 2022", "windows", "WINDOWS"), image("d", "debian_12"), image("u20", "ubuntu_20_04"), image("u24", "Ubuntu 24.04 LTS"), image("u18", "ubuntu_18_04"), image("u22", "ubuntu-22.04")]);
    expect(out.map((i) => [i.id, i.usable])).toEqual([
      ["u24", true],
      ["u22", true],
      ["u20", true],
      ["d", false],
      ["u18", false],
      ["w", false],
    ]);
    expect(out.find((i) => i.id === "u18")!.why).toMatch(/not a release provision-node.sh supports/);
    expect(out.find((i) => i.id === "d")!.why).toBe("provision-node.sh runs on Ubuntu only");
  });

  it("the default K2_VERSION is the fleet's most common pinned tag (the newer on a tie); floating tags never", () => {
    expect(fleetPinnedVersion(["v0.4.8-9d7c6f95", "v0.4.8-9d7c6f95", "v0.4.9-0a1b2c3d", "latest", null])).toBe("v0.4.8-9d7c6f95");
    expect(fleetPinnedVersion(["v0.4.8-9d7c6f95", "v0.4.10-0a1b2c3d"])).toBe("v0.4.10-0a1b2c3d");
    expect(fleetPinnedVersion(["latest", "", undefined])).toBeNull();
  });
});

// The page shows each option's "why" from the catalog by its code: the English entry must render lib's `why` exactly
// (the e2e spec and the server's refusal read the English), and the Chinese must take the same values.
describe("the plans' and images' why in the catalog (provisioning namespace)", () => {
  const tEn = createTranslator({ locale: "en", messages: en, namespace: "provisioning" });
  const tZh = createTranslator({ locale: "zh-CN", messages: zhCN, namespace: "provisioning" });
  type Code = keyof typeof CHOICE_PHRASES;
  const SAMPLES: { [C in Code]: Parameters<(typeof CHOICE_PHRASES)[C]>[0] } = {
    "planWhy.fits": { transferGb: 1536, aboveGb: 36, soldGb: 1500, headroomGb: 24 },
    "planWhy.short": { transferGb: 1024, shortGb: 500, soldGb: 1500, headroomGb: 24 },
    "imageWhy.ubuntu": { version: "24.04" },
    "imageWhy.unsupportedUbuntu": {},
    "imageWhy.notUbuntu": {},
  };

  it("every code's English entry renders exactly lib's English; the Chinese renders with the same values", () => {
    for (const code of Object.keys(CHOICE_PHRASES) as Code[]) {
      const values = SAMPLES[code];
      expect(tEn(code, values), code).toBe(phraseOf(CHOICE_PHRASES, code, values).text);
      const zh = tZh(code, values);
      expect(zh, code).not.toBe(tEn(code, values));
      for (const v of Object.values(values)) expect(zh, code).toContain(String(v));
    }
  });

  it("each option carries the phrase of its why", () => {
    const plans = planOptions([plan("nano", 1, 5), plan("small", 1.5, 12), plan("huge", 12, 400)], 10000n * BYTES_PER_GIB, { headroomGb: 24 });
    const images = imageOptions([image("d", "debian_12"), image("u18", "ubuntu_18_04"), image("u22", "ubuntu-22.04")]);
    for (const o of [...plans, ...images]) expect(tEn(o.whyPhrase.code, o.whyPhrase.values)).toBe(o.why);
    expect(plans[0].why).toBe("12288 GB a month: 2288 GB above the sold 10000 GiB (headroom 24 GB needed)");
  });
});
