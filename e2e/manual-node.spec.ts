import { expect, test } from "@playwright/test";
import { OPERATOR, VIEWER, alertBox, signIn } from "./helpers";

// Issue #10 item 17: a node Center does not list (its sidecar never registered) is added by IPv4.
// The demo launcher adds the simulated machines that never register the same way (127.0.0.16
// restart-loop-net, .23 nftables, .24 restart-loop-secret, .25 restart-loop-center).
test.describe("nodes Center does not list", () => {
  test("an operator adds a node by IPv4; it is shown as not in Center and its page opens", async ({ page }) => {
    await signIn(page, OPERATOR);
    const rows = page.locator('[role="rowgroup"] [role="row"][data-ip]');

    // the launcher's never-registered machines are there without any sync
    const loop = page.locator('[data-ip="127.0.0.25"]');
    await expect(loop).toBeVisible();
    await expect(loop.getByTestId("not-in-center")).toHaveText("not in Center");

    await page.getByRole("button", { name: "Add node by IP" }).click();
    const dialog = page.getByRole("dialog", { name: "Add a node Center does not list" });
    await dialog.getByLabel("IPv4 address").fill("127.0.0.1; id");
    await dialog.getByRole("button", { name: "Add node" }).click();
    await expect(dialog.getByText("not an IPv4 address")).toBeVisible();

    await dialog.getByLabel("IPv4 address").fill("127.0.0.88");
    await dialog.getByLabel("Name (optional)").fill("hand-added-01");
    await dialog.getByRole("button", { name: "Add node" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByText("127.0.0.88 added (not in Center)")).toBeVisible();

    const row = page.locator('[data-ip="127.0.0.88"]');
    await expect(row).toBeVisible();
    await expect(row).toContainText("hand-added-01");
    await expect(row.getByTestId("not-in-center")).toHaveText("not in Center");
    await expect(rows.filter({ has: page.getByTestId("not-in-center") })).not.toHaveCount(0);

    // adding it again is refused, with the reason
    await page.getByRole("button", { name: "Add node by IP" }).click();
    await dialog.getByLabel("IPv4 address").fill("127.0.0.88");
    await dialog.getByRole("button", { name: "Add node" }).click();
    await expect(dialog.getByRole("alert")).toHaveText("127.0.0.88 was already added by hand.");
    await dialog.getByRole("button", { name: "Cancel" }).click();

    await row.getByRole("link", { name: "hand-added-01" }).click();
    await expect(page).toHaveURL(/\/nodes\/127\.0\.0\.88$/);
    await expect(page.getByRole("heading", { name: "hand-added-01" })).toBeVisible();
    await expect(page.getByTestId("not-in-center")).toContainText("not in Center");

    // the add and the refused second add are both in the audit log, with their outcomes
    await page.goto("/audit?action=fleet.node.add&node=127.0.0.88");
    await expect(page.getByTestId("audit-total")).toHaveText("2 events");
    await expect(page.getByTestId("audit-table")).toContainText("succeeded");
    await expect(page.getByTestId("audit-table")).toContainText("already added by hand");

    // removed again from the fleet table (the node is not Center's)
    await page.goto("/?q=127.0.0.88");
    await page.getByRole("button", { name: "Remove hand-added-01 from k2ops" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Remove from k2ops" }).click();
    await expect(page.getByText("127.0.0.88 removed from k2ops")).toBeVisible();
    await expect(page.locator('[data-ip="127.0.0.88"]')).toHaveCount(0);
    await expect(alertBox(page)).toHaveCount(0);
  });

  test("a viewer sees nodes not in Center but has no add or remove", async ({ page }) => {
    await signIn(page, VIEWER);
    await expect(page.getByRole("table", { name: "Fleet" })).toBeVisible();
    await expect(page.locator('[data-ip="127.0.0.25"]').getByTestId("not-in-center")).toBeVisible();
    await expect(page.getByRole("button", { name: "Add node by IP" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /^Remove .* from k2ops$/ })).toHaveCount(0);
  });
});
