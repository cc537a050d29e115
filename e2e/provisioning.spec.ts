import { expect, test } from "@playwright/test";
import { VIEWER, signIn } from "./helpers";

test.describe("provisioning", () => {
  test("the Provisioning page lists Center's work items with what each asks for and Center's deadline; filters live in the URL", async ({ page }) => {
    await signIn(page, VIEWER);
    await page.goto("/provisioning");
    const table = page.getByTestId("work-items");
    // the simulated Center's queue: three provision items from payments
    const queued = table.locator('tr[data-action="provision"][data-status="queued"]');
    await expect(queued).toHaveCount(3);
    await expect(page.getByTestId("work-items-summary")).toContainText("3 queued");
    const tokyo = queued.filter({ hasText: "ap-tokyo · 1,000 GiB a month sold · non_residential" });
    await expect(tokyo).toHaveCount(1);
    await expect(tokyo.getByTestId("deadline")).toHaveText(/^\d+:\d\d left$/);
    await expect(tokyo.getByTestId("deadline")).toHaveAttribute("title", /Center fails it if the node has not registered within \d+ min/);
    await expect(queued.filter({ hasText: "us-virginia · 2,000 GiB a month sold · residential" })).toHaveCount(1);

    await page.getByLabel("Status").selectOption("done");
    await expect(page).toHaveURL(/\?status=done/);
    await expect(table.locator('tr[data-status="queued"]')).toHaveCount(0);
    const rows = table.locator("tr[data-status]");
    for (const s of await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-status")))) expect(s).toBe("done");
    // a stale or hand-typed filter is "all", not an error
    await page.goto("/provisioning?status=bogus&action=provision");
    await expect(table.locator('tr[data-action="provision"][data-status="queued"]')).toHaveCount(3);
    await expect(table.locator('tr[data-action]:not([data-action="provision"])')).toHaveCount(0);
  });
});
