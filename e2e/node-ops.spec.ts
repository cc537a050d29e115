import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { fleetNodeSecret } from "../simulator/center/seed";
import { ADMIN, OPERATOR, VIEWER, chooseOption, signIn, syncFleetFromCenter } from "./helpers";

const IP = "127.0.0.12"; // jp-tokyo-02: healthy

test.describe("node page operations", () => {
  test.beforeAll(async ({ browser }) => syncFleetFromCenter(browser));

  test("an operator reads status, tails logs, manages the users file, updates and restarts; no secret reaches the page", async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, OPERATOR);
    await page.goto(`/nodes/${IP}`);

    await page.getByRole("button", { name: "Read status" }).click();
    const status = page.getByTestId("node-status");
    await expect(status).toContainText("k2-sidecar");
    await expect(status).toContainText("(healthy)");
    // parsed facts with states, raw output one click away (issue #10 item 15)
    const facts = page.getByTestId("status-facts");
    await expect(facts.locator('[data-fact="disk"]')).toHaveAttribute("data-state", "ok");
    await expect(facts.locator('[data-fact="hop_ports"]')).toContainText("20 of 20 hop ports");
    await expect(facts.locator('[data-fact="container_net"]')).toHaveAttribute("data-state", "ok");
    await expect(facts).not.toContainText("K2OPS");
    await expect(page.getByTestId("env-view")).toContainText("K2_NODE_SECRET=<redacted>", { useInnerText: false });
    await expect(page.getByTestId("env-view")).toContainText("K2_VERSION=v0.4.8-9d7c6f95", { useInnerText: false });

    await chooseOption(page, "Log container", "k2-sidecar");
    await page.getByRole("button", { name: "Tail logs" }).click();
    // the tail is the last lines: after some minutes of status reports the start-up lines have scrolled out of it
    await expect(page.getByTestId("raw-output")).toContainText("Status reported successfully", { useInnerText: false });

    // live follow over SSE shows the sidecar's log (stderr) and keeps streaming; download gives a file
    await page.getByRole("button", { name: "Follow live" }).click();
    await expect(page.getByTestId("log-follow")).toContainText("usage-reporter-cycle-ok", { useInnerText: false });
    await page.getByRole("button", { name: "Stop following" }).click();
    const dl = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download last 5000 lines" }).click();
    expect(fs.readFileSync((await (await dl).path())!, "utf8")).toContain("Registration completed");

    await page.getByRole("button", { name: "Users file", exact: true }).click();
    await expect(page.getByTestId("users-file")).toContainText("pure remote (Center) auth");
    await page.getByLabel("UDID").fill("device-e2e-1");
    await page.getByLabel("Token").fill("tok-e2e-SECRET-123456");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await expect(page.getByTestId("op-result")).toContainText("Add user: added device-e2e-1");
    await page.getByRole("button", { name: "Users file", exact: true }).click();
    await expect(page.getByTestId("users-file")).toContainText("device-e2e-1:••••");
    // bad input is refused with a clear message and nothing is sent
    await page.getByLabel("UDID").fill("bad udid; reboot");
    await page.getByLabel("Token").fill("x");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await expect(page.getByText("Nothing was changed. Invalid udid (1-128 letters, digits, . _ -), token (8-256 URL-safe characters).")).toBeVisible();

    await page.getByRole("button", { name: "Update (pull + up -d)" }).click();
    await page.getByRole("button", { name: "Confirm update (pull + up -d)" }).click();
    await expect(page.getByTestId("op-result")).toContainText("Update: pulled and brought up; verification passed", { timeout: 60_000 });

    await chooseOption(page, "Container to restart", "k2s");
    await page.getByRole("button", { name: "Restart", exact: true }).click();
    await expect(page.getByRole("dialog", { name: "Confirm Restart" })).toContainText("does NOT re-read .env");
    await page.getByRole("button", { name: "Confirm restart" }).click();
    await expect(page.getByTestId("op-result")).toContainText("Restart k2s: k2s restarted");

    const html = await page.content();
    expect(html).not.toContain(fleetNodeSecret(IP));
    expect(html).not.toContain("tok-e2e-SECRET-123456");

    await page.goto(`/audit?node=${IP}&user=operator@`);
    const audit = page.getByTestId("audit-table");
    for (const a of ["node.users.add", "node.update", "node.restart"]) await expect(audit).toContainText(a);
    expect(await page.content()).not.toContain("tok-e2e-SECRET-123456");
    // the refused add (malformed input) is audited as denied
    await page.goto("/audit?action=node.users.add&outcome=denied");
    await expect(page.getByTestId("audit-table")).toContainText("Nothing was changed. Invalid udid");
  });

  test("an operator edits .env through the form: secrets write-only, diff before writing, custom domain admin-only", async ({ page }) => {
    test.setTimeout(90_000);
    await signIn(page, OPERATOR);
    await page.goto("/nodes/127.0.0.14");
    await page.getByRole("button", { name: "Edit .env" }).click();
    const form = page.getByRole("form", { name: ".env editor" });
    await expect(form.getByLabel("K2_VERSION")).toHaveValue("v0.4.8-9d7c6f95");
    await expect(form.getByLabel("K2_NODE_SECRET")).toHaveValue("");
    await expect(form.getByLabel("K2_DOMAIN")).toBeDisabled();
    await form.getByLabel("K2_VERSION").fill("latest");
    await form.getByRole("button", { name: "Preview changes" }).click();
    // the refusal is shown at its field, with the reason
    await expect(form.getByTestId("env-problem-K2_VERSION")).toHaveText(/Use a pinned tag/);
    await expect(form.getByRole("button", { name: "Apply" })).toHaveCount(0);
    // impossible values are refused at their field too; enumerated ones are selects
    await form.getByLabel("K2_VERSION").fill("v0.4.8-9d7c6f95");
    await form.getByLabel("K2_NODE_BILLING_START_DATE").fill("2026-02-31");
    await form.getByLabel("K2_JUMP_PORT_MIN").fill("50000");
    await form.getByRole("button", { name: "Preview changes" }).click();
    await expect(form.getByTestId("env-problem-K2_NODE_BILLING_START_DATE")).toHaveText(/Not a real calendar date/);
    await expect(form.getByTestId("env-problem-K2_JUMP_PORT_MIN")).toHaveText(/above max \(40019, the default/);
    await expect(form.getByRole("button", { name: "Apply" })).toHaveCount(0);
    await form.getByLabel("K2_NODE_BILLING_START_DATE").fill("2026-01-31");
    await form.getByLabel("K2_JUMP_PORT_MIN").fill("");
    await form.getByRole("button", { name: "Preview changes" }).click();
    await expect(form.getByTestId("env-warning-K2_NODE_BILLING_START_DATE").filter({ hasText: /Day 31 is missing from some months/ })).toBeVisible();
    // a Lightsail node (Center's inventory) billed off the 1st is warned as well
    await expect(form.getByTestId("env-warning-K2_NODE_BILLING_START_DATE").filter({ hasText: /Lightsail resets/ })).toBeVisible();
    await form.getByLabel("K2_NODE_BILLING_START_DATE").fill("2026-01-01");
    await chooseOption(form, "K2_LOG_LEVEL", "warn");
    await form.getByRole("button", { name: "Preview changes" }).click();
    await expect(page.getByTestId("env-diff")).toContainText("K2_LOG_LEVEL");
    await form.getByRole("button", { name: "Apply" }).click();
    await form.getByRole("button", { name: "Confirm: write .env and run pull + up -d" }).click();
    await expect(page.getByText(/1 \.env change\(s\) applied with up -d; verification passed/)).toBeVisible({ timeout: 60_000 });
    expect(await page.content()).not.toContain(fleetNodeSecret("127.0.0.14"));
  });

  test("§8: an AWS node reboots through the Lightsail API after typing its name; a non-Lightsail node is not offered it", async ({ page }) => {
    await signIn(page, OPERATOR);
    await page.goto("/nodes/127.0.0.11");
    await page.getByRole("button", { name: "Reboot (Lightsail)" }).click();
    await page.getByLabel("Type the node name to confirm").fill("jp-tokyo-01");
    await page.getByRole("button", { name: "Confirm reboot (lightsail)" }).click();
    await expect(page.getByTestId("op-result")).toContainText("Lightsail reboot of");
    // only what applies to the node is offered (issue #10 item 13): Aliyun and Tencent nodes have no Lightsail reboot
    for (const ip of ["127.0.0.18", "127.0.0.20"]) {
      await page.goto(`/nodes/${ip}`);
      await expect(page.getByRole("button", { name: "Read status" })).toBeVisible();
      await expect(page.getByRole("button", { name: "Reboot (Lightsail)" })).toHaveCount(0);
    }
  });

  test("an un-migrated node shows the DIR-migration warning", async ({ page }) => {
    await signIn(page, OPERATOR);
    await page.goto("/nodes/127.0.0.19");
    await page.getByRole("button", { name: "Read status" }).click();
    await expect(page.locator('[data-detector="unmigrated"]')).toBeVisible();
    // pushing the name: k2s compose there is refused on the node (DIR-migration guard)
    await page.getByRole("button", { name: "Push compose" }).click();
    await page.getByRole("button", { name: "Confirm push compose" }).click();
    await expect(page.getByText(/DIR-MIGRATION GUARD/).first()).toBeVisible({ timeout: 30_000 });
  });

  test("an operator pushes the canonical compose: md5 compared, nothing restarted", async ({ page }) => {
    await signIn(page, OPERATOR);
    await page.goto("/nodes/127.0.0.22");
    await expect(page.getByRole("form", { name: "SSH override" })).toHaveCount(0);
    await page.getByRole("button", { name: "Push compose" }).click();
    await page.getByRole("button", { name: "Confirm push compose" }).click();
    await expect(page.getByTestId("op-result")).toContainText("Push compose: compose already up to date", { timeout: 30_000 });
  });

  test("an admin sets a per-node SSH port; bad input is refused; a wrong port gives a clear error", async ({ page }) => {
    await signIn(page, ADMIN);
    await page.goto("/nodes/127.0.0.22");
    const form = page.getByRole("form", { name: "SSH override" });
    await form.getByLabel("Port").fill("70000");
    await form.getByRole("button", { name: "Save SSH settings" }).click();
    await expect(form.getByText("port 1-65535")).toBeVisible();
    await form.getByLabel("Port").fill("2222");
    await form.getByRole("button", { name: "Save SSH settings" }).click();
    await expect(page.getByText("ubuntu@127.0.0.22:2222 (per-node override)")).toBeVisible();
    // nothing listens on 2222: a clear error, nothing changed; then back to the default
    await page.getByRole("button", { name: "Read status" }).click();
    await expect(page.getByText(/Nothing was changed/).first()).toBeVisible({ timeout: 30_000 });
    await form.getByLabel("Port").fill("");
    await form.getByRole("button", { name: "Save SSH settings" }).click();
    await expect(page.getByText("ubuntu@127.0.0.22:1022", { exact: true })).toBeVisible();
    await page.getByRole("button", { name: "Read status" }).click();
    await expect(page.getByTestId("node-status")).toContainText("(healthy)");
  });

  test("a viewer can read but has no operation buttons", async ({ page }) => {
    await signIn(page, VIEWER);
    await page.goto(`/nodes/${IP}`);
    await expect(page.getByRole("button", { name: "Read status" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Update (pull + up -d)" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /Restart/ })).toHaveCount(0);
  });
});
