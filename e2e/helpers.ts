import { expect, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "k2ops-demo-pass";
export const ADMIN = "admin@k2ops.local";
export const OPERATOR = "operator@k2ops.local";
export const VIEWER = "viewer@k2ops.local";

export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
}

export async function signOut(page: Page) {
  await page.context().clearCookies();
}

/** Our own alerts (Next.js adds an empty role=alert route announcer to every page). */
export function alertBox(page: Page) {
  return page.locator('[role="alert"]:not(#__next-route-announcer__)');
}
