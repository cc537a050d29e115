import { describe, expect, it } from "vitest";
import { isLocale, localeFromAcceptLanguage, pickLocale } from "./locales";

describe("the request's language", () => {
  it("Accept-Language: the first Chinese or English language by preference; zh* → zh-CN, else en", () => {
    expect(localeFromAcceptLanguage("zh-CN,zh;q=0.9,en;q=0.8")).toBe("zh-CN");
    expect(localeFromAcceptLanguage("zh-TW")).toBe("zh-CN");
    expect(localeFromAcceptLanguage("zh")).toBe("zh-CN");
    expect(localeFromAcceptLanguage("en-US,en;q=0.9")).toBe("en");
    expect(localeFromAcceptLanguage("en;q=0.5, zh-Hans;q=0.8")).toBe("zh-CN");
    expect(localeFromAcceptLanguage("fr-FR, zh;q=0.7, en;q=0.6")).toBe("zh-CN");
    expect(localeFromAcceptLanguage("fr-FR, de")).toBe("en");
    expect(localeFromAcceptLanguage("zh;q=0, en")).toBe("en");
    expect(localeFromAcceptLanguage("*")).toBe("en");
    expect(localeFromAcceptLanguage("")).toBe("en");
    expect(localeFromAcceptLanguage(null)).toBe("en");
    expect(localeFromAcceptLanguage("zhx")).toBe("en");
  });

  it("the saved choice wins over the cookie, the cookie over the browser; unknown values are ignored", () => {
    expect(pickLocale({ saved: "en", cookie: "zh-CN", acceptLanguage: "zh-CN" })).toBe("en");
    expect(pickLocale({ saved: null, cookie: "zh-CN", acceptLanguage: "en-US" })).toBe("zh-CN");
    expect(pickLocale({ saved: "fr", cookie: "xx", acceptLanguage: "zh-CN" })).toBe("zh-CN");
    expect(pickLocale({})).toBe("en");
    expect(isLocale("zh-CN")).toBe(true);
    expect(isLocale("zh")).toBe(false);
  });
});
