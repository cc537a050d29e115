import { expect, test } from "@playwright/test";
import { ADMIN, VIEWER, signIn } from "./helpers";

// Against the simulated fleet: 127.0.0.11 is healthy, 127.0.0.13 runs on the wrong timezone,
// 127.0.0.15 is cut (k2s paused at its quota). 127.0.0.16 loops on a broken container network
// and so never registered: like a real node, Center does not list it (the demo launcher adds it by hand).
test.describe("verification", () => {
  test("verify selected nodes from the fleet table, watch the job, drill into a failing check's evidence", async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, ADMIN);
    await page.getByRole("button", { name: "Sync from Center" }).click();
    await expect(page.getByText(/Synced \d+ nodes from Center/)).toBeVisible();

    for (const name of ["jp-tokyo-01", "sg-singapore-01", "au-sydney-01"]) await page.getByLabel(`Select ${name}`).check();
    await page.getByRole("button", { name: "Verify selected" }).click();
    const job = page.getByTestId("job-progress");
    await expect(job).toHaveAttribute("data-status", "failed", { timeout: 60_000 });
    await expect(page.getByTestId("job-counts")).toHaveText("3/3 done · 2 failed");
    await expect(page.getByTestId("job-failures")).toContainText("sg-singapore-01 (127.0.0.13): fail: timezone");
    await expect(page.getByTestId("job-failures")).toContainText("au-sydney-01 (127.0.0.15): fail: containers");

    await page.goto("/?check=timezone");
    const rows = page.locator('[role="rowgroup"] [role="row"][data-ip]');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute("data-ip", "127.0.0.13");
    await expect(rows.first().getByTestId("verification-cell")).toHaveText("fail: timezone");

    await page.goto("/?status=pass");
    await expect(page.locator('[data-ip="127.0.0.11"]')).toBeVisible();
    await expect(page.locator('[data-ip="127.0.0.11"]').getByTestId("verification-cell")).toHaveText("pass");

    await page.goto("/nodes/127.0.0.13");
    const tz = page.locator('[data-check="timezone"]');
    await expect(tz).toHaveAttribute("data-status", "fail");
    await expect(tz.getByTestId("observed")).toHaveText("Etc/UTC (UTC, +0000)");
    await expect(tz.getByTestId("evidence")).toContainText("Time zone: Etc/UTC");
    await expect(page.locator('[data-check="containers"]')).toHaveAttribute("data-status", "pass");

    await page.goto("/nodes/127.0.0.15");
    await expect(page.locator('[data-check="containers"] [data-testid="observed"]')).toContainText("Paused");

    // a single-node re-verify from the node page adds to its history
    await page.goto("/nodes/127.0.0.11");
    const before = await page.getByTestId("verification-history").locator("li").count(); // other specs may have verified it too
    await page.getByRole("button", { name: "Verify now" }).click();
    await expect(page.getByText("Verification passed")).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId("verification-history").locator("li")).toHaveCount(before + 1);

    // the whole flow is in the audit log, with the host keys pinned on first use
    await page.goto("/audit?action=fleet.verify");
    await expect(page.getByTestId("audit-table")).toContainText("succeeded");
    for (const ip of ["127.0.0.11", "127.0.0.13", "127.0.0.15"]) {
      await page.goto(`/audit?action=hostkey.pin&node=${ip}`);
      await expect(page.getByTestId("audit-total")).toHaveText("1 event");
    }
  });

  test("a viewer reads verification results but cannot run them", async ({ page }) => {
    await signIn(page, VIEWER);
    await page.goto("/nodes/127.0.0.11");
    await expect(page.locator('[data-check="timezone"]')).toBeVisible();
    await expect(page.getByRole("button", { name: "Verify now" })).toHaveCount(0);
  });
});
