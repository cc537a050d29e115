import { expect, test, type Page } from "@playwright/test";
import { ADMIN, addUser, alertBox, signIn } from "./helpers";

// Single sign-on against the OIDC provider simulator the console is started with
// (playwright.config.ts): authorization code + PKCE, RS256 id_token, discovery.

async function ssoSignIn(page: Page, email: string) {
  await page.goto("/login");
  await page.getByRole("button", { name: "Sign in with Simulated SSO" }).click();
  await expect(page.getByRole("heading", { name: "Simulated identity provider" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
}

test.describe("single sign-on (OIDC)", () => {
  test("an identity without a k2ops account is refused with a clear message", async ({ page }) => {
    await ssoSignIn(page, `stranger-${Date.now()}@example.test`);
    await expect(page).toHaveURL(/\/login/);
    await expect(alertBox(page)).toHaveText(/No k2ops account exists for this identity/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login\?reason=signin/);
  });

  test("a known identity signs in with its k2ops role; a disabled one is refused; both are audited", async ({ page, browser }) => {
    const email = `sso-${Date.now()}@example.test`;
    await signIn(page, ADMIN);
    await addUser(page, email, "unused-local-password");
    await page.locator(`tr[data-email="${email}"]`).getByLabel(`Role of ${email}`).selectOption("operator");
    await expect(page.getByText(`${email} is now operator`)).toBeVisible();

    const ctx = await browser.newContext();
    const sso = await ctx.newPage();
    await ssoSignIn(sso, email.toUpperCase()); // the IdP's email is matched case-insensitively
    await expect(sso).toHaveURL(/\/$/);
    await expect(sso.getByRole("link", { name: email })).toBeVisible();
    await expect(sso.getByTitle("Role: operator")).toBeVisible();
    await ctx.close();

    await page.locator(`tr[data-email="${email}"]`).getByRole("button", { name: "Disable" }).click();
    await expect(page.locator(`tr[data-email="${email}"]`).getByText("disabled")).toBeVisible();
    const ctx2 = await browser.newContext();
    const again = await ctx2.newPage();
    await ssoSignIn(again, email);
    await expect(alertBox(again)).toHaveText(/This account is disabled/);
    await ctx2.close();

    await page.goto(`/audit?action=auth.signin&user=${encodeURIComponent(email)}`);
    const table = page.getByTestId("audit-table");
    await expect(table).toContainText("succeeded");
    await expect(table).toContainText("denied");
    await expect(table).toContainText("oidc");
    await expect(table).toContainText("account disabled");
  });
});
