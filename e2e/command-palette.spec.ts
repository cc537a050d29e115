import { expect, test, type Page } from "@playwright/test";
import { OPERATOR, VIEWER, signIn, syncFleetFromCenter } from "./helpers";

// The command palette (issue 16, components/command): Ctrl-K anywhere; a node by a part of its
// name or IPv4 (searched on the server), a page, or one of the current node's operations, which
// only opens the node page's own confirmation. The demo fleet: jp-tokyo-01 = 127.0.0.11,
// sg-singapore-01 = 127.0.0.13 (both AWS Lightsail, healthy).

const palette = (page: Page) => page.getByRole("dialog", { name: "Command palette" });

async function openPalette(page: Page) {
  await page.keyboard.press("Control+K");
  await expect(palette(page)).toBeVisible();
  return palette(page);
}

test.describe("command palette", () => {
  test.beforeAll(async ({ browser }) => syncFleetFromCenter(browser));

  test("an operator jumps to a node by name and by IPv4, then opens an operation's own confirmation", async ({ page }) => {
    await signIn(page, OPERATOR);

    // Ctrl-K toggles, Escape closes, the header button opens
    await openPalette(page);
    await page.keyboard.press("Control+K");
    await expect(palette(page)).toBeHidden();
    await openPalette(page);
    await page.keyboard.press("Escape");
    await expect(palette(page)).toBeHidden();
    await page.getByRole("button", { name: "Jump to… (command palette)" }).click();
    await expect(palette(page)).toBeVisible();
    await page.keyboard.press("Escape");

    // by a part of the name: the server's answer is listed and the first is highlighted
    let p = await openPalette(page);
    await p.getByRole("combobox").fill("tokyo-0");
    const tokyo = p.getByRole("option", { name: /jp-tokyo-01/ });
    await expect(tokyo).toContainText("127.0.0.11");
    await expect(tokyo).toContainText("jp-tokyo");
    await expect(p.getByRole("option", { name: /jp-tokyo-02/ })).toBeVisible();
    await expect(tokyo).toHaveAttribute("aria-selected", "true");
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/nodes\/127\.0\.0\.11$/);
    await expect(palette(page)).toBeHidden();

    // by a fragment of the IPv4, with the arrow keys
    p = await openPalette(page);
    await expect(p.getByRole("group", { name: /This node/ })).toBeVisible();
    await p.getByRole("combobox").fill("0.0.1");
    await expect(p.getByRole("option", { name: /sg-singapore-01/ })).toBeVisible();
    await p.getByRole("combobox").fill("0.0.13");
    await expect(p.getByRole("option")).toHaveCount(1);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/nodes\/127\.0\.0\.13$/);

    // an operation of this node: the node page's own confirmation opens; nothing runs
    p = await openPalette(page);
    const ops = p.getByRole("group", { name: /This node/ });
    await expect(ops.getByRole("option", { name: /Verify now/ })).toBeVisible();
    await expect(ops.getByRole("option", { name: /Restart a container/ })).toBeVisible();
    await p.getByRole("combobox").fill("update");
    await expect(p.getByRole("option", { name: /Update \(pull \+ up -d\)/ })).toHaveAttribute("aria-selected", "true");
    await page.keyboard.press("Enter");
    const confirm = page.getByRole("dialog", { name: "Confirm Update (pull + up -d)" });
    await expect(confirm).toBeVisible();
    await expect(page).toHaveURL(/\/nodes\/127\.0\.0\.13\?op=update$/);
    await expect(confirm.getByRole("button", { name: "Confirm update (pull + up -d)" })).toBeEnabled();
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await expect(confirm).toBeHidden();
    await expect(page).toHaveURL(/\/nodes\/127\.0\.0\.13$/);
    await expect(page.getByTestId("op-result")).toHaveCount(0);

    // a dangerous one asks for the node's name, as on the page
    p = await openPalette(page);
    await p.getByRole("combobox").fill("reboot");
    await page.keyboard.press("Enter");
    const reboot = page.getByRole("dialog", { name: "Confirm Reboot (Lightsail)" });
    await expect(reboot.getByLabel("Type the node name to confirm")).toBeFocused();
    await expect(reboot.getByRole("button", { name: "Confirm reboot (lightsail)" })).toBeDisabled();
    await reboot.getByRole("button", { name: "Cancel" }).click();
    await expect(page).toHaveURL(/\/nodes\/127\.0\.0\.13$/);

    // Verify now has no confirmation on the page: the palette brings its button into focus, it does not run it
    p = await openPalette(page);
    await p.getByRole("combobox").fill("verify");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("button", { name: "Verify now" })).toBeFocused();
    await expect(page).toHaveURL(/\/nodes\/127\.0\.0\.13$/);

    // a page, by its name
    p = await openPalette(page);
    await p.getByRole("combobox").fill("audit");
    await expect(p.getByRole("option", { name: "Audit log" })).toHaveAttribute("aria-selected", "true");
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/audit$/);
    // the operations are offered on node pages only
    p = await openPalette(page);
    await expect(p.getByRole("option", { name: "Fleet" })).toBeVisible();
    await expect(p.getByRole("group", { name: /This node/ })).toHaveCount(0);
  });

  test("a viewer gets no operations, and ?op= opens nothing for them", async ({ page }) => {
    await signIn(page, VIEWER);
    await page.goto("/nodes/127.0.0.11");
    const p = await openPalette(page);
    await expect(p.getByRole("option", { name: "Audit log" })).toBeVisible();
    await expect(p.getByRole("group", { name: /This node/ })).toHaveCount(0);
    await expect(p.getByRole("option", { name: /Verify now|Update|Restart|Reboot/ })).toHaveCount(0);
    await p.getByRole("combobox").fill("update");
    await expect(p.getByText(/No node, page or operation matches/)).toBeVisible();
    await p.getByRole("combobox").fill("Audit");
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/audit$/);

    // a hand-made link does not open a confirmation a viewer cannot use
    await page.goto("/nodes/127.0.0.11?op=update");
    await expect(page.getByText("Update (pull + up -d) is not available on this node.")).toBeVisible();
    await expect(page).toHaveURL(/\/nodes\/127\.0\.0\.11$/);
    await expect(page.getByRole("dialog", { name: /^Confirm/ })).toHaveCount(0);
  });
});
