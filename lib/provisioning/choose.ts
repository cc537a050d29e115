import type { z } from "zod";
import type { CenterClient } from "@/lib/center/client";
import type { CloudAccount, CloudRegion } from "@/lib/center/schemas";
import { db } from "@/lib/db";
import { ActionFailure } from "@/lib/errors";
import { providerRulesFromEnv, ruleOf, type ProviderRule } from "@/lib/metering/provider";
import { redactText } from "@/lib/redact";
import { msg } from "@/lib/text";
import { fleetPinnedVersion, imageOptions, planOptions, type ImageOption, type PlanOption } from "./choices";
import { chooseSchema } from "./choose-schema";
import { decideMetering, privateNodeName, type MeteringChoice } from "./node-env";
import { phraseOf, type Phrase, type PhraseBook } from "@/lib/phrase";

export { chooseSchema, type ChooseInput } from "./choose-schema";

// The wizard's step 2 (issue #14; provisioning.md Step 2): for a provision item
// k2ops claimed, Center's cloud lists (accounts, the account's regions, plans and
// images) with the rules made visible (the plan's transfer above the sold quota
// and by how much, Ubuntu images only, a pinned K2_VERSION defaulting to the
// fleet's, the node's metering from the provider's rules); the operator confirms
// and the choices are stored on the run, checked again on the server.


/** What the operator confirmed (stored on the run as `choices`). */
export type ConfirmedChoices = {
  name: string;
  account: string;
  provider: string;
  /** Center's region slug (ap-tokyo) and the provider's id for it (ap-northeast-1) */
  region: string;
  providerRegion?: string;
  plan: { id: string; name: string; transferGb: number; marginGb: number };
  image: { id: string; name: string; ubuntu: string };
  version: string;
  metering: MeteringChoice;
  workings: string[];
  confirmedBy: string;
  confirmedAt: string;
};

export type ChooseView = {
  operationId: number;
  subId: number;
  name: string;
  /** the work item's ask */
  ask: { region: string; soldBytes: string; soldGib: number; ipType: string };
  step: string;
  accounts: CloudAccount[];
  account: CloudAccount | null;
  regions: CloudRegion[];
  region: string | null;
  plans: PlanOption[];
  images: ImageOption[];
  /** the fleet's pinned tag now (the default K2_VERSION), null when none is pinned */
  version: string | null;
  rule: Pick<ProviderRule, "reset" | "billingMode" | "headroomGb" | "verified"> & { provider: string };
  /** Center's lists that could not be read, in English (the server's refusal says so; nothing is guessed) */
  errors: string[];
  /** the same as the page shows them (catalog code; values: the account, Center's redacted error) */
  errorPhrases: Phrase<ChooseErrorCode>[];
  confirmed: ConfirmedChoices | null;
};

type Run = { operationId: number; subId: number; action: string; status: string; step: string; params: unknown; choices: unknown; vps: unknown };

/** The run k2ops holds for the item; `view`: a finished (done) run too, for its page. */
async function claimedRun(operationId: number, o: { view?: boolean } = {}): Promise<Run> {
  const run = await db().provisionRun.findUnique({ where: { operationId } });
  if (!run || !["claimed", "in_progress", ...(o.view ? ["done"] : [])].includes(run.status)) throw new ActionFailure("not_found", msg`Work item ${operationId} is not held by k2ops: claim it on the Provisioning page first.`);
  if (run.action !== "provision") throw new ActionFailure("conflict", msg`Work item ${operationId} is a ${run.action} item: there is no plan to choose.`);
  return run;
}

function askOf(params: unknown) {
  const p = (params ?? {}) as Record<string, unknown>;
  const raw = typeof p.trafficTotalBytes === "number" || typeof p.trafficTotalBytes === "string" ? String(p.trafficTotalBytes) : "0";
  const soldBytes = /^\d+$/.test(raw) ? BigInt(raw) : 0n;
  return { region: String(p.region ?? ""), soldBytes, ipType: String(p.ipType ?? "") };
}

/** Step 2's sentences by catalog code, in English: a list of Center's that could not be read. */
export const CHOOSE_PHRASES = {
  "chooseError.accounts": (v: { error: string }) => `The cloud accounts could not be read from Center: ${v.error}`,
  "chooseError.regions": (v: { account: string; error: string }) => `${v.account}'s regions could not be read from Center: ${v.error}`,
  "chooseError.plans": (v: { account: string; error: string }) => `${v.account}'s plans could not be read from Center: ${v.error}`,
  "chooseError.images": (v: { account: string; error: string }) => `${v.account}'s images could not be read from Center: ${v.error}`,
} satisfies PhraseBook;
export type ChooseErrorCode = keyof typeof CHOOSE_PHRASES;

/**
 * Step 2's data for the run of `operationId` with `account` / `region` chosen so
 * far (defaults: the first account whose regions hold the item's region, and that
 * region). Center's lists are read live; one that fails is named in `errors`.
 * Throws ActionFailure(not_found) when k2ops holds no claim on the item.
 */
export async function chooseView(operationId: number, opts: { client: CenterClient; account?: string | null; region?: string | null }): Promise<ChooseView> {
  const run = await claimedRun(operationId, { view: true });
  const ask = askOf(run.params);
  const errors: string[] = [];
  const errorPhrases: Phrase<ChooseErrorCode>[] = [];
  const readErr = (code: ChooseErrorCode, e: unknown, account = "") => {
    const { text, phrase } = phraseOf(CHOOSE_PHRASES, code, { account, error: redactText(e instanceof Error ? e.message : String(e)) });
    errors.push(text);
    errorPhrases.push(phrase);
  };
  const { rules } = providerRulesFromEnv();
  // ssh_standalone cannot create instances (405): it is never offered
  const accounts = (await opts.client.listCloudAccounts().then((r) => r.items).catch((e) => (readErr("chooseError.accounts", e), []))).filter((a) => a.provider !== "ssh_standalone");
  let account = accounts.find((a) => a.name === opts.account) ?? null;
  let regions: CloudRegion[] = [];
  if (!account) {
    // the first account that offers the item's region
    for (const a of accounts) {
      const rs = await opts.client.listCloudRegions({ account: a.name }).then((r) => r.items).catch(() => []);
      if (rs.some((r) => r.slug === ask.region && r.available)) {
        account = a;
        regions = rs;
        break;
      }
    }
    account ??= accounts[0] ?? null;
  }
  if (account && !regions.length) regions = await opts.client.listCloudRegions({ account: account.name }).then((r) => r.items).catch((e) => (readErr("chooseError.regions", e, account!.name), []));
  const region = regions.find((r) => r.slug === opts.region)?.slug ?? regions.find((r) => r.slug === ask.region)?.slug ?? null;
  const rule = ruleOf(rules, account?.provider);
  const providerRegion = regions.find((r) => r.slug === region)?.providerId || undefined;
  const [plans, images] = account && region
    ? await Promise.all([
        opts.client.listCloudPlans({ account: account.name, region: providerRegion }).then((r) => planOptions(r.items, ask.soldBytes, rule)).catch((e) => (readErr("chooseError.plans", e, account!.name), [] as PlanOption[])),
        opts.client.listCloudImages({ account: account.name, region: providerRegion }).then((r) => imageOptions(r.items)).catch((e) => (readErr("chooseError.images", e, account!.name), [] as ImageOption[])),
      ])
    : [[], []];
  const versions = await db().node.findMany({ where: { inCenter: true }, select: { versionTag: true } });
  return {
    operationId,
    subId: run.subId,
    name: privateNodeName(run.subId),
    ask: { region: ask.region, soldBytes: String(ask.soldBytes), soldGib: Number(ask.soldBytes / 2n ** 30n), ipType: ask.ipType },
    step: run.step,
    accounts,
    account,
    regions,
    region,
    plans,
    images,
    version: fleetPinnedVersion(versions.map((v) => v.versionTag)),
    rule: { provider: account?.provider ?? "", reset: rule.reset, billingMode: rule.billingMode, headroomGb: rule.headroomGb, verified: rule.verified },
    errors,
    errorPhrases,
    confirmed: (run.choices as ConfirmedChoices | null) ?? null,
  };
}

/**
 * Confirms step 2 for the run of `input.operationId`, checked again on the server
 * against Center's live lists: the account exists and can create instances, the
 * region is the account's, the plan is listed there and its transfer exceeds the
 * sold quota by the provider's headroom, the image is a supported Ubuntu, the
 * version is pinned, and the node's metering follows the provider's rules
 * (decideMetering). Stores the choices on the run and moves it to "create-vps".
 * Throws ActionFailure("failed") naming each refused field; nothing is stored then.
 */
export async function confirmChoices(input: z.output<typeof chooseSchema>, ctx: { actor: string; client: CenterClient; now?: Date }): Promise<ConfirmedChoices> {
  const run = await claimedRun(input.operationId);
  if (!["choose", "create-vps"].includes(run.step) || run.vps) throw new ActionFailure("conflict", msg`Work item ${input.operationId} is past choosing (step ${run.step}): its VPS is being or has been created.`);
  const view = await chooseView(input.operationId, { client: ctx.client, account: input.account, region: input.region });
  if (view.errors.length) throw new ActionFailure("failed", msg`Nothing was confirmed: ${view.errors.join("; ")}`);
  const problems: string[] = [];
  if (view.account?.name !== input.account) problems.push(`account: ${input.account} is not one of Center's accounts that can create instances`);
  if (view.region !== input.region) problems.push(`region: ${input.region} is not a region of ${input.account}`);
  const plan = view.plans.find((p) => p.id === input.plan);
  if (!plan) problems.push(`plan: ${input.plan} is not listed for ${input.account} in ${input.region}`);
  else if (!plan.fits) problems.push(`plan: ${plan.why}`);
  const image = view.images.find((i) => i.id === input.image);
  if (!image) problems.push(`image: ${input.image} is not listed for ${input.account} in ${input.region}`);
  else if (!image.usable) problems.push(`image: ${image.name}: ${image.why}`);
  const { rules } = providerRulesFromEnv();
  const decision = decideMetering({
    rule: ruleOf(rules, view.account?.provider),
    provider: view.account?.provider ?? "unknown",
    soldBytes: BigInt(view.ask.soldBytes),
    bundleTransferGb: plan?.transferGb ?? null,
    planResetDay: input.planResetDay,
    approximateCalendarMonth: input.approximateCalendarMonth,
    meteringOff: input.meteringOff || null,
    seedGb: input.seedGb,
  });
  for (const p of decision.problems) if (p.key !== "plan" || plan) problems.push(`${p.key}: ${p.message}`);
  if (problems.length || !decision.choice || !plan || !image?.ubuntu) throw new ActionFailure("failed", msg`Nothing was confirmed: ${problems.length ? [...new Set(problems)].join("; ") : msg`the node's metering is not decided`}`);
  const choices: ConfirmedChoices = {
    name: view.name,
    account: input.account,
    provider: view.account!.provider,
    region: input.region,
    providerRegion: view.regions.find((r) => r.slug === input.region)?.providerId || undefined,
    plan: { id: plan.id, name: plan.name, transferGb: plan.transferGb, marginGb: plan.marginGb },
    image: { id: image.id, name: image.name, ubuntu: image.ubuntu },
    version: input.version,
    metering: decision.choice,
    workings: decision.workings,
    confirmedBy: ctx.actor,
    confirmedAt: (ctx.now ?? new Date()).toISOString(),
  };
  await db().provisionRun.update({ where: { operationId: input.operationId }, data: { choices: choices as object, step: "create-vps" } });
  return choices;
}
