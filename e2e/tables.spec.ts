import { expect, test } from "@playwright/test";
import { ADMIN, OPERATOR, VIEWER, signIn } from "./helpers";

// The audit and jobs tables (issue 16): sorted by the server from the URL (a header click), and
// a column choice saved per user like the fleet table's.

const saved = (page: import("@playwright/test").Page) => page.waitForResponse((r) => r.request().method() === "POST" && r.request().headers()["next-action"] !== undefined);

test.describe("audit and jobs tables", () => {
  test("the audit log sorts by a header over every page (URL), and its column choice is saved for the user", async ({ browser }) => {
    // sign-ins by three users: the log has rows of each
    for (const who of [VIEWER, OPERATOR]) {
      const p = await browser.newPage();
      await signIn(p, who);
      await p.close();
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, ADMIN);
    await page.goto("/audit?action=auth.signin");
    const table = page.getByTestId("audit-table");
    const whoHeader = page.getByRole("columnheader", { name: "Who" });
    await expect(page.getByRole("columnheader", { name: "When" })).toHaveAttribute("aria-sort", "descending");

    await whoHeader.getByRole("button").click();
    await expect(page).toHaveURL(/[?&]sort=actor(&|$)/);
    await expect(whoHeader).toHaveAttribute("aria-sort", "ascending");
    expect(page.url()).toContain("action=auth.signin");
    const actors = async () => (await table.locator("tbody tr td:nth-child(2) > div:first-child").allTextContents()).map((s) => s.trim());
    // the whole page in order, not only its first row: the newest sign-in (the first row before the
    // sort too) is the admin's own
    const inOrder = async (dir: "asc" | "desc") => {
      const a = await actors();
      const sorted = dir === "asc" ? [...a].sort() : [...a].sort().reverse();
      return new Set(a).size > 1 && a.every((x, i) => x === sorted[i]);
    };
    await expect.poll(() => inOrder("asc")).toBe(true);
    const asc = await actors();
    expect(asc[0]).toBe(ADMIN);
    expect(asc).toEqual([...asc].sort());
    await whoHeader.getByRole("button").click();
    await expect(page).toHaveURL(/[?&]dir=asc|[?&]dir=desc/);
    await expect(whoHeader).toHaveAttribute("aria-sort", "descending");
    await expect.poll(() => inOrder("desc")).toBe(true);
    expect((await actors())[0]).toBe(VIEWER);

    // hide Details: gone after a reload, for this user only
    await page.getByTestId("audit-columns").click();
    let done = saved(page);
    await page.getByRole("menuitemcheckbox", { name: "Details" }).click();
    await done;
    await page.keyboard.press("Escape");
    await expect(page.getByRole("columnheader", { name: "Details" })).toHaveCount(0);
    await page.reload();
    await expect(page.getByRole("columnheader", { name: "Who" })).toHaveAttribute("aria-sort", "descending");
    await expect(page.getByRole("columnheader", { name: "Details" })).toHaveCount(0);
    const other = await browser.newPage();
    await signIn(other, VIEWER);
    await other.goto("/audit");
    await expect(other.getByRole("columnheader", { name: "Details" })).toBeVisible();
    await other.close();
    await page.getByTestId("audit-columns").click();
    done = saved(page);
    await page.getByRole("menuitem", { name: "Reset to default" }).click();
    await done;
    await expect(page.getByRole("columnheader", { name: "Details" })).toBeVisible();
    await page.close();
  });

  test("the jobs list sorts by a header and keeps its column choice; a viewer may choose columns too", async ({ browser, page }) => {
    test.setTimeout(120_000);
    // two jobs, so that the order shows (two verifications of jp-tokyo-01 by an operator)
    const op = await browser.newPage();
    await signIn(op, OPERATOR);
    await op.getByRole("button", { name: "Sync from Center" }).click();
    await expect(op.getByText(/Synced \d+ nodes from Center/)).toBeVisible();
    for (let i = 0; i < 2; i++) {
      await op.goto("/?q=jp-tokyo-01");
      await op.getByRole("button", { name: /^Verify all matching \(\d+\)$/ }).click();
      await op.getByRole("dialog").getByRole("button", { name: /^Verify \d+ nodes?$/ }).click();
      await expect(op.getByTestId("job-progress")).toHaveAttribute("data-status", /succeeded|failed/, { timeout: 60_000 });
    }
    await op.close();

    await signIn(page, VIEWER);
    await page.goto("/operations");
    const ids = () => page.getByTestId("job-list").locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-job")));
    const newestFirst = await ids();
    expect(newestFirst.length).toBeGreaterThanOrEqual(2);
    await expect(page.getByRole("columnheader", { name: "Created" })).toHaveAttribute("aria-sort", "descending");
    await page.getByRole("columnheader", { name: "Created" }).getByRole("button").click();
    await expect(page).toHaveURL(/[?&]dir=asc(&|$)/);
    await expect(page.getByRole("columnheader", { name: "Created" })).toHaveAttribute("aria-sort", "ascending");
    await expect.poll(async () => (await ids()).at(-1)).toBe(newestFirst[0]);

    await page.getByTestId("job-columns").click();
    const done = saved(page);
    await page.getByRole("menuitemcheckbox", { name: "Took" }).click();
    await done;
    await page.keyboard.press("Escape");
    await page.reload();
    await expect(page.getByRole("columnheader", { name: "Progress" })).toBeVisible();
    await expect(page.getByRole("columnheader", { name: "Took" })).toHaveCount(0);
    await expect(page.getByRole("columnheader", { name: "Created" })).toHaveAttribute("aria-sort", "ascending");
  });

  test("the Metering table keeps its column choice for the user", async ({ page }) => {
    await signIn(page, VIEWER);
    await page.goto("/metering");
    const table = page.getByTestId("metering-table");
    await expect(table.getByRole("columnheader", { name: "Mode" })).toBeVisible();
    await page.getByTestId("metering-columns").click();
    const done = saved(page);
    await page.getByRole("menuitemcheckbox", { name: "Mode" }).click();
    await done;
    await page.keyboard.press("Escape");
    await page.reload();
    await expect(table.getByRole("columnheader", { name: "Node" })).toBeVisible();
    await expect(table.getByRole("columnheader", { name: "Mode" })).toHaveCount(0);
    // every row has as many cells as the header
    const cells = await table.locator("tbody tr").first().locator("td").count();
    expect(cells).toBe(await table.locator("thead th").count());
    await page.getByTestId("metering-columns").click();
    await page.getByRole("menuitem", { name: "Reset to default" }).click();
    await expect(table.getByRole("columnheader", { name: "Mode" })).toBeVisible();
  });
});
