import { expect, test } from "@playwright/test";
import { ADMIN, VIEWER, addUser, alertBox, signIn, trySignIn } from "./helpers";

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

  test("after five wrong passwords an account must wait, even with the right one; other accounts are not affected", async ({ page }) => {
    const email = `throttle-${Date.now()}@example.test`;
    await signIn(page, ADMIN);
    await addUser(page, email, "the-right-password");
    await page.context().clearCookies();
    const attempt = (who: string, password: string) => trySignIn(page, who, password);
    for (let i = 0; i < 5; i++) {
      await attempt(email, `wrong-password-${i}`);
      await expect(alertBox(page)).toHaveText(/Wrong email or password/);
    }
    await attempt(email, "the-right-password");
    await expect(alertBox(page)).toHaveText(/Too many failed sign-ins for this account\. Try again in 1[45] min\./);
    await expect(page).toHaveURL(/\/login/);
    await signIn(page, VIEWER);
  });

  test("a crafted ?error= link cannot put its own words on the sign-in page", async ({ page }) => {
    await page.goto("/login?error=" + encodeURIComponent("Your account is locked, call +1 555 0100"));
    await expect(alertBox(page)).toHaveText("Sign-in failed. Try again, or ask an admin.");
  });

  test("signing out ends the session on the server: a copy of its cookie stops working", async ({ page, browser }) => {
    await signIn(page, VIEWER);
    // the cookie as it was before sign-out, in a second browser
    const copy = await browser.newContext();
    await copy.addCookies(await page.context().cookies());
    const other = await copy.newPage();
    await other.goto("/");
    await expect(other).toHaveURL(/\/$/);
    await expect(other.getByText(VIEWER)).toBeVisible();

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login\?reason=signedout/);

    await other.goto("/");
    await expect(other).toHaveURL(/\/login\?reason=expired/);
    const res = await copy.request.get("/api/auth/session");
    expect(res.ok()).toBe(true);
    expect(await res.json()).toEqual({});
    // and next-auth cleared the cookie instead of re-issuing it
    expect((await copy.cookies()).filter((c) => c.name.endsWith("next-auth.session-token"))).toEqual([]);
    await other.goto("/audit");
    await expect(other).toHaveURL(/\/login\?reason=signin/);
    await copy.close();
  });

  test("an expired or forged session cookie sends you to sign in, saying so", async ({ page, context }) => {
    await context.addCookies([{ name: "next-auth.session-token", value: "forged.or.expired", url: "http://localhost:3100" }]);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login\?reason=expired/);
    await expect(page.getByText("Your session has expired")).toBeVisible();
  });
});
