import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { ADMIN, VIEWER, signIn, syncFleetFromCenter } from "./helpers";

// Accessibility and layout (issue #16): axe-core over every page with no
// serious or critical violation; the fleet table keeps its key columns on a
// 1280 px screen without sideways scrolling; read-only use on a 390 px phone.

const PAGES = [
  "/",
  "/nodes/127.0.0.11",
  "/operations",
  "/metering",
  "/provisioning",
  "/device-logs",
  "/device-logs/tickets/fb-7f3a2c91",
  "/audit",
  "/settings",
  "/settings/account",
  "/settings/users",
  "/settings/notifications",
  "/runbook",
  "/runbook/metering",
];

async function seriousViolations(page: Page) {
  const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 4).join(" | ")}`);
}

test.beforeAll(async ({ browser }) => {
  await syncFleetFromCenter(browser);
});

test("the sign-in page has no serious accessibility violation", async ({ page }) => {
  await page.goto("/login");
  expect(await seriousViolations(page)).toEqual([]);
});

for (const path of PAGES) {
  test(`${path}: no serious accessibility violation (admin)`, async ({ page }) => {
    await signIn(page, ADMIN);
    await page.goto(path);
    await page.waitForLoadState("networkidle");
    expect(await seriousViolations(page)).toEqual([]);
  });
}

test("the fleet table keeps name, IPv4, verification and quota on a 1280 px screen without sideways scrolling", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page, VIEWER);
  const header = page.locator('[role="columnheader"], th');
  for (const name of ["Name", "IPv4", "Verification", "Quota"]) await expect(header.filter({ hasText: new RegExp(`^${name}`) }).first()).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test("read-only use on a 390 px phone: every page a viewer reads fits the screen without sideways scrolling of the page", async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, VIEWER);
  // wide tables scroll inside their own box; the page itself never does
  for (const path of PAGES.filter((p) => p !== "/settings/users" && p !== "/settings/notifications")) {
    await page.goto(path);
    await expect(page.locator("main")).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
});
