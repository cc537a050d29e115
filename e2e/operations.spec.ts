import { expect, test } from "@playwright/test";
import { OPERATOR, VIEWER, signIn } from "./helpers";

// "Verify all" from the fleet table (narrowed by a URL filter to the two
// jp-tokyo nodes, both healthy), then the job on the Operations page.
test.describe("operations", () => {
  test("an operator verifies all matching nodes and follows the job on the Operations page", async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, OPERATOR);
    await page.getByRole("button", { name: "Sync from Center" }).click();
    await expect(page.getByText(/Synced \d+ nodes from Center/)).toBeVisible();

    await page.goto("/?q=jp-tokyo");
    await page.getByRole("button", { name: "Verify all matching (2)" }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog).toContainText("Verify 2 nodes?");
    await expect(dialog).toContainText("matching the current filters");
    await dialog.getByRole("button", { name: "Verify 2 nodes" }).click();
    await expect(page.getByTestId("job-progress")).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
    await expect(page.getByTestId("job-counts")).toHaveText("2/2 done · 0 failed");
    // the bar's colour says how it went (it stayed blue even on failure)
    await expect(page.getByTestId("job-bar")).toHaveClass(/bg-success/);

    await page.goto("/operations");
    const newest = page.getByTestId("job-list").locator("tbody tr").first();
    await expect(newest).toHaveAttribute("data-status", "succeeded");
    await expect(newest).toContainText("2/2");
    await expect(newest).toContainText("operator@k2ops.local");
    await newest.getByRole("link", { name: "verify" }).click();
    const items = page.getByTestId("job-items");
    await expect(items.locator("tr[data-node]")).toHaveCount(2);
    await expect(items.locator('tr[data-node="127.0.0.11"]')).toHaveAttribute("data-status", "succeeded");
    await expect(items.locator('tr[data-node="127.0.0.12"]')).toContainText("pass");
    // nodes by name, not only by IP
    await expect(items.locator('tr[data-node="127.0.0.11"]')).toContainText("jp-tokyo-01 (127.0.0.11)");

    await page.goto("/operations?status=succeeded");
    await expect(page.getByTestId("job-list").locator("tbody tr[data-status]").first()).toHaveAttribute("data-status", "succeeded");
    await page.goto("/operations?status=cancelled");
    await expect(page.getByTestId("job-list").locator('tbody tr[data-status="succeeded"]')).toHaveCount(0);
  });

  test("a viewer sees the jobs but cannot start or cancel one", async ({ page }) => {
    await signIn(page, VIEWER);
    await expect(page.getByRole("button", { name: /Verify all/ })).toHaveCount(0);
    await page.goto("/operations");
    await expect(page.getByTestId("job-list")).toBeVisible();
    await page.getByTestId("job-list").locator("tbody tr").first().getByRole("link").click();
    await expect(page.getByTestId("job-items")).toBeVisible();
    await expect(page.getByRole("button", { name: "Cancel" })).toHaveCount(0);
  });
});
