import { expect, test } from "@playwright/test";
import { ADMIN, VIEWER, alertBox, signIn, signOut } from "./helpers";

test.describe("roles and user administration", () => {
  test("a viewer cannot manage users", async ({ page }) => {
    await signIn(page, VIEWER);
    await page.goto("/settings/users");
    await expect(alertBox(page)).toHaveText(/need the admin role/);
    await expect(page.getByTestId("users-table")).toHaveCount(0);
  });

  test("an admin adds a user, rejects bad input, changes the role and disables the account; the disabled user cannot sign in", async ({ page }) => {
    const email = `e2e-${Date.now()}@example.test`;
    await signIn(page, ADMIN);
    await page.goto("/settings/users");

    // bad input: clear message, nothing added
    await page.getByLabel("Email", { exact: true }).fill("not-an-email");
    await page.getByLabel("Initial password").fill("short");
    await page.getByRole("button", { name: "Add user" }).click();
    await expect(page.locator("#err-email")).toBeVisible();
    await expect(page.locator("#err-password")).toContainText("at least 10");
    await expect(page.locator(`tr[data-email="not-an-email"]`)).toHaveCount(0);

    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel("Initial password").fill("a-good-long-password");
    await page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await page.getByRole("button", { name: "Add user" }).click();
    const row = page.locator(`tr[data-email="${email}"]`);
    await expect(row).toBeVisible();

    await row.getByLabel(`Role of ${email}`).selectOption("operator");
    await expect(page.getByText(`${email} is now operator`)).toBeVisible();
    await row.getByRole("button", { name: "Disable" }).click();
    await expect(row.getByText("disabled")).toBeVisible();

    await signOut(page);
    await page.goto("/login");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("a-good-long-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(alertBox(page)).toHaveText(/disabled/);
  });
});
