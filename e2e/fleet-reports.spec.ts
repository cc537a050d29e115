import { expect, test } from "@playwright/test";
import { fleetNodeSecret } from "../simulator/center/seed";
import { OPERATOR, VIEWER, signIn, syncFleetFromCenter } from "./helpers";

// Fleet reports beside rollouts (runbook §6.5-6.6, issue #12): each a durable job
// with a result table and a CSV export. The demo's 127.0.0.19 is un-migrated
// (/apps/kaitu-slave): the users-file audit must count it against the gate, never a clean 0.

const HEALTHY = "127.0.0.11";
const UNMIGRATED = "127.0.0.19";

test.describe("fleet reports", () => {
  test.beforeAll(async ({ browser }) => syncFleetFromCenter(browser));

  test("an operator audits the users files of a selection: the un-migrated node blocks, the healthy one is clean; the CSV holds the rows and no secret", async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, OPERATOR);
    await page.goto("/operations/reports");
    const start = page.getByTestId("report-start");
    await start.getByLabel("a selection").check();
    // a bad address is refused, nothing started
    await start.getByLabel(/Node IPv4s/).fill("127.0.0.999");
    await start.getByTestId("start-users-audit").click();
    await expect(start.getByRole("alert")).toContainText("is not an IPv4 address");
    await start.getByLabel(/Node IPv4s/).fill(`${HEALTHY}, ${UNMIGRATED}`);
    await start.getByTestId("start-users-audit").click();
    await expect(page).toHaveURL(/\/operations\/reports\?report=/);
    const report = page.getByTestId("report");
    await expect(report.getByTestId("report-job-status")).toHaveText(/succeeded|failed|halted/, { timeout: 90_000 });
    await expect(report.getByTestId("report-verdict")).toHaveAttribute("data-state", "blocked");
    await expect(report.getByTestId("report-verdict")).toContainText("BLOCKED: 1 dirty node(s)");
    const rows = report.getByTestId("report-rows");
    await expect(rows.locator(`tr[data-node="${HEALTHY}"]`)).toHaveAttribute("data-state", "clean");
    // its /apps/k2s/users is not the file its k2s reads: unreadable (counted dirty), never a clean 0, with the reason
    const unmigrated = rows.locator(`tr[data-node="${UNMIGRATED}"]`);
    await expect(unmigrated).toHaveAttribute("data-state", "unreadable");
    await expect(unmigrated).toContainText("un-migrated");
    await expect(unmigrated).toContainText("migrate the directory first");

    const [download] = await Promise.all([page.waitForEvent("download"), report.getByTestId("report-csv").click()]);
    expect(download.suggestedFilename()).toMatch(/^users-file-audit-.+\.csv$/);
    const csv = await (await download.createReadStream()).toArray().then((parts) => Buffer.concat(parts).toString("utf8"));
    expect(csv.split("\r\n")[0]).toMatch(/ipv4/i);
    expect(csv).toContain(HEALTHY);
    expect(csv).toContain(UNMIGRATED);
    for (const ip of [HEALTHY, UNMIGRATED]) expect(csv).not.toContain(fleetNodeSecret(ip));
  });

  test("the auth-rollout report sums a node's DIAG: auth-rollout lines over the window; a viewer reads reports but cannot start one", async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, OPERATOR);
    await page.goto("/operations/reports");
    const start = page.getByTestId("report-start");
    await start.getByLabel("Window (1h–30d)").fill("45d");
    await expect(start.getByTestId("start-auth-report")).toBeDisabled();
    await start.getByLabel("Window (1h–30d)").fill("1h");
    await start.getByLabel("a selection").check();
    await start.getByLabel(/Node IPv4s/).fill(HEALTHY);
    await start.getByTestId("start-auth-report").click();
    const report = page.getByTestId("report");
    await expect(report.getByTestId("report-job-status")).toHaveText(/succeeded|failed|halted/, { timeout: 90_000 });
    const row = report.getByTestId("report-rows").locator(`tr[data-node="${HEALTHY}"]`);
    await expect(row).toHaveAttribute("data-state", "ok");
    await expect(report.getByTestId("report-fleet")).toBeVisible();
    const url = page.url();

    await page.context().clearCookies();
    await signIn(page, VIEWER);
    await page.goto(url);
    await expect(page.getByTestId("report-readonly")).toBeVisible();
    await expect(page.getByTestId("report-start")).toHaveCount(0);
    await expect(page.getByTestId("report").getByTestId("report-rows").locator(`tr[data-node="${HEALTHY}"]`)).toHaveAttribute("data-state", "ok");
  });
});
