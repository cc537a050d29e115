import { expect, test, type Browser, type Page } from "@playwright/test";
import { ADMIN, addUser, alertBox, chooseOption, signIn } from "./helpers";

// Single sign-on against the OIDC provider simulator the console is started with
// (playwright.config.ts): authorization code + PKCE, RS256 id_token, discovery.

/** Signs in at the simulated provider as `email`; `sub` picks the subject, `unverified` sends email_verified: false. */
async function ssoSignIn(page: Page, email: string, opts: { sub?: string; unverified?: boolean } = {}) {
  await page.goto("/login");
  await page.getByRole("button", { name: "Sign in with Simulated SSO" }).click();
  await expect(page.getByRole("heading", { name: "Simulated identity provider" })).toBeVisible();
  await page.getByLabel("Email", { exact: true }).fill(email);
  if (opts.sub) await page.getByLabel("Subject (sub)").fill(opts.sub);
  if (opts.unverified) await page.getByLabel("Send as unverified (email_verified: false)").check();
  await page.getByRole("button", { name: "Continue" }).click();
}

/** Signs in through SSO in a fresh browser; returns that page (still open). */
async function ssoSignInFresh(browser: Browser, email: string, opts: { sub?: string; unverified?: boolean } = {}) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await ssoSignIn(page, email, opts);
  return page;
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
    await chooseOption(page.locator(`tr[data-email="${email}"]`), `Role of ${email}`, "operator");
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

  test("an identity whose provider did not verify the email is refused, even for the admin's address; audited", async ({ page, browser }) => {
    // the finding: a provider letting users claim any address gave a session as the admin
    const attacker = await ssoSignInFresh(browser, ADMIN, { sub: `attacker-${Date.now()}`, unverified: true });
    await expect(attacker).toHaveURL(/\/login/);
    await expect(alertBox(attacker)).toHaveText(/has not verified this email address/);
    await attacker.goto("/");
    await expect(attacker).toHaveURL(/\/login\?reason=signin/);
    await attacker.context().close();

    await signIn(page, ADMIN);
    await page.goto(`/audit?action=auth.signin&outcome=denied&user=${encodeURIComponent(ADMIN)}`);
    await expect(page.getByTestId("audit-table")).toContainText("email not verified by the identity provider");
  });

  test("once an account is bound to an identity, the same email with another subject is refused; audited", async ({ page, browser }) => {
    const email = `bound-${Date.now()}@example.test`;
    await signIn(page, ADMIN);
    await addUser(page, email, "unused-local-password");

    const first = await ssoSignInFresh(browser, email, { sub: "employee-1" });
    await expect(first).toHaveURL(/\/$/);
    await expect(first.getByRole("link", { name: email })).toBeVisible();
    await first.context().close();

    const impostor = await ssoSignInFresh(browser, email, { sub: "someone-else" });
    await expect(impostor).toHaveURL(/\/login/);
    await expect(alertBox(impostor)).toHaveText(/linked to a different single sign-on identity/);
    await impostor.goto("/");
    await expect(impostor).toHaveURL(/\/login\?reason=signin/);
    await impostor.context().close();

    const again = await ssoSignInFresh(browser, email, { sub: "employee-1" });
    await expect(again).toHaveURL(/\/$/);
    await again.context().close();

    await page.goto(`/audit?action=auth.signin&user=${encodeURIComponent(email)}`);
    const table = page.getByTestId("audit-table");
    await expect(table).toContainText("bound to a different single sign-on identity");
    await expect(table).toContainText("someone-else");
    await expect(table).toContainText("succeeded");
  });
});
