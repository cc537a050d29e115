import { expect, test } from "@playwright/test";
import { OPERATOR, VIEWER, signIn, signOut, syncFleetFromCenter } from "./helpers";

// The meter data comes the way the demo's other state does: the console's demo
// start-up (scripts/console.ts -> scripts/demo-meter-history.ts) backfills three
// cycles of history for every simulated machine that meters, ending at the
// node's own traffic.state; the live meter poll then carries on. 127.0.0.15
// (au-sydney-01) is cut: its used is over limit − 500 MiB and k2s is paused.

const RISK = ["cut", "warning", "ok", "unlimited", "metering-off", "unknown"];

test.describe("metering", () => {
  test.beforeAll(async ({ browser }) => syncFleetFromCenter(browser));

  test("the Metering page lists every metered node with its gauge, sorted by risk, and the fleet's charts with table views", async ({ page }) => {
    await signIn(page, VIEWER);
    await page.getByRole("link", { name: "Metering", exact: true }).click();
    const rows = page.getByTestId("metering-table").locator("tbody tr[data-ip]");
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(10);
    const states = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-state") ?? ""));
    // sorted by risk: cut first, then warning, ok, unlimited, uncapped, not read
    expect(states.map((s) => RISK.indexOf(s))).toEqual([...states.map((s) => RISK.indexOf(s))].sort((a, b) => a - b));
    await expect(rows.first()).toHaveAttribute("data-state", "cut");
    const sydney = page.getByTestId("metering-table").locator('tr[data-ip="127.0.0.15"]');
    await expect(sydney).toHaveAttribute("data-state", "cut");
    await expect(sydney.getByTestId("projected-cut")).toHaveText("cut now");
    // every row has its gauge (a meter with a value for every node with a limit)
    const count = await rows.count();
    await expect(page.getByTestId("metering-table").getByRole("meter")).toHaveCount(count);
    const tokyo = page.getByTestId("metering-table").locator('tr[data-ip="127.0.0.11"]');
    await expect(tokyo.getByRole("meter", { name: "Quota used on jp-tokyo-01" })).toHaveAttribute("aria-valuenow", /^\d+(\.\d)?$/);
    await expect(tokyo.getByTestId("percent-used")).toHaveText(/^\d+\.\d%$/);

    // sorting is in the URL: by % used, most first
    await page.getByRole("button", { name: "% used" }).click();
    await expect(page).toHaveURL(/sort=used/);
    const pcts = await rows.evaluateAll((trs) => trs.map((tr) => parseFloat(tr.querySelector('[data-testid="percent-used"]')?.textContent ?? "") || -1));
    expect(pcts).toEqual([...pcts].sort((a, b) => b - a));

    // fleet traffic over time and the top consumers: charts, and the same data as tables
    for (const id of ["fleet-totals", "top-consumers"]) {
      const card = page.getByTestId(id);
      await expect(card.locator("svg.recharts-surface[role=application]").first()).toBeVisible();
      await card.getByRole("tab", { name: "Table" }).click();
      await expect(card.getByRole("table").locator("tbody tr").first()).toContainText("GiB");
    }
    await page.getByRole("button", { name: "7 days" }).click();
    await expect(page).toHaveURL(/range=7d/);
    await expect(page.getByTestId("fleet-totals")).toContainText("per hour");
  });

  test("a node's gauge, cycle chart with its table view, previous cycles and the provider's figure", async ({ page }) => {
    test.setTimeout(240_000);
    await signIn(page, VIEWER);
    await page.goto("/nodes/127.0.0.11");
    const section = page.getByTestId("node-metering");
    const gauge = section.getByRole("meter", { name: "Quota used on jp-tokyo-01" });
    await expect(gauge).toBeVisible();
    await expect(gauge).toHaveAttribute("data-state", /^(ok|warning)$/);
    await expect(section.getByTestId("quota-percent")).toHaveText(/^\d+\.\d%$/);
    await expect(section.getByTestId("quota-figures")).toContainText(/GiB of 1,536 GiB/);
    // the cycle as the sidecar computes it for billing day 1, the mode, the seed, the projection
    await expect(section.getByTestId("meter-cycle")).toContainText(/\d{4}-\d\d-01 00:00 UTC → \d{4}-\d\d-01 00:00 UTC · billing day 1/);
    await expect(section.getByTestId("meter-mode")).toHaveText("rx + tx (sum)");
    await expect(section.getByTestId("meter-seed")).toHaveText(/none|GB/);
    await expect(section.getByTestId("meter-projection")).not.toBeEmpty();
    // the provider's figure (Center's cloud instance; read once a minute after start, then every 30 min) beside the node's
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId("node-metering").getByTestId("provider-figure")).toContainText(/(Center cloud instance|Lightsail NetworkIn\+NetworkOut) \((sum|max|out|counter)\): [\d,.]+ GiB.*provider − node = /, { timeout: 2000 });
    }).toPass({ timeout: 150_000, intervals: [5000] });

    const chart = section.getByTestId("cycle-chart");
    await expect(chart.locator("svg.recharts-surface[role=application]")).toBeVisible();
    await expect(chart.locator(".recharts-area-curve")).toHaveCount(1); // used
    await chart.getByRole("tab", { name: "Table" }).click();
    const table = chart.getByTestId("cycle-table");
    await expect(table.locator("tbody tr").first()).toContainText(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    await expect(table.locator("tbody tr").last()).toContainText("GiB");
    // the reset into this cycle is one of the meter's events, in words
    await expect(chart.getByTestId("annotation-table")).toContainText("cycle reset");
    // the previous cycle holds the simulated machine's reboot
    await chart.getByRole("button", { name: "Previous cycle" }).click();
    await expect(chart.getByTestId("cycle-table").locator("tbody tr").first()).toContainText("GiB");
    await chart.getByRole("tab", { name: "Chart" }).click();
    await expect(chart.locator("svg.recharts-surface[role=application]")).toBeVisible();

    const history = section.getByTestId("cycle-history");
    await expect(history.locator("svg.recharts-surface[role=application]")).toBeVisible();
    await history.getByRole("tab", { name: "Table" }).click();
    await expect(history.getByTestId("cycle-history-table").locator("tbody tr")).toHaveCount(4);
    await expect(history.getByTestId("cycle-history-table")).toContainText("(current, so far)");

    // a cut node says so
    await page.goto("/nodes/127.0.0.15");
    await expect(page.getByTestId("node-metering").getByRole("meter", { name: /Quota used on/ })).toHaveAttribute("data-state", "cut");
    await expect(page.getByTestId("node-metering").getByTestId("meter-projection")).toContainText("cut now");
  });

  test("the fleet table's Quota column shows % used and the state", async ({ page }) => {
    await signIn(page, VIEWER);
    const tokyo = page.locator('[data-ip="127.0.0.11"]').getByTestId("quota-cell");
    await expect(tokyo).toHaveText(/^\d+% (ok|warn)$/);
    const sydney = page.locator('[data-ip="127.0.0.15"]').getByTestId("quota-cell");
    await expect(sydney).toHaveAttribute("data-state", "cut");
    await expect(sydney).toHaveText(/^\d+% cut$/);
  });

  test("the audits list the metering-off node with its fix; the fix opens the node's quota panel prefilled; a viewer gets no fix", async ({ page }) => {
    await signIn(page, OPERATOR);
    await page.goto("/metering");
    const off = page.getByTestId("audit-metering-off");
    await expect(off).toContainText("Metering off (uncapped)");
    // the demo's metering-off node (the Metering table shows it in that state)
    const offIp = await page.getByTestId("metering-table").locator('tr[data-ip][data-state="metering-off"]').first().getAttribute("data-ip");
    expect(offIp).toBeTruthy();
    const finding = off.locator(`[data-testid="audit-finding"][data-ipv4="${offIp}"]`);
    await expect(finding).toContainText("critical");
    await expect(finding).toContainText("uncapped");
    // the audits that found nothing are named, not left out
    await expect(page.getByTestId("audits-clean")).toContainText("Nothing found:");
    const fix = finding.getByTestId("audit-fix");
    await expect(fix).toHaveText("Configure quota");
    const href = new URL((await fix.getAttribute("href"))!, "http://x");
    await fix.click();
    await expect(page).toHaveURL(new RegExp(`/nodes/${offIp!.replace(/\./g, "\\.")}\\?quota=configure`));
    const form = page.getByRole("form", { name: "Configure quota" });
    await expect(form).toBeVisible();
    // the form starts with the fix's values
    for (const [param, input] of [["day", "#quota-billingDay"], ["limit", "#quota-limitGb"]] as const) {
      const v = href.searchParams.get(param);
      if (v !== null) await expect(form.locator(input)).toHaveValue(v);
    }
    const mode = href.searchParams.get("mode");
    if (mode !== null) await expect(form.getByRole("combobox", { name: "Billing mode" })).toHaveText(mode === "sum" ? "rx + tx (sum)" : "max(rx, tx)");
    expect(href.searchParams.get("limit") ?? href.searchParams.get("mode")).not.toBeNull();

    await signOut(page);
    await signIn(page, VIEWER);
    await page.goto("/metering");
    await expect(page.getByTestId("audit-metering-off").locator(`[data-ipv4="${offIp}"]`)).toBeVisible();
    await expect(page.getByTestId("audit-metering-off").getByTestId("audit-fix")).toHaveCount(0);
  });

  test("an operator changes a node's quota end to end: bad input refused at its field, the change applied with up -d k2-sidecar, verified, shown and audited", async ({ page }) => {
    test.setTimeout(180_000);
    const IP = "127.0.0.18"; // hk.aliyun.wm01: healthy, metered
    await signIn(page, OPERATOR);
    await page.goto(`/nodes/${IP}#quota`);
    const panel = page.getByTestId("quota-operations");
    const form = panel.getByRole("form", { name: "Configure quota" });
    await expect(form).toBeVisible({ timeout: 30_000 });
    const limit = Number(await form.locator("#quota-limitGb").inputValue());
    expect(limit).toBeGreaterThan(0);
    // a day that no month has: refused at its field, nothing asked, nothing sent
    await form.locator("#quota-billingDay").fill("32");
    await form.getByRole("button", { name: "Apply with up -d k2-sidecar…" }).click();
    await expect(form.getByTestId("error-quota-billingDay")).toHaveText("1-31");
    await expect(page.getByRole("dialog")).toHaveCount(0);
    await form.getByRole("button", { name: "Reset to derived" }).click();

    // the change: 100 GB more, same day and mode
    const next = limit + 100;
    await form.locator("#quota-limitGb").fill(String(next));
    await form.getByRole("button", { name: "Apply with up -d k2-sidecar…" }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog).toContainText(`K2_NODE_TRAFFIC_LIMIT_GB=${next}`);
    await expect(dialog).toContainText("up -d, never restart");
    await dialog.getByRole("button", { name: "Apply" }).click();
    const result = panel.getByTestId("quota-result");
    await expect(result).toContainText("Configure quota: verified", { timeout: 90_000 });
    await expect(result).toContainText("up -d k2-sidecar");
    await expect(result).not.toContainText("restart k2-sidecar");
    // the panel and the node's gauge show the new limit (the operation stores the reading it verified with)
    await expect(panel).toContainText(`/ ${next} GB`);
    await expect(page.getByTestId("node-metering").getByTestId("quota-figures")).toContainText(`of ${next.toLocaleString("en-US")} GiB`);

    await page.goto(`/audit?action=node.meter.configure&node=${IP}`);
    const audit = page.getByTestId("audit-table");
    await expect(audit).toContainText("succeeded");
    await expect(audit).toContainText(String(next));
    await expect(audit).not.toContainText("failed");

    // a viewer sees the quota, not the operations
    await signOut(page);
    await signIn(page, VIEWER);
    await page.goto(`/nodes/${IP}`);
    await expect(page.getByTestId("quota-operations")).toContainText(`/ ${next} GB`);
    await expect(page.getByRole("form", { name: "Configure quota" })).toHaveCount(0);
  });
});
