import { expect, test } from "@playwright/test";
import { ADMIN, VIEWER, alertBox, signIn } from "./helpers";

test.describe("sign-in", () => {
  test("a wrong password gets a clear message and no session", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill(ADMIN);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(alertBox(page)).toHaveText(/Wrong email or password/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login\?reason=signin/);
  });

  test("an empty form is refused with a message", async ({ page }) => {
    await page.goto("/login");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(alertBox(page)).toBeVisible();
    await expect(page).toHaveURL(/\/login/);
  });

  test("the console requires a session and shows who is signed in", async ({ page }) => {
    await page.goto("/audit");
    await expect(page).toHaveURL(/\/login\?reason=signin/);
    await signIn(page, VIEWER);
    await expect(page.getByText(VIEWER)).toBeVisible();
    for (const nav of ["Fleet", "Operations", "Metering", "Provisioning", "Device logs", "Audit log", "Settings"]) {
      await expect(page.getByRole("link", { name: nav, exact: true })).toBeVisible();
    }
  });

  test("an expired or forged session cookie sends you to sign in, saying so", async ({ page, context }) => {
    await context.addCookies([{ name: "next-auth.session-token", value: "forged.or.expired", url: "http://localhost:3100" }]);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login\?reason=expired/);
    await expect(page.getByText("Your session has expired")).toBeVisible();
  });
});
