import { expect, test } from "@playwright/test";
import { ADMIN, VIEWER, addUser, alertBox, chooseOption, signIn, signOut, trySignIn } from "./helpers";

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
    await chooseOption(page, "Role", "viewer");
    await page.getByRole("button", { name: "Add user" }).click();
    const row = page.locator(`tr[data-email="${email}"]`);
    await expect(row).toBeVisible();

    await chooseOption(row, `Role of ${email}`, "operator");
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

  test("an admin resets a password: the user's open session ends and only the new password works", async ({ page, browser }) => {
    const email = `reset-${Date.now()}@example.test`;
    await signIn(page, ADMIN);
    await addUser(page, email, "first-long-password");
    const row = page.locator(`tr[data-email="${email}"]`);

    // the user is signed in elsewhere
    const theirs = await browser.newContext();
    const them = await theirs.newPage();
    await trySignIn(them, email, "first-long-password");
    await expect(them).toHaveURL(/\/$/);

    await row.getByRole("button", { name: "Reset password" }).click();
    const dialog = page.getByRole("dialog", { name: `Reset password of ${email}` });
    await dialog.getByLabel("New password").fill("short");
    await dialog.getByRole("button", { name: "Set password" }).click();
    await expect(dialog.locator("#err-reset-password")).toContainText("at least 10");
    await dialog.getByLabel("New password").fill("second-long-password");
    await dialog.getByRole("button", { name: "Set password" }).click();
    await expect(page.getByText(`New password set for ${email}`)).toBeVisible();
    await expect(dialog).toHaveCount(0);

    await them.goto("/");
    await expect(them).toHaveURL(/\/login\?reason=expired/);
    await trySignIn(them, email, "first-long-password");
    await expect(alertBox(them)).toHaveText(/Wrong email or password/);
    await trySignIn(them, email, "second-long-password");
    await expect(them).toHaveURL(/\/$/);
    await theirs.close();

    await page.goto(`/audit?action=user.password.reset`);
    await expect(page.getByTestId("audit-table")).toContainText("succeeded");
    await expect(page.getByTestId("audit-table")).not.toContainText("second-long-password");
  });

  test("anyone changes their own password with the current one; then signs in with the new one", async ({ page }) => {
    const email = `self-${Date.now()}@example.test`;
    await signIn(page, ADMIN);
    await addUser(page, email, "first-long-password");
    await signOut(page);

    await trySignIn(page, email, "first-long-password");
    await expect(page).toHaveURL(/\/$/);
    await page.getByRole("link", { name: email }).click();
    await expect(page).toHaveURL(/\/settings\/account$/);
    const form = page.getByRole("form", { name: "Change password" });
    await form.getByLabel("Current password").fill("not-my-password");
    await form.getByLabel("New password", { exact: true }).fill("second-long-password");
    await form.getByLabel("New password again").fill("second-long-password");
    await form.getByRole("button", { name: "Change password" }).click();
    await expect(page.getByText("Your current password is wrong")).toBeVisible();

    await form.getByLabel("New password again").fill("second-long-passwor");
    await form.getByRole("button", { name: "Change password" }).click();
    await expect(form.locator("#err-confirmPassword")).toContainText("differ");

    await form.getByLabel("Current password").fill("first-long-password");
    await form.getByLabel("New password again").fill("second-long-password");
    await form.getByRole("button", { name: "Change password" }).click();
    await expect(page).toHaveURL(/\/login\?reason=password/);
    await trySignIn(page, email, "first-long-password");
    await expect(alertBox(page)).toHaveText(/Wrong email or password/);
    await trySignIn(page, email, "second-long-password");
    await expect(page).toHaveURL(/\/$/);
  });

  test("a mutation sent after the session expired is refused, changes nothing, and is audited as denied", async ({ page }) => {
    const email = `late-${Date.now()}@example.test`;
    await signIn(page, ADMIN);
    await page.goto("/settings/users");
    await signOut(page); // the session cookie is gone while the page stays open
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel("Initial password").fill("a-good-long-password");
    await page.getByRole("button", { name: "Add user" }).click();
    await expect(page.getByText("Your session has expired or you are not signed in")).toBeVisible();

    await signIn(page, ADMIN);
    await page.goto("/settings/users");
    await expect(page.getByTestId("users-table")).toBeVisible();
    await expect(page.locator(`tr[data-email="${email}"]`)).toHaveCount(0);
    await page.goto(`/audit?action=user.create&outcome=denied&user=anonymous`);
    const table = page.getByTestId("audit-table");
    await expect(table).toContainText(email); // the target
    await expect(table).toContainText("Your session has expired");
    await expect(table).not.toContainText("a-good-long-password");
  });
});
