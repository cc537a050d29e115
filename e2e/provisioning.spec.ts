import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { OPERATOR, VIEWER, signIn, chooseOption } from "./helpers";

// the e2e console's state directory (playwright.config.ts): the simulated machines' files live under it
const DATA = process.env.E2E_DATA_DIR ?? "/tmp/k2ops-e2e";

test.describe("provisioning", () => {
  test("the Provisioning page lists Center's work items with what each asks for and Center's deadline; filters live in the URL", async ({ page }) => {
    await signIn(page, VIEWER);
    await page.goto("/provisioning");
    const table = page.getByTestId("work-items");
    // the simulated Center's queue: three provision items from payments
    const queued = table.locator('tr[data-action="provision"][data-status="queued"]');
    await expect(queued).toHaveCount(3);
    // and an admin's change_ip for the private node pn-1001
    await expect(table.locator('tr[data-action="change_ip"][data-status="queued"]')).toHaveCount(1);
    await expect(page.getByTestId("work-items-summary")).toContainText("4 queued");
    const tokyo = queued.filter({ hasText: "ap-tokyo · 1,000 GiB a month sold · non_residential" });
    await expect(tokyo).toHaveCount(1);
    await expect(tokyo.getByTestId("deadline")).toHaveText(/^\d+:\d\d left$/);
    await expect(tokyo.getByTestId("deadline")).toHaveAttribute("title", /Center fails it if the node has not registered within \d+ min/);
    await expect(queued.filter({ hasText: "us-virginia · 2,000 GiB a month sold · residential" })).toHaveCount(1);
    // a viewer reads; claiming is an operator's
    await expect(table.getByRole("button", { name: "Claim" })).toHaveCount(0);

    await chooseOption(page, "Status", "done");
    await expect(page).toHaveURL(/\?status=done/);
    await expect(table.locator('tr[data-status="queued"]')).toHaveCount(0);
    const rows = table.locator("tr[data-status]");
    for (const s of await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-status")))) expect(s).toBe("done");
    // a stale or hand-typed filter is "all", not an error
    await page.goto("/provisioning?status=bogus&action=provision");
    await expect(table.locator('tr[data-action="provision"][data-status="queued"]')).toHaveCount(3);
    await expect(table.locator('tr[data-action]:not([data-action="provision"])')).toHaveCount(0);
  });

  test("an operator claims a queued item (its one-time token sealed, never shown) and gives it up: Center records it failed with the reason; both audited", async ({ page }) => {
    await signIn(page, OPERATOR);
    await page.goto("/provisioning?action=provision");
    const table = page.getByTestId("work-items");
    const item = table.locator('tr[data-action="provision"]').filter({ hasText: "ap-singapore · 500 GiB a month sold" });
    await expect(item).toHaveAttribute("data-status", "queued");
    const id = (await item.getAttribute("data-id"))!;
    await item.getByRole("button", { name: "Claim" }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog).toContainText(`Claim work item ${id}?`);
    await expect(dialog).toContainText("30-minute provisioning deadline");
    await dialog.getByRole("button", { name: "Claim" }).click();
    const row = table.locator(`tr[data-id="${id}"]`);
    await expect(row).toHaveAttribute("data-status", "claimed");
    await expect(row).toContainText("k2ops:operator@k2ops.local");
    await expect(row.getByTestId("run-state")).toHaveAttribute("data-run-status", "claimed");
    await expect(row.getByTestId("run-state")).toContainText("next: choose · claim token sealed");
    await expect(row.getByRole("button", { name: "Claim" })).toHaveCount(0);
    // the token (64 hex) is on no row of the page
    expect(await table.innerText()).not.toMatch(/[0-9a-f]{64}/);

    // giving it up: a reason is required, the item's number typed
    await row.getByRole("button", { name: "Abort…" }).click();
    const abort = page.getByRole("dialog");
    await abort.getByLabel(`Type ${id} to confirm`).fill(id);
    await abort.getByRole("button", { name: "Abort the work item" }).click();
    await expect(abort.getByTestId("abort-error")).toContainText("say why");
    await abort.getByLabel("Reason (Center records it)").fill("wrong region for this customer");
    await abort.getByRole("button", { name: "Abort the work item" }).click();
    await expect(row).toHaveAttribute("data-status", "failed");
    await expect(row).toContainText(`aborted in k2ops by ${OPERATOR}: wrong region for this customer`);
    await expect(row.getByTestId("run-state")).toHaveAttribute("data-run-status", "aborted");

    for (const action of ["provisioning.claim", "provisioning.abort"]) {
      await page.goto(`/audit?action=${action}`);
      await expect(page.getByTestId("audit-table")).toContainText("succeeded");
      await expect(page.getByTestId("audit-table")).toContainText(id);
    }
  });

  test("an operator takes a queued item through the wizard to a registered private node: the rules on every option, a floating version refused at its field, then VPS, OS, .env, deploy, registration and checklist on the stepper", async ({ page }) => {
    test.setTimeout(900_000);
    await signIn(page, OPERATOR);
    await page.goto("/provisioning?action=provision");
    const table = page.getByTestId("work-items");
    const item = table.locator('tr[data-action="provision"][data-status="queued"]').filter({ hasText: "us-virginia · 2,000 GiB a month sold · residential" });
    const id = (await item.getAttribute("data-id"))!;
    await item.getByRole("button", { name: "Claim" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Claim" }).click();
    const row = table.locator(`tr[data-id="${id}"]`);
    await expect(row).toHaveAttribute("data-status", "claimed");
    await row.getByRole("link", { name: "Open the wizard →" }).click();
    await expect(page).toHaveURL(new RegExp(`/provisioning/${id}$`));
    const form = page.getByRole("form", { name: "Choose where the node runs" });
    await expect(page.getByRole("heading", { level: 1 })).toContainText(/Provision pn-\d+/);
    // the item's region preselected on an account that offers it; Lightsail's rule shown
    await expect(form.locator("#choose-region")).toContainText(/^us-virginia · /);
    await expect(page.getByTestId("metering-rule")).toContainText("resets on the 1st (billing day 1)");
    // the first plan offered fits 2,000 GiB + headroom, and says by how much; a short one says so too
    await expect(form).toContainText(/GB above the sold 2000 GiB/);
    // (a Radix list: its options exist while it is open)
    const pick = async (trigger: string, option: { name?: RegExp; first?: true }) => {
      await form.locator(trigger).click();
      const options = page.getByRole("listbox").getByRole("option", option.name ? { name: option.name } : undefined);
      await options.first().click();
      await expect(page.getByRole("listbox")).toHaveCount(0);
    };
    await pick("#choose-plan", { name: /^✗ / });
    await expect(form.locator("#choose-plan")).toContainText(/^✗ /);
    await expect(form).toContainText(/GB short of the sold 2000 GiB/);
    await pick("#choose-plan", { first: true });
    await expect(form.locator("#choose-plan")).not.toContainText("✗");
    // Ubuntu only: another image is marked and explained
    await pick("#choose-image", { name: /Debian/ });
    await expect(form).toContainText("provision-node.sh runs on Ubuntu only");
    await pick("#choose-image", { first: true });
    // a floating tag is refused at its field, nothing sent
    // the fleet's pinned tag once k2ops has read the nodes' versions; before that the operator types it
    let pinned = await form.locator("#choose-version").inputValue();
    if (!pinned) {
      await expect(form).toContainText("no pinned tag in the fleet yet");
      pinned = "v0.4.8-9d7c6f95";
    }
    expect(pinned).toMatch(/^v\d+\.\d+\.\d+-[0-9a-f]{8}$/);
    await form.locator("#choose-version").fill("latest");
    await form.getByRole("button", { name: "Confirm these choices" }).click();
    await expect(form.getByTestId("error-choose-version")).toContainText("a pinned tag");
    await form.locator("#choose-version").fill(pinned);
    await form.getByRole("button", { name: "Confirm these choices" }).click();
    const confirmed = page.getByTestId("choices-confirmed");
    await expect(confirmed).toContainText("confirmed by operator@k2ops.local");
    await expect(confirmed).toContainText("metering: billing day 1, limit 2000 GB");
    await expect(confirmed).toContainText(pinned);
    await page.reload();
    await expect(page.getByTestId("choices-confirmed")).toContainText(pinned);
    await page.goto("/audit?action=provisioning.choose");
    await expect(page.getByTestId("audit-table")).toContainText("succeeded");

    // steps 3-8 on the durable job: the VPS pn-<subId> created at Lightsail (a fresh simulated machine), provision-node.sh,
    // .env on stdin, the stack up, the node's own registration with its claim, the checklist — all on the stepper
    await page.goto(`/provisioning/${id}`);
    await expect(page.getByTestId("run-deadline")).toContainText(/Center's deadline: \d+:\d\d left/);
    const stepper = page.getByTestId("run-stepper");
    await expect(stepper.getByTestId("step-create-vps")).toHaveAttribute("data-state", "current");
    await stepper.getByTestId("run-start").click();
    await page.getByRole("dialog").getByRole("button", { name: "Create" }).click();
    await expect(stepper.getByTestId("step-create-vps")).toHaveAttribute("data-state", "done", { timeout: 90_000 });
    await expect(stepper.getByTestId("step-create-vps")).toContainText(/created pn-\d+ at 127\.0\.0\.\d+ \(us-east-1a, /);
    const ip = /VPS pn-\d+ at (127\.0\.0\.\d+)/.exec((await stepper.getByTestId("run-vps").textContent()) ?? "")![1];
    // the choices are fixed now
    await expect(page.getByRole("form", { name: "Choose where the node runs" })).toHaveCount(0);
    await expect(stepper.getByTestId("step-os")).toHaveAttribute("data-state", "done", { timeout: 240_000 });
    await expect(stepper.getByTestId("step-os")).toContainText(/Provisioning complete\. \d+ warning\(s\); SSH now on 1022/);
    await expect(stepper.getByTestId("step-verify")).toHaveAttribute("data-state", "done", { timeout: 300_000 });
    await expect(stepper.getByTestId("step-register")).toContainText("class private, work item done (set by the node's registration)");
    await expect(stepper.getByTestId("step-verify")).toContainText(`the checklist passes on ${ip}`);
    await expect(page.getByTestId("run-center-status")).toContainText("At Center: done");
    await expect(stepper.getByTestId("run-start")).toHaveCount(0);
    // Center shows the item done; the fleet shows the node private, its checklist passed
    await page.goto("/provisioning?action=provision");
    await expect(page.getByTestId("work-items").locator(`tr[data-id="${id}"]`)).toHaveAttribute("data-status", "done");
    await page.goto(`/nodes/${ip}`);
    await expect(page.getByRole("main")).toContainText("private");
    // the node's secret and its claim (read from the simulated machine's own .env) appear on no page and in no export
    const env = fs.readFileSync(path.join(DATA, "sim/nodes/nodes", ip, "root/apps/k2s/.env"), "utf8");
    const secrets = [/^K2_NODE_SECRET=(\S+)$/m.exec(env)![1], /^K2_PRIVATE_CLAIM=(\S+)$/m.exec(env)![1]];
    const seen = [await page.content()];
    for (const url of [`/provisioning/${id}`, "/provisioning?action=provision", `/audit?action=provisioning.step`, "/operations"]) {
      await page.goto(url);
      seen.push(await page.content());
    }
    seen.push(await (await page.request.get("/api/audit/export")).text());
    for (const text of seen) for (const s of secrets) expect(text).not.toContain(s);
    await page.goto("/audit?action=provisioning.step");
    await expect(page.getByTestId("audit-table")).toContainText("succeeded");
  });

  test("an operator changes a private node's address (change_ip): Center's ownership consequence shown first, the typed name required, then the static IP swap, the node registering from its new address with the same host key, and the checklist there", async ({ page }) => {
    await signIn(page, OPERATOR);
    await page.goto("/provisioning?action=change_ip");
    const table = page.getByTestId("work-items");
    const item = table.locator('tr[data-action="change_ip"][data-status="queued"]');
    await expect(item).toHaveCount(1);
    const id = (await item.getAttribute("data-id"))!;
    await item.getByRole("button", { name: "Claim" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Claim" }).click();
    await expect(table.locator(`tr[data-id="${id}"]`)).toHaveAttribute("data-status", "claimed");

    await page.goto(`/provisioning/${id}`);
    const step = page.getByTestId("change-ip-step");
    await expect(step).toContainText("the address is blocked from mainland China");
    await expect(step.getByTestId("change-ip-address")).toHaveText("127.0.0.22");
    await expect(step.getByTestId("change-ip-state")).toHaveText("running");
    await expect(step.getByTestId("change-ip-ownership")).toContainText("Center binds this node's subscription to 127.0.0.22 and has no endpoint to rebind it");
    await step.getByTestId("change-ip-start").click();
    const dialog = page.getByRole("dialog");
    const go = dialog.getByRole("button", { name: "Change the address" });
    // the instance's name must be typed
    await expect(go).toBeDisabled();
    await dialog.getByRole("textbox").fill("pn-1001");
    await go.click();

    const stepper = page.getByTestId("run-stepper");
    await expect(stepper.getByTestId("step-verify-ip")).toHaveAttribute("data-state", "done", { timeout: 240_000 });
    await expect(stepper.getByTestId("step-move-ip")).toContainText(/pn-1001: 127\.0\.0\.22 → 127\.0\.0\.\d+ \(static IP pn-1001-ip-\d+\); the old static IP StaticIp-pn-1001 released/);
    await expect(stepper.getByTestId("step-reregister")).toContainText(/registered at Center from 127\.0\.0\.\d+; 1 host key pin\(s\) carried from 127\.0\.0\.22/);
    await expect(stepper.getByTestId("step-verify-ip")).toContainText("WARNING: Center left the node private but owned by no one");
    const newIp = /→ (127\.0\.0\.\d+)/.exec((await stepper.getByTestId("run-change-ip").textContent()) ?? "")![1];
    await page.goto("/provisioning?action=change_ip");
    await expect(page.getByTestId("work-items").locator(`tr[data-id="${id}"]`)).toHaveAttribute("data-status", "done");
    await page.goto(`/nodes/${newIp}`);
    await expect(page.getByRole("main")).toContainText("pn-1001");
    await expect(page.getByRole("main")).toContainText("private");
    await page.goto("/audit?action=provisioning.change_ip");
    await expect(page.getByTestId("audit-table")).toContainText("succeeded");
  });
});
