import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCenterClient } from "@/lib/center/client";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { startCenterSim, type CenterSim } from "@/simulator/center";
import { claimWorkItem } from "./claim";
import { chooseSchema, chooseView, confirmChoices } from "./choose";

// The wizard's step 2 against the Center simulator's cloud lists and a real
// database: defaults from the work item, the rules visible on every option, and
// the server refusing a plan that does not fit, a non-Ubuntu image, a floating
// version or an undecided metering — naming the field, storing nothing.

let t: TestDatabase;
let sim: CenterSim;
let opId = 0;
beforeAll(async () => {
  t = await createTestDatabase();
  sim = await startCenterSim({ fleet: [], decommissioned: [], realCerts: false, sweepIntervalMs: 0, cloudSyncIntervalMs: 0, provisionQueue: [{ region: "ap-tokyo", trafficTotalBytes: 1500 * 2 ** 30, ipType: "non_residential" }] });
  await t.prisma.node.createMany({ data: ["10.0.0.1", "10.0.0.2", "10.0.0.3"].map((ipv4, i) => ({ ipv4, name: `n${i}`, inCenter: true, versionTag: i < 2 ? "v0.4.8-9d7c6f95" : "v0.4.7-1a2b3c4d" })) });
  opId = sim.state.ops.find((o) => o.status === "queued")!.id;
  await claimWorkItem(opId, { actor: "op@k2ops.local", requestId: "r", client: client(), key: { key: crypto.randomBytes(32), id: "k1", source: "env" } });
});
afterAll(async () => {
  await sim?.close();
  await t?.close();
});
const client = () => createCenterClient({ baseUrl: sim.url, accessKey: sim.accessKeys.editor, getRetries: 0 });
const actor = () => ({ actor: "op@k2ops.local", client: client() });

describe("the wizard's step 2: choose account, region, plan, image", () => {
  it("defaults to an account offering the item's region; plans say whether they fit the sold quota and by how much; images say whether provision-node.sh runs there", async () => {
    const v = await chooseView(opId, { client: client() });
    expect(v).toMatchObject({ name: expect.stringMatching(/^pn-\d+$/), ask: { region: "ap-tokyo", soldGib: 1500, ipType: "non_residential" }, region: "ap-tokyo", version: "v0.4.8-9d7c6f95", errors: [] });
    expect(v.accounts.map((a) => a.provider)).not.toContain("ssh_standalone");
    expect(v.account?.provider).toBe("aws_lightsail");
    expect(v.rule).toMatchObject({ provider: "aws_lightsail", reset: "calendar-1st" });
    const fits = v.plans.filter((p) => p.fits);
    const short = v.plans.filter((p) => !p.fits);
    expect(fits.length).toBeGreaterThan(0);
    expect(short.length).toBeGreaterThan(0);
    expect(fits[0].why).toMatch(/GB above the sold 1500 GiB/);
    expect(short[0].why).toMatch(/GB short of the sold 1500 GiB/);
    expect(v.images.some((i) => i.usable)).toBe(true);
    // each why also as the page words it (catalog code and values)
    expect(v.errorPhrases).toEqual([]);
    expect(fits[0].whyPhrase).toMatchObject({ code: "planWhy.fits", values: { soldGb: 1500 } });
    expect(short[0].whyPhrase).toMatchObject({ code: "planWhy.short", values: { soldGb: 1500 } });
  });

  it("a list Center cannot give is named, in English and as the page words it; nothing is guessed", async () => {
    const down = createCenterClient({ baseUrl: "http://127.0.0.1:9", accessKey: sim.accessKeys.editor, getRetries: 0, timeoutMs: 2000 });
    const v = await chooseView(opId, { client: down });
    expect(v.errors).toHaveLength(1);
    expect(v.errors[0]).toMatch(/^The cloud accounts could not be read from Center: /);
    expect(v.errors[0]).not.toContain(sim.accessKeys.editor);
    expect(v.errorPhrases).toEqual([{ code: "chooseError.accounts", values: { account: "", error: v.errors[0].replace("The cloud accounts could not be read from Center: ", "") } }]);
    expect(v).toMatchObject({ accounts: [], plans: [], images: [] });
  });

  it("refuses a plan short of the sold quota, a non-Ubuntu image and a floating version, naming each; nothing is stored", async () => {
    const v = await chooseView(opId, { client: client() });
    const short = v.plans.find((p) => !p.fits)!;
    const bad = v.images.find((i) => !i.usable);
    const input = chooseSchema.parse({ operationId: opId, account: v.account!.name, region: v.region!, plan: short.id, image: (bad ?? v.images[0]).id, version: "v0.4.8-9d7c6f95" });
    const err = (await confirmChoices(input, actor()).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^Nothing was confirmed: plan: .* short of the sold 1500 GiB/);
    if (bad) expect(err.message).toMatch(/image: .*(Ubuntu only|not a release provision-node.sh supports)/);
    expect(chooseSchema.safeParse({ ...input, version: "latest" }).error?.issues[0]).toMatchObject({ path: ["version"], message: expect.stringMatching(/a pinned tag/) });
    expect((await t.prisma.provisionRun.findUniqueOrThrow({ where: { operationId: opId } })).choices).toBeNull();
  });

  it("stores the confirmed choices with the metering the provider's rules give (Lightsail: billing day 1, the sold quota in GiB) and moves to create-vps", async () => {
    const v = await chooseView(opId, { client: client() });
    const plan = v.plans.find((p) => p.fits)!;
    const image = v.images.find((i) => i.usable)!;
    const c = await confirmChoices(chooseSchema.parse({ operationId: opId, account: v.account!.name, region: v.region!, plan: plan.id, image: image.id, version: v.version! }), actor());
    expect(c).toMatchObject({ name: v.name, provider: "aws_lightsail", plan: { id: plan.id }, image: { id: image.id }, version: "v0.4.8-9d7c6f95", metering: { kind: "meter", billingDay: 1, limitGb: 1500 }, confirmedBy: "op@k2ops.local" });
    expect(c.workings.join("\n")).toMatch(/resets on the 1st/);
    const run = await t.prisma.provisionRun.findUniqueOrThrow({ where: { operationId: opId } });
    expect(run.step).toBe("create-vps");
    expect((await chooseView(opId, { client: client() })).confirmed).toMatchObject({ plan: { id: plan.id } });
  });

  it("an item k2ops does not hold has nothing to choose", async () => {
    await expect(chooseView(424242, { client: client() })).rejects.toThrow(/not held by k2ops: claim it on the Provisioning page first/);
  });
});
