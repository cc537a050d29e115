import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import { en, zhCN } from "@/messages";
import { CHANGE_IP_PHRASES } from "./change-ip";
import { CHOOSE_PHRASES } from "./choose";
import { LIFECYCLE_PHRASES, PROVIDER_STATE_PHRASES } from "./lifecycle";
import { CHANGE_IP_LABELS, STEP_LABEL_CODES, STEP_LABELS } from "./run-view";
import { phraseOf, type PhraseBook, type PhraseValues } from "@/lib/phrase";

// The Provisioning pages show the sentences of the wizard's steps (choose.ts, lifecycle.ts, change-ip.ts) and the
// stepper's labels (run-view.ts) from the catalog by their codes: each English entry must render exactly lib's
// English (the server's refusals, notifications and the e2e specs read it), and the Chinese must take the same values.
const tEn = createTranslator({ locale: "en", messages: en, namespace: "provisioning" });
const tZh = createTranslator({ locale: "zh-CN", messages: zhCN, namespace: "provisioning" });
type Samples<B extends PhraseBook> = { [C in keyof B]: Parameters<B[C]>[0] };

function checkBook<B extends PhraseBook>(book: B, samples: Samples<B>) {
  for (const code of Object.keys(book) as (keyof B & string)[]) {
    const values = samples[code] as PhraseValues;
    // a code of the book: a key of the typed catalog (tsc checks the components' t(code) the same way)
    const key = code as Parameters<typeof tEn>[0];
    expect(tEn(key, values), code).toBe(phraseOf(book, code, samples[code]).text);
    const zh = tZh(key, values);
    expect(zh, code).not.toBe(tEn(key, values));
    for (const v of Object.values(values)) if (v !== "") expect(zh, code).toContain(String(v));
  }
}

describe("the Provisioning pages' sentences in the catalog (provisioning namespace)", () => {
  it("step 2: Center's lists that could not be read", () => {
    checkBook(CHOOSE_PHRASES, {
      "chooseError.accounts": { error: "Center answered 503: upstream down" },
      "chooseError.regions": { account: "lightsail-main", error: "timeout after 15000 ms" },
      "chooseError.plans": { account: "lightsail-main", error: "Center answered 500" },
      "chooseError.images": { account: "lightsail-main", error: "Center answered 500" },
    });
  });

  it("stop / destroy: the instance's state and why k2ops cannot act", () => {
    checkBook(PROVIDER_STATE_PHRASES, { "providerState.gone": {}, "providerState.unknown": {}, "providerState.unreadable": { error: "ThrottlingException: Rate exceeded" } });
    checkBook(LIFECYCLE_PHRASES, {
      "blocked.noInstance": {},
      "blocked.stopGone": { id: "4711" },
      "blocked.lifecycleProvider": { name: "pn-hk", provider: "aliyun_swas" },
    });
    expect(phraseOf(LIFECYCLE_PHRASES, "blocked.lifecycleProvider", { name: "pn-hk", provider: "aliyun_swas" }).text).toMatch(/pn-hk is a aliyun_swas instance: k2ops acts at Lightsail only/);
  });

  it("change_ip: why k2ops cannot act, and Center's ownership rule", () => {
    checkBook(CHANGE_IP_PHRASES, {
      "blocked.noInstance": {},
      "blocked.changeIpGone": { id: "4711" },
      "blocked.changeIpProvider": { name: "pn-bwg", provider: "bandwagon" },
      "blocked.otherRegion": { targetRegion: "sg-singapore", region: "ap-northeast-1" },
      "blocked.notRunning": { name: "pn-1001", state: "stopped" },
      "blocked.goneAtLightsail": { name: "pn-1001" },
      "blocked.unreadableAtLightsail": { name: "pn-1001", error: "ThrottlingException: Rate exceeded" },
      "ownership.unowned": { oldIp: "127.0.0.22" },
    });
    // the same sentence in both books: one catalog entry
    expect(CHANGE_IP_PHRASES["blocked.noInstance"]({})).toBe(LIFECYCLE_PHRASES["blocked.noInstance"]({}));
    expect(phraseOf(CHANGE_IP_PHRASES, "ownership.unowned", { oldIp: "127.0.0.22" }).text).toContain("Center binds this node's subscription to 127.0.0.22 and has no endpoint to rebind it");
  });

  it("the stepper's labels: the catalog's English is run-view's, for every step of both runs", () => {
    const labels: Record<string, string> = { ...STEP_LABELS, ...CHANGE_IP_LABELS };
    expect(Object.keys(STEP_LABEL_CODES).sort()).toEqual(Object.keys(labels).sort());
    for (const [key, code] of Object.entries(STEP_LABEL_CODES)) {
      expect(tEn(code), key).toBe(labels[key]);
      expect(tZh(code), key).not.toBe(labels[key]);
    }
  });
});
