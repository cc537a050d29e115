import { expect, test } from "@playwright/test";
import { OPERATOR, chooseOption, signIn } from "./helpers";

// A set-env rollout (issue #12: "restart sidecar with .env applied" as a fleet
// kind): documented, non-secret keys only, validated like the node's .env editor,
// applied with up -d and gated like an update. hk.aliyun.wm01 (127.0.0.18) is
// healthy and used by no other rollout spec.
const P = process.env.K2OPS_SIM_IP_PREFIX || "127.0.0";
const NODE = `${P}.18`;

test("an operator rolls a fleet .env setting out: a bad value refused at its field, no secret key offered, the change applied with up -d and gated; audited", async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, OPERATOR);
  await page.getByRole("button", { name: "Sync from Center" }).click();
  await expect(page.getByText(/Synced \d+ nodes from Center/)).toBeVisible();
  // the plan needs the node's directory: it is checked once first
  await page.goto(`/nodes/${NODE}`);
  await page.getByRole("button", { name: "Verify now" }).click();
  await expect(page.getByTestId("verification-history").locator("li").first()).toBeVisible({ timeout: 90_000 });

  await page.goto(`/operations/rollout/new?target=selection&nodes=${NODE}`);
  await chooseOption(page, "Kind", "set-env");
  const rows = page.getByTestId("set-env-rows");
  await rows.getByRole("button", { name: "Add a variable" }).click();
  // only documented, non-secret keys are offered
  await rows.getByRole("combobox", { name: "Variable 1", exact: true }).click();
  await expect(page.getByRole("listbox")).toBeVisible();
  const keys = await page.getByRole("listbox").getByRole("option").allTextContents();
  expect(keys).toContain("K2_LOG_LEVEL");
  for (const k of keys) expect(k).not.toMatch(/SECRET|CLAIM|TOKEN|KEY|PASSWORD/);
  await page.keyboard.press("Escape");
  await chooseOption(rows, "Variable 1", "K2_LOG_LEVEL");
  await rows.getByLabel("Value", { exact: true }).fill("loud");
  await page.getByLabel("Canary nodes").fill("0");
  await page.getByLabel("Minimum healthy time (seconds)").fill("1");
  await page.getByRole("button", { name: "Preview rollout" }).click();
  await expect(page.getByTestId("error-params.env.0.value")).toBeVisible();
  await expect(page.getByTestId("rollout-preview")).toHaveCount(0);

  await rows.getByLabel("Value", { exact: true }).fill("debug");
  await page.getByRole("button", { name: "Preview rollout" }).click();
  const preview = page.getByTestId("rollout-preview");
  await expect(preview).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("preview-targeted")).toHaveText("1");
  await expect(preview).toContainText("K2_LOG_LEVEL");
  await expect(preview).toContainText("up -d");
  await expect(preview).not.toContainText("restart");
  await expect(preview).not.toContainText(" down");

  await page.getByRole("button", { name: "Start rollout…" }).click();
  const dialog = page.getByRole("dialog", { name: "Start this rollout on 1 node?" });
  await dialog.getByLabel("Type 1 to confirm").fill("1");
  await dialog.getByRole("button", { name: "Start rollout on 1 node" }).click();
  await expect(page).toHaveURL(/\/operations\?job=[a-z0-9]+$/, { timeout: 30_000 });
  const view = page.getByTestId("rollout-view");
  await expect(view).toHaveAttribute("data-status", "succeeded", { timeout: 150_000 });
  await expect(view.locator(`tr[data-node="${NODE}"]`)).toHaveAttribute("data-status", "succeeded");

  // the node's .env holds the setting now (read back through the node page's editor)
  await page.goto(`/nodes/${NODE}`);
  await page.getByRole("button", { name: "Edit .env" }).click();
  await expect(page.getByRole("form", { name: ".env editor" }).getByRole("combobox", { name: "K2_LOG_LEVEL" })).toHaveText("debug");

  await page.goto(`/audit?node=${NODE}`);
  await expect(page.getByTestId("audit-table")).toContainText("rollout");
});
