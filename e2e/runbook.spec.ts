import { expect, test } from "@playwright/test";
import { PAGE_HELP, runbookHref, type HelpPage } from "@/lib/runbook/refs";
import { VIEWER, signIn } from "./helpers";

// Issue #16: every page has a one-line help with a link to the runbook section it implements,
// and the link lands on that section of the runbook, shown verbatim in the console.

const PAGES: [string, HelpPage][] = [
  ["/", "fleet"],
  ["/nodes/127.0.0.11", "node"],
  ["/operations", "operations"],
  ["/operations/reports", "reports"],
  ["/metering", "metering"],
  ["/provisioning", "provisioning"],
  ["/device-logs", "deviceLogs"],
  ["/audit", "audit"],
  ["/settings", "settings"],
  ["/settings/account", "account"],
  ["/settings/users", "users"],
  ["/settings/notifications", "notifications"],
];

test("every page's help line links to the runbook section it implements, and the section is there", async ({ page }) => {
  await signIn(page, VIEWER);
  for (const [path, help] of PAGES) {
    await page.goto(path);
    const line = page.getByTestId("page-help");
    await expect(line, path).toHaveCount(1);
    await expect(line.getByRole("link")).toHaveAttribute("href", runbookHref(PAGE_HELP[help]));
  }
  // following one: the hub's §5 section, its heading and its verbatim text
  await page.goto("/operations");
  await page.getByTestId("page-help-link").click();
  await expect(page).toHaveURL(/\/runbook#s5$/);
  const s5 = page.locator("section#s5");
  await expect(s5.getByRole("heading")).toHaveText(/^§5 Batch Fleet Operations/);
  await expect(s5).toBeInViewport();
  await expect(page.locator("section#s0")).toContainText("K2_NODE_SECRET/K2_PRIVATE_CLAIM/ claim tokens are untouchable");
  // a reference: the metering page's link opens metering.md at its section
  await page.goto("/metering");
  await page.getByTestId("page-help-link").click();
  await expect(page).toHaveURL(/\/runbook\/metering#metering-architecture-facts-read-first$/);
  await expect(page.locator("section#part-b-per-provider-quota-index").getByRole("heading")).toHaveText("Part B — Per-provider quota index");
  // the contents list jumps within the page
  await page.getByRole("navigation", { name: "Contents" }).getByRole("link", { name: "Part E — Operate & test the cutoff" }).click();
  await expect(page).toHaveURL(/#part-e-operate-test-the-cutoff$/);
});

test("the runbook is in the navigation; an unknown document is not found", async ({ page }) => {
  await signIn(page, VIEWER);
  await page.getByRole("link", { name: "Runbook", exact: true }).click();
  await expect(page).toHaveURL(/\/runbook$/);
  await expect(page.getByRole("link", { name: "Runbook", exact: true })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("navigation", { name: "Documents" }).getByRole("link")).toHaveCount(4);
  for (const bad of ["/runbook/nope", "/runbook/ops", "/runbook/metering/extra"]) {
    const r = await page.goto(bad);
    expect(r?.status(), bad).toBe(404);
  }
});

test("in Chinese the help line is translated; the runbook's own text stays verbatim", async ({ page, context }) => {
  await signIn(page, VIEWER);
  // the viewer has no saved language: the cookie decides (as the header's switch sets it)
  await context.addCookies([{ name: "k2ops-locale", value: "zh-CN", url: new URL(page.url()).origin }]);
  await page.goto("/audit");
  const line = page.getByTestId("page-help");
  await expect(line).toContainText("谁在何时何地做了什么");
  await expect(line.getByRole("link")).toHaveText("运维手册 §0");
  await line.getByRole("link").click();
  await expect(page.locator("section#s0").getByRole("heading")).toHaveText("§0 Safety Guardrails");
  await context.clearCookies({ name: "k2ops-locale" });
});
