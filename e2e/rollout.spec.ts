import { expect, test, type Page } from "@playwright/test";
import * as simFleet from "../simulator/node/fleet";
import { OPERATOR, VIEWER, chooseOption, signIn } from "./helpers";

// A rollout (issue #12) against the simulated fleet: the two jp-tokyo nodes are
// healthy and run the demo's release (v0.4.8-9d7c6f95); the update takes them to
// the release the simulated registry holds beside it, canary first, with a manual
// promotion. us-la-bwh-02 (a legacy k2-slave) is targeted too and must be skipped
// with its reason. K2OPS_SIM_IP_PREFIX moves the fleet (a second console on the
// machine), so addresses follow it.
const P = process.env.K2OPS_SIM_IP_PREFIX || "127.0.0";
const TOKYO1 = `${P}.11`; // jp-tokyo-01: the canary (first in the table's order)
const TOKYO2 = `${P}.12`; // jp-tokyo-02: batch 1
const LEGACY = `${P}.17`; // us-la-bwh-02: legacy layout, skipped
const WRONG_TZ = `${P}.13`; // sg-singapore-01: its checklist always fails (timezone), so no gate passes
// a tag the simulated registry knows (it refuses others): the previous release, as the simulator names it
const sim = simFleet as { PREVIOUS_VERSION?: string; DEFAULT_REGISTRY_TAGS?: readonly string[] };
const TARGET = sim.PREVIOUS_VERSION ?? "v0.4.8-c911d237";

async function rolloutView(page: Page) {
  const view = page.getByTestId("rollout-view");
  await expect(view).toBeVisible();
  return view;
}

test.describe.configure({ mode: "serial" });

test.describe("rollout", () => {
  let jobId = "";

  test("an operator plans an update, previews it, starts it, promotes the canary and watches it succeed", async ({ page }) => {
    test.setTimeout(240_000);
    if (sim.DEFAULT_REGISTRY_TAGS) expect(sim.DEFAULT_REGISTRY_TAGS).toContain(TARGET);
    await signIn(page, OPERATOR);
    await page.getByRole("button", { name: "Sync from Center" }).click();
    await expect(page.getByText(/Synced \d+ nodes from Center/)).toBeVisible();

    // the plan needs each node's directory: the two nodes are checked once first
    await page.goto("/?q=jp-tokyo");
    await page.getByRole("button", { name: "Verify all matching (2)" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Verify 2 nodes" }).click();
    await expect(page.getByTestId("job-progress")).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
    await page.reload();

    // from the fleet table's toolbar: the selection, in the table's order, prefills the form
    await page.getByRole("checkbox", { name: "Select all shown nodes" }).check();
    await page.getByRole("button", { name: "Roll out to selected" }).click();
    await expect(page).toHaveURL(/\/operations\/rollout\/new\?target=selection&nodes=/);
    const nodes = page.getByLabel("Nodes (IPv4, one per line or comma-separated)");
    await expect(nodes).toHaveValue(`${TOKYO1}\n${TOKYO2}`);
    await nodes.fill(`${TOKYO1}\n${TOKYO2}\n${LEGACY}`);

    // the schema's defaults are the form's; the server's schema refuses what the browser refuses
    await expect(page.getByLabel("Canary nodes")).toHaveValue("1");
    await expect(page.getByRole("combobox", { name: "Promotion" })).toHaveText("manual: wait for an operator");
    await expect(page.getByLabel("Minimum healthy time (seconds)")).toHaveValue("20");
    await page.getByLabel("Target tag").fill("latest");
    await page.getByLabel("Canary nodes").fill("");
    await page.getByRole("button", { name: "Preview rollout" }).click();
    await expect(page.getByTestId("error-params.targetTag")).toHaveText("a pinned tag like v0.4.8-9d7c6f95 (never latest)");
    await expect(page.getByTestId("error-strategy.canary")).toHaveText("enter a number");
    await expect(page.getByLabel("Target tag")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByTestId("rollout-preview")).toHaveCount(0);

    await page.getByLabel("Target tag").fill(TARGET);
    await page.getByLabel("Canary nodes").fill("1");
    await page.getByLabel("Minimum healthy time (seconds)").fill("1");
    await page.getByLabel("Healthy deadline (seconds)").fill("90");
    await page.getByRole("button", { name: "Preview rollout" }).click();

    const preview = page.getByTestId("rollout-preview");
    await expect(preview).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId("preview-targeted")).toHaveText("2");
    await expect(preview.locator('[data-batch="0"]')).toContainText(`jp-tokyo-01 (${TOKYO1})`);
    await expect(preview.locator('[data-batch="1"]')).toContainText(`jp-tokyo-02 (${TOKYO2})`);
    await expect(page.getByTestId("preview-skipped").locator(`tr[data-node="${LEGACY}"]`)).toContainText(/legacy|never checked/);
    await expect(page.getByTestId("preview-threshold")).toContainText("halt when 1 node failed of 2 targeted nodes");
    // the threshold's denominator, in words, next to the field once the preview counted the nodes
    await expect(page.getByTestId("threshold-words")).toHaveText("halt when 1 node failed of 2 targeted nodes");
    await expect(preview).toContainText(`K2_VERSION='${TARGET}' docker compose pull`);
    await expect(preview).toContainText("up -d --remove-orphans");

    // start: the node count the preview found must be typed
    await page.getByRole("button", { name: "Start rollout…" }).click();
    const dialog = page.getByRole("dialog", { name: "Start this rollout on 2 nodes?" });
    const confirm = dialog.getByRole("button", { name: "Start rollout on 2 nodes" });
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel("Type 2 to confirm").fill("2");
    await confirm.click();
    await expect(page).toHaveURL(/\/operations\?job=[a-z0-9]+$/, { timeout: 30_000 });
    jobId = new URL(page.url()).searchParams.get("job")!;

    // the canary runs alone, then the rollout waits for a promotion
    const view = await rolloutView(page);
    await expect(view.getByTestId("rollout-what")).toHaveText(`update to ${TARGET}`);
    await expect(view).toHaveAttribute("data-phase", "awaiting_promotion", { timeout: 90_000 });
    await expect(view).toHaveAttribute("data-status", "running");
    await expect(view.getByTestId("rollout-awaiting")).toBeVisible();
    const canary = view.locator('[data-testid="rollout-batch"][data-batch="0"]');
    await expect(canary).toHaveAttribute("data-status", "done");
    await expect(canary.locator(`tr[data-node="${TOKYO1}"]`)).toHaveAttribute("data-status", "succeeded");
    await expect(canary.locator(`tr[data-node="${TOKYO1}"]`)).toContainText(`on ${TARGET}; healthy for 1 s`);
    const batch1 = view.locator('[data-testid="rollout-batch"][data-batch="1"]');
    await expect(batch1).toHaveAttribute("data-status", "pending");
    await expect(batch1.locator(`tr[data-node="${TOKYO2}"]`)).toHaveAttribute("data-status", "queued");
    await expect(view.getByTestId("rollout-skipped").locator(`li[data-node="${LEGACY}"]`)).toBeVisible();
    await expect(view.getByTestId("rollout-threshold")).toHaveText("halt when 1 node failed of 2 targeted nodes");
    await expect(view.getByTestId("rollout-per-node")).not.toHaveText("—");
    // only what this state allows
    const controls = view.getByTestId("rollout-controls");
    await expect(controls.getByRole("button")).toHaveText(["Pause", "Promote canary", "Cancel rollout"]);

    // the fleet table shows each node's place in the running rollout
    await page.goto("/?q=jp-tokyo");
    await expect(page.locator(`[data-ip="${TOKYO1}"]`).getByTestId("rollout-badge")).toHaveText("rollout: succeeded");
    await expect(page.locator(`[data-ip="${TOKYO2}"]`).getByTestId("rollout-badge")).toHaveText("rollout: queued");
    await page.locator(`[data-ip="${TOKYO2}"]`).getByTestId("rollout-badge").click();
    await expect(page).toHaveURL(new RegExp(`/operations\\?job=${jobId}$`));

    // promote: batch 1 runs and the rollout ends succeeded
    const live = await rolloutView(page);
    await live.getByRole("button", { name: "Promote canary" }).click();
    await page.getByRole("dialog", { name: "Promote the canary?" }).getByRole("button", { name: "Promote and start the batches" }).click();
    await expect(page.getByText("Canary promoted: the batches start")).toBeVisible();
    await expect(live).toHaveAttribute("data-status", "succeeded", { timeout: 120_000 });
    await expect(live.locator(`tr[data-node="${TOKYO2}"]`)).toHaveAttribute("data-status", "succeeded");
    await expect(live.locator('[data-testid="rollout-batch"][data-batch="1"]')).toHaveAttribute("data-status", "done");
    await expect(live.getByTestId("rollout-failures")).toHaveText("0 (halts at 1)");
    await expect(live.getByTestId("rollout-controls")).toHaveCount(0);
    await expect(page.getByTestId("job-list").locator(`tr[data-job="${jobId}"]`)).toHaveAttribute("data-status", "succeeded");

    // the table no longer shows a rollout, and the nodes run the new tag
    await page.goto("/?q=jp-tokyo");
    await expect(page.getByTestId("rollout-badge")).toHaveCount(0);
    await expect(page.locator(`[data-ip="${TOKYO1}"]`)).toContainText(TARGET);
    await expect(page.locator(`[data-ip="${TOKYO2}"]`)).toContainText(TARGET);
  });

  test("a viewer follows the rollout but has no controls and cannot start one", async ({ page }) => {
    expect(jobId).not.toBe("");
    await signIn(page, VIEWER);
    await expect(page.getByRole("button", { name: "Roll out to selected" })).toHaveCount(0);
    await expect(page.getByRole("link", { name: /Roll out to/ })).toHaveCount(0);

    await page.goto("/operations");
    await expect(page.getByRole("link", { name: "New rollout" })).toHaveCount(0);
    await page.goto(`/operations?job=${jobId}`);
    const view = await rolloutView(page);
    await expect(view).toHaveAttribute("data-status", "succeeded");
    await expect(view.locator('[data-testid="rollout-batch"]')).toHaveCount(2);
    await expect(view.getByTestId("rollout-controls")).toHaveCount(0);
    for (const name of ["Pause", "Resume", "Promote canary", "Retry failed nodes", "Cancel rollout"]) await expect(page.getByRole("button", { name })).toHaveCount(0);

    // the form is not there for a viewer (and the server's actions refuse the role anyway)
    await page.goto(`/operations/rollout/new?target=selection&nodes=${TOKYO1}`);
    await expect(page.getByTestId("rollout-forbidden")).toContainText("needs the operator role; you are viewer");
    await expect(page.getByRole("form", { name: "New rollout" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /Preview/ })).toHaveCount(0);
  });
  test("a node that never gets healthy fails with its evidence, and the operator retries only that node", async ({ page }) => {
    test.setTimeout(180_000);
    await signIn(page, OPERATOR);
    await page.goto("/?q=singapore-01");
    await page.getByRole("button", { name: "Verify all matching (1)" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Verify 1 nodes" }).click();
    await expect(page.getByTestId("job-progress")).toHaveAttribute("data-status", "failed", { timeout: 60_000 });

    // prefilled from the URL, as the fleet table links it
    await page.goto(`/operations/rollout/new?target=selection&nodes=${WRONG_TZ}`);
    await chooseOption(page, "Kind", "restart-sidecar");
    await expect(page.getByLabel("Target tag")).toHaveCount(0);
    await page.getByLabel("Minimum healthy time (seconds)").fill("1");
    await page.getByLabel("Healthy deadline (seconds)").fill("10");
    await page.getByRole("button", { name: "Preview rollout" }).click();
    await expect(page.getByTestId("preview-targeted")).toHaveText("1", { timeout: 30_000 });
    await expect(page.getByTestId("rollout-preview")).toContainText("docker compose up -d k2-sidecar");
    await page.getByRole("button", { name: "Start rollout…" }).click();
    await page.getByLabel("Type 1 to confirm").fill("1");
    await page.getByRole("button", { name: "Start rollout on 1 node" }).click();
    await expect(page).toHaveURL(/\/operations\?job=/, { timeout: 30_000 });

    const view = await rolloutView(page);
    await expect(view).toHaveAttribute("data-status", "failed", { timeout: 90_000 });
    const row = view.locator(`tr[data-node="${WRONG_TZ}"]`);
    await expect(row).toHaveAttribute("data-status", "failed");
    await expect(row).toContainText("health gate not passed: fail: timezone");
    await expect(view.getByTestId("rollout-failures")).toHaveText("1 (halts at 1)");
    // the evidence opens on demand: the gate's history, check by check
    const evidence = view.getByTestId("rollout-evidence");
    await expect(evidence).not.toHaveAttribute("open");
    await evidence.getByText(`Evidence for sg-singapore-01 (${WRONG_TZ})`).click();
    await expect(evidence).toContainText(/Health gate: not passed after \d+ checks? in [\d.]+ s/);
    await expect(evidence).toContainText("fail: timezone");

    // an ended rollout with a failure offers only the retry
    await expect(view.getByTestId("rollout-controls").getByRole("button")).toHaveText(["Retry failed nodes"]);
    await view.getByRole("button", { name: "Retry failed nodes" }).click();
    await page.getByRole("dialog", { name: "Retry the 1 failed node?" }).getByRole("button", { name: "Retry 1 node" }).click();
    await expect(page.getByText("Retrying 1 node")).toBeVisible();
    await expect(view).toHaveAttribute("data-status", "running");
    await expect(view).toHaveAttribute("data-status", "failed", { timeout: 90_000 });
    await expect(row).toContainText("2 (resumed/retried)");
  });
});
