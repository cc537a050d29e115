import { expect, test } from "@playwright/test";
import { ADMIN, VIEWER, signIn } from "./helpers";

test.describe("app shell", () => {
  test("every section is reachable and built (none shows the not-built notice any more)", async ({ page }) => {
    await signIn(page, VIEWER);
    for (const [nav, url, planned] of [
      ["Operations", /\/operations$/, false],
      ["Metering", /\/metering$/, false],
      ["Provisioning", /\/provisioning$/, false],
      ["Device logs", /\/device-logs$/, false],
      ["Audit log", /\/audit$/, false],
      ["Settings", /\/settings$/, false],
      ["Fleet", /\/$/, false],
    ] as const) {
      await page.getByRole("link", { name: nav, exact: true }).click();
      await expect(page).toHaveURL(url);
      await expect(page.getByRole("link", { name: nav, exact: true })).toHaveAttribute("aria-current", "page");
      const notice = page.getByRole("status").filter({ hasText: "This page is not built yet" });
      await expect(notice).toHaveCount(planned ? 1 : 0);
    }
  });

  test("dark mode is chosen in the top bar and kept across reloads", async ({ page }) => {
    await signIn(page, VIEWER);
    await page.getByRole("radio", { name: "Dark theme" }).click();
    await expect(page.locator("html")).toHaveClass(/\bdark\b/);
    await page.reload();
    await expect(page.locator("html")).toHaveClass(/\bdark\b/);
    await expect(page.getByRole("radio", { name: "Dark theme" })).toHaveAttribute("aria-checked", "true");
    await page.getByRole("radio", { name: "Light theme" }).click();
    await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
  });

  test("signing out ends the session, says so, and is audited", async ({ page }) => {
    await signIn(page, VIEWER);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login\?reason=signedout/);
    await expect(page.getByText("You have signed out.")).toBeVisible();
    await page.goto("/");
    await expect(page).toHaveURL(/\/login\?reason=/);
    await signIn(page, ADMIN);
    await page.goto(`/audit?action=auth.signout&user=${encodeURIComponent(VIEWER)}`);
    await expect(page.getByTestId("audit-table")).toContainText("succeeded");
    await expect(page.getByTestId("audit-table")).toContainText("viewer");
  });

  test("the browser's /favicon.ico is served (it was a 404 on every page)", async ({ request }) => {
    const res = await request.get("/favicon.ico");
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toMatch(/image\//);
  });
});
