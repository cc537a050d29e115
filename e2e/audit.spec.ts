import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { ADMIN, VIEWER, alertBox, chooseOption, signIn } from "./helpers";

test.describe("audit log", () => {
  test("records sign-ins and denials, filters via the URL, and exports CSV without secrets", async ({ page }) => {
    // a failed sign-in attempt to be found later
    await page.goto("/login");
    await page.getByLabel("Email").fill(VIEWER);
    await page.getByLabel("Password").fill("wrong-password-123");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(alertBox(page)).toBeVisible();

    await signIn(page, ADMIN);
    await page.goto("/audit?action=auth.signin&outcome=denied");
    const table = page.getByTestId("audit-table");
    await expect(table).toContainText(VIEWER);
    await expect(table).toContainText("wrong email or password");
    await expect(table).not.toContainText("wrong-password-123");
    // the filter form reflects the URL
    await expect(page.getByRole("combobox", { name: "Outcome" })).toHaveText("denied");
    // "any" submits an empty value, as the native select did (never the list's stand-in for it)
    await chooseOption(page, "Outcome", "any");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/[?&]outcome=(&|$)/);
    expect(page.url()).toContain("action=auth.signin");
    await expect(page.getByRole("combobox", { name: "Outcome" })).toHaveText("any");
    await expect(page.getByTestId("audit-table")).toContainText(ADMIN);

    await page.goto("/audit?action=auth.signin&outcome=succeeded&user=admin@");
    await expect(page.getByTestId("audit-table")).toContainText(ADMIN);
    await expect(page.getByTestId("audit-table")).not.toContainText("denied");

    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Export CSV" }).click();
    const file = await (await download).path();
    const csv = fs.readFileSync(file!, "utf8");
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe("at,actorEmail,actorRole,action,targetType,targetId,status,durationMs,ip,userAgent,requestId,params,result,error");
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(1).every((l) => l.includes("auth.signin") && l.includes("succeeded"))).toBe(true);
    expect(csv).not.toContain("k2ops-demo-pass");
  });

  test("the export is refused without a session", async ({ request }) => {
    const res = await request.get("/api/audit/export");
    expect(res.status()).toBe(401);
  });
});
