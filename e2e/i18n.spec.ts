import { expect, test, type Page } from "@playwright/test";
import { ADMIN, addUser, signIn, signOut } from "./helpers";

// zh-CN and en (issue 16): the language is chosen in the top bar or on the Account page, saved on
// the account (so it follows the user after sign-out and into other browsers), and an unsaved
// choice follows the browser's language. Own accounts, so no other spec sees a changed language.

const PASSWORD = "i18n-e2e-password-0123";
const SAVER = "i18n-saver@k2ops.local";
const BROWSER_ZH = "i18n-browser@k2ops.local";

const nav = (page: Page) => page.getByRole("navigation").first();
const header = (page: Page) => page.getByRole("banner");

test.describe("languages", () => {
  test.beforeAll(async ({ browser }) => {
    const page = await browser.newPage();
    await signIn(page, ADMIN);
    await addUser(page, SAVER, PASSWORD);
    await addUser(page, BROWSER_ZH, PASSWORD);
    await page.close();
  });

  test("中文 in the top bar: the console switches, and the choice is saved on the account", async ({ page }) => {
    await signIn(page, SAVER, PASSWORD);
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(nav(page).getByRole("link", { name: "Fleet", exact: true })).toBeVisible();

    await header(page).getByRole("radiogroup", { name: "Language" }).getByRole("radio", { name: "中文" }).click();
    await expect(nav(page).getByRole("link", { name: "节点", exact: true })).toBeVisible();
    for (const name of ["任务", "计量", "开通节点", "设备日志", "审计日志", "设置"]) await expect(nav(page).getByRole("link", { name, exact: true })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
    await expect(header(page).getByRole("radio", { name: "中文" })).toHaveAttribute("aria-checked", "true");
    await expect(header(page).getByRole("button", { name: "退出登录" })).toBeVisible();

    // kept across a reload
    await page.reload();
    await expect(nav(page).getByRole("link", { name: "审计日志", exact: true })).toBeVisible();

    // signing out keeps it for this browser's sign-in page, and signing back in keeps it
    await header(page).getByRole("button", { name: "退出登录" }).click();
    await expect(page).toHaveURL(/\/login\?reason=signedout/);
    await expect(page.getByText("你已退出登录。")).toBeVisible();
    await expect(page.getByText("Kaitu k2s 节点集群控制台")).toBeVisible();
    await signIn(page, SAVER, PASSWORD);
    await expect(nav(page).getByRole("link", { name: "节点", exact: true })).toBeVisible();

    // saved per user, not only in this browser: without any cookie (another browser) it is still Chinese
    await signOut(page);
    await page.goto("/login");
    await expect(page.getByText("Control plane for the Kaitu k2s fleet")).toBeVisible();
    await signIn(page, SAVER, PASSWORD);
    await expect(nav(page).getByRole("link", { name: "节点", exact: true })).toBeVisible();

    // the audit log has the change (as the admin, in English)
    const admin = await page.context().browser()!.newPage();
    await signIn(admin, ADMIN);
    await admin.goto(`/audit?action=account.locale.change&user=${encodeURIComponent(SAVER)}`);
    await expect(admin.getByTestId("audit-table")).toContainText("succeeded");
    await admin.close();

    // the Account page: the language section, a time with UTC on hover, and back to English
    await page.goto("/settings/account");
    await expect(page.getByRole("heading", { level: 1, name: "我的账号" })).toBeVisible();
    await expect(page.locator("main time").first()).toHaveAttribute("title", /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await page.getByRole("main").getByRole("radiogroup", { name: "语言" }).getByRole("radio", { name: "English" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Your account" })).toBeVisible();
    await expect(nav(page).getByRole("link", { name: "Fleet", exact: true })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await page.reload();
    await expect(nav(page).getByRole("link", { name: "Audit log", exact: true })).toBeVisible();
  });

  test.describe("a Chinese browser", () => {
    test.use({ locale: "zh-CN" });

    test("starts in Chinese on the sign-in page and in the console, until the user chooses English", async ({ page }) => {
      await page.goto("/login");
      await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
      await expect(page.getByText("Kaitu k2s 节点集群控制台")).toBeVisible();
      await expect(page).toHaveTitle("登录 · k2ops");

      await signIn(page, BROWSER_ZH, PASSWORD);
      await expect(nav(page).getByRole("link", { name: "节点", exact: true })).toBeVisible();
      await expect(header(page).getByRole("radio", { name: "中文" })).toHaveAttribute("aria-checked", "true");

      await header(page).getByRole("radiogroup", { name: "语言" }).getByRole("radio", { name: "English" }).click();
      await expect(nav(page).getByRole("link", { name: "Fleet", exact: true })).toBeVisible();
      await expect(header(page).getByRole("button", { name: "Sign out" })).toBeVisible();
      // the saved choice wins over the browser's language, also after signing in again
      await signOut(page);
      await signIn(page, BROWSER_ZH, PASSWORD);
      await expect(nav(page).getByRole("link", { name: "Fleet", exact: true })).toBeVisible();
      await expect(page.locator("html")).toHaveAttribute("lang", "en");
    });
  });
});
