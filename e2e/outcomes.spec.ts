import { expect, test } from "@playwright/test";
import { OPERATOR, signIn, syncFleetFromCenter } from "./helpers";

// Issue #10 item 9: an update whose checklist fails afterwards is not "succeeded".
const WRONG_TZ = "127.0.0.13"; // sg-singapore-01: the demo's wrong-timezone node

test.describe("truthful outcomes", () => {
  test.beforeAll(async ({ browser }) => syncFleetFromCenter(browser));

  test("an update applied to a node that then fails its checklist is a warning and audited degraded", async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, OPERATOR);
    await page.goto(`/nodes/${WRONG_TZ}`);
    await page.getByRole("button", { name: "Update (pull + up -d)" }).click();
    await page.getByRole("button", { name: "Confirm update (pull + up -d)" }).click();
    await expect(page.getByTestId("op-result")).toContainText("verification failed: timezone", { timeout: 60_000 });
    // sonner marks a toast's type on the element
    await expect(page.locator('[data-sonner-toast][data-type="warning"]')).toContainText("verification failed");
    await expect(page.locator('[data-sonner-toast][data-type="success"]')).toHaveCount(0);

    await page.goto(`/audit?action=node.update&node=${WRONG_TZ}`);
    const table = page.getByTestId("audit-table");
    await expect(table).toContainText("degraded");
    await expect(table).not.toContainText("succeeded");
  });
});
