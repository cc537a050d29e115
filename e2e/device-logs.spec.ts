import { expect, test } from "@playwright/test";
import { OPERATOR, VIEWER, signIn, chooseOption } from "./helpers";

// Device-log triage in the browser (issue #15) on the simulated Center: a
// user's ticket, its replies and uploads, a log downloaded and analysed by
// k2ops (verdict and rule, charts, events by layer, the server's node), the
// raw text filtered by DIAG layer; a crash log's panic with its stack.
test.describe("device logs", () => {
  test("from a user's e-mail to the ticket, its log and a DIAG verdict with its rule, the heartbeat charts and the server's node; the raw log filtered by layer", async ({ page }) => {
    await signIn(page, VIEWER);
    await page.goto("/device-logs");
    // a bad field is named, nothing searched
    await page.getByLabel("User id").fill("abc");
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page.getByTestId("error-userId")).toHaveText("a user id is a number");
    await expect(page.getByTestId("tickets")).toHaveCount(0);

    await page.getByLabel("User id").fill("");
    await page.getByLabel("E-mail (contains)").fill("alice@");
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page).toHaveURL(/email=alice%40/);
    const tickets = page.getByTestId("tickets");
    // her report, and the onboarding tickets Center opened for her private-node orders
    await expect(tickets.locator('tr[data-ticket="fb-7f3a2c91"]')).toHaveCount(1);
    await expect(tickets.locator('tr[data-ticket^="pn-install-"]').first()).toBeVisible();
    await tickets.getByRole("link", { name: "fb-7f3a2c91" }).click();

    await expect(page.getByTestId("ticket")).toContainText("Connected but pages do not load.");
    await expect(page.getByTestId("replies")).toContainText("It started after I changed Wi-Fi.");
    // resolving and replying are an operator's
    await expect(page.getByTestId("ticket-actions")).toHaveCount(0);
    const logs = page.getByTestId("logs");
    await expect(logs.locator("tr[data-log-type]")).toHaveCount(2);
    await logs.locator('tr[data-log-type="service"]').getByRole("link").click();

    // the whole file analysed on the server: UDP blocked → the TCP-WS fallback at least
    const verdict = page.getByTestId("verdict");
    await expect(verdict).toHaveAttribute("data-verdict", /^(WARN|CRITICAL)$/);
    await expect(page.getByTestId("verdict-rules")).toContainText("a heartbeat with fallback=true: running on TCP-WS, QUIC may be blocked");
    await expect(page.getByTestId("findings")).toContainText("QUIC blocked, on TCP-WS");
    await expect(page.getByTestId("heartbeat-charts").locator(".recharts-line").first()).toBeVisible();
    await expect(page.getByTestId("event-counts")).toContainText("quic-handshake-fail");
    await expect(page.getByTestId("event-counts")).toContainText("transport: 3");
    await expect(page.getByTestId("timeline")).toContainText("transport-switch");
    // the server the client used, in the fleet
    await expect(page.getByTestId("server-node").getByRole("link")).toHaveText("jp-tokyo-01 (127.0.0.11)");
    // and its state when the user had the problem: the checklist before it, its meter then (the demo's history)
    await expect(page.getByTestId("server-around")).toContainText(/Around the log's end \(2026-\d\d-\d\d \d\d:\d\d:\d\d UTC\): (no checklist ran before it|the checklist before it)/);
    await expect(page.getByTestId("server-around")).toContainText(/its meter at \d\d:\d\d: [\d.]+ GiB used of \d+ GiB/);

    // the raw log, filtered by the transport layer
    await page.getByRole("link", { name: "raw log" }).first().click();
    await chooseOption(page, "DIAG layer", "transport");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page.getByTestId("raw-count")).toHaveText(/^3 matching lines · page 1 of 1$/);
    const raw = await page.getByTestId("raw-lines").innerText();
    expect(raw.match(/DIAG: (quic-handshake-fail|transport-switch)/g)).toHaveLength(3);
    expect(raw).not.toContain("DIAG: heartbeat");
  });

  test("a crash: the panic and its stack, the verdict PANIC", async ({ page }) => {
    await signIn(page, VIEWER);
    await page.goto("/device-logs?udid=udid-bob-phone");
    const logs = page.getByTestId("logs");
    await logs.locator('tr[data-log-type="crash"]').getByRole("link").click();
    await expect(page.getByTestId("verdict")).toHaveAttribute("data-verdict", "PANIC");
    await expect(page.getByTestId("verdict-rules")).toContainText("any panic in the log");
    await expect(page.getByTestId("panics")).toContainText("runtime error: index out of range [3] with length 3");
    await expect(page.getByTestId("panics").locator("pre")).toContainText("engine/route.go:188");
  });

  test("an operator replies to a ticket (an empty reply refused at its field) and resolves it, with Center's support role; both audited", async ({ page }) => {
    await signIn(page, OPERATOR);
    await page.goto("/device-logs?email=carol%40");
    await page.getByTestId("tickets").getByRole("link", { name: "fb-c0ffee42" }).click();
    const actions = page.getByTestId("ticket-actions");
    await actions.getByRole("button", { name: "Send reply" }).click();
    await expect(actions.getByTestId("error-content")).toHaveText("write the reply");
    await actions.getByLabel("Reply to the user (Center e-mails it)").fill("We switched your DNS upstream; please try again tomorrow morning.");
    await actions.getByRole("button", { name: "Send reply" }).click();
    await expect(page.getByTestId("replies")).toContainText("We switched your DNS upstream");
    await actions.getByTestId("ticket-resolve").click();
    await page.getByRole("dialog").getByRole("button", { name: "Resolve" }).click();
    await expect(page.getByTestId("ticket")).toContainText("resolved");
    await expect(page.getByTestId("ticket")).toContainText("by k2ops:operator@k2ops.local");
    await page.goto("/audit?action=device_logs.ticket.resolve");
    await expect(page.getByTestId("audit-table")).toContainText("succeeded");
    await page.goto("/audit?action=device_logs.ticket.reply");
    await expect(page.getByTestId("audit-table")).toContainText("succeeded");
  });
});
