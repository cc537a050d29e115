import type { CloudImage, CloudPlan } from "@/lib/center/schemas";
import { BYTES_PER_GIB } from "@/lib/metering/cycle";
import type { ProviderRule } from "@/lib/metering/provider";
import { PINNED_TAG } from "@/lib/node-ops/env-schema";
import { phraseOf, type NoValues, type Phrase, type PhraseBook } from "@/lib/phrase";

// The wizard's step 2 (provisioning.md Step 2) with its rules made visible:
// every plan of the account's region with whether its transfer comfortably
// exceeds the sold quota (and by how much), every image with whether
// provision-node.sh can run on it (Ubuntu 20.04/22.04/24.04 only), and the
// pinned image tag the fleet runs now as the default K2_VERSION.

/** The plans' and images' "why" by catalog code, in English (figures as plain numbers: GB/GiB ungrouped). */
export const CHOICE_PHRASES = {
  "planWhy.fits": (v: { transferGb: number; aboveGb: number; soldGb: number; headroomGb: number }) =>
    `${v.transferGb} GB a month: ${v.aboveGb} GB above the sold ${v.soldGb} GiB (headroom ${v.headroomGb} GB needed)`,
  "planWhy.short": (v: { transferGb: number; shortGb: number; soldGb: number; headroomGb: number }) =>
    `${v.transferGb} GB a month is ${v.shortGb} GB short of the sold ${v.soldGb} GiB + ${v.headroomGb} GB headroom: provider overage would be billed before the node cuts`,
  "imageWhy.ubuntu": (v: { version: string }) => `Ubuntu ${v.version} LTS`,
  "imageWhy.unsupportedUbuntu": (_: NoValues) => "Ubuntu, but not a release provision-node.sh supports (20.04, 22.04, 24.04)",
  "imageWhy.notUbuntu": (_: NoValues) => "provision-node.sh runs on Ubuntu only",
} satisfies PhraseBook;

type ChoiceCode = keyof typeof CHOICE_PHRASES;
export type PlanWhyCode = Extract<ChoiceCode, `planWhy.${string}`>;
export type ImageWhyCode = Extract<ChoiceCode, `imageWhy.${string}`>;

export type PlanOption = CloudPlan & {
  /** the plan's monthly transfer, GB (Center lists TB = GB / 1024) */
  transferGb: number;
  fits: boolean;
  /** transfer − (sold quota + headroom), GB: negative when it falls short */
  marginGb: number;
  /** why it fits or not, in English (the server's refusal says it too) */
  why: string;
  /** `why` as the page translates it (catalog code; values: transferGb, aboveGb or shortGb, soldGb, headroomGb) */
  whyPhrase: Phrase<PlanWhyCode>;
};

/**
 * The plans for a work item selling `soldBytes` a month, under the provider's
 * rule (its headroom): those that fit first, cheapest first; then those that do
 * not, each saying by how much it falls short.
 */
export function planOptions(plans: CloudPlan[], soldBytes: bigint, rule: Pick<ProviderRule, "headroomGb">): PlanOption[] {
  const soldGb = Number(soldBytes / BYTES_PER_GIB);
  const need = soldGb + rule.headroomGb;
  return plans
    .map((p): PlanOption => {
      const transferGb = Math.round(p.transferTb * 1024);
      const marginGb = transferGb - need;
      const fits = marginGb >= 0;
      const { text: why, phrase: whyPhrase } = fits
        ? phraseOf(CHOICE_PHRASES, "planWhy.fits", { transferGb, aboveGb: marginGb + rule.headroomGb, soldGb, headroomGb: rule.headroomGb })
        : phraseOf(CHOICE_PHRASES, "planWhy.short", { transferGb, shortGb: -marginGb, soldGb, headroomGb: rule.headroomGb });
      return { ...p, transferGb, fits, marginGb, why, whyPhrase };
    })
    .sort((a, b) => Number(b.fits) - Number(a.fits) || (a.fits ? a.priceMonthly - b.priceMonthly : b.marginGb - a.marginGb) || a.id.localeCompare(b.id));
}

/** An image with whether provision-node.sh runs on it: `why` in English, `whyPhrase` the same for the page (value: the Ubuntu version). */
export type ImageOption = CloudImage & { usable: boolean; ubuntu: string | null; why: string; whyPhrase: Phrase<ImageWhyCode> };

const UBUNTU_LTS = ["20.04", "22.04", "24.04"];

/** Each image with whether provision-node.sh (Ubuntu-only: 20.04, 22.04, 24.04) can run on it; usable ones first, newest first. */
export function imageOptions(images: CloudImage[]): ImageOption[] {
  return images
    .map((i): ImageOption => {
      const text = `${i.name} ${i.platform} ${i.description}`.toLowerCase();
      const isUbuntu = i.os === "linux" && /ubuntu/.test(text);
      const ver = isUbuntu ? (UBUNTU_LTS.find((v) => text.includes(v) || text.includes(v.replace(".", "_")) || text.includes(v.replace(".", ""))) ?? null) : null;
      const usable = ver !== null;
      const { text: why, phrase: whyPhrase } =
        ver !== null ? phraseOf(CHOICE_PHRASES, "imageWhy.ubuntu", { version: ver }) : isUbuntu ? phraseOf(CHOICE_PHRASES, "imageWhy.unsupportedUbuntu", {}) : phraseOf(CHOICE_PHRASES, "imageWhy.notUbuntu", {});
      return { ...i, usable, ubuntu: ver, why, whyPhrase };
    })
    .sort((a, b) => Number(b.usable) - Number(a.usable) || (b.ubuntu ?? "").localeCompare(a.ubuntu ?? "") || a.name.localeCompare(b.name));
}

const semver = (t: string) => t.slice(1).split("-")[0].split(".").map(Number);

/**
 * The pinned tag the fleet runs now (the default K2_VERSION of a new node): the
 * most common pinned tag among `versions` (the fleet's nodes' tags; floating and
 * unknown ones ignored), the higher version on a tie. Null when none is pinned.
 */
export function fleetPinnedVersion(versions: (string | null | undefined)[]): string | null {
  const count = new Map<string, number>();
  for (const v of versions) if (v && PINNED_TAG.test(v)) count.set(v, (count.get(v) ?? 0) + 1);
  let best: string | null = null;
  for (const [tag, n] of count) {
    if (best === null) best = tag;
    else {
      const m = count.get(best)!;
      const [a, b] = [semver(tag), semver(best)];
      const newer = a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
      if (n > m || (n === m && (newer > 0 || (newer === 0 && tag > best)))) best = tag;
    }
  }
  return best;
}
