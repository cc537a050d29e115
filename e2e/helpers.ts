import { expect, type Browser, type Locator, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "k2ops-demo-pass";
export const ADMIN = "admin@k2ops.local";
export const OPERATOR = "operator@k2ops.local";
export const VIEWER = "viewer@k2ops.local";

/** Submits the sign-in form; the caller checks what follows. */
export async function trySignIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await trySignIn(page, email, password);
  await expect(page).toHaveURL(/\/$/);
}

/** As the signed-in admin: adds a local account on Settings → Users. */
export async function addUser(page: Page, email: string, password: string) {
  await page.goto("/settings/users");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Initial password").fill(password);
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.locator(`tr[data-email="${email}"]`)).toBeVisible();
}

export async function signOut(page: Page) {
  await page.context().clearCookies();
}

/** Our own alerts (Next.js adds an empty role=alert route announcer to every page). */
export function alertBox(page: Page) {
  return page.locator('[role="alert"]:not(#__next-route-announcer__)');
}

/** As the admin, in a page of its own: syncs the fleet table from Center (specs that need the demo nodes). */
export async function syncFleetFromCenter(browser: Browser) {
  const page = await browser.newPage();
  await signIn(page, ADMIN);
  await page.getByRole("button", { name: "Sync from Center" }).click();
  await expect(page.getByText(/Synced \d+ nodes/)).toBeVisible();
  await page.close();
}

/**
 * Chooses an option of a select (Radix Select: a role="combobox" button and a role="listbox" popup)
 * the way a user does: opens the combobox found by its accessible name (within `scope`), clicks the
 * option by its role and name, and waits for the list to close.
 */
export async function chooseOption(scope: Page | Locator, name: string | RegExp, option: string | RegExp) {
  const page = "page" in scope ? scope.page() : scope;
  const combobox = scope.getByRole("combobox", { name, exact: true });
  await combobox.click();
  const listbox = page.getByRole("listbox");
  await listbox.getByRole("option", { name: option, exact: true }).click();
  await expect(listbox).toHaveCount(0);
  await expect(combobox).toHaveText(option);
}
