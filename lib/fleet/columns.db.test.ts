import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/db/test-db";
import { DEFAULT_HIDDEN_FLEET_COLUMNS, fleetColumnsSettingKey, saveFleetColumns, userFleetColumns } from "./columns";

let t: TestDatabase;
const viewer = { id: "u-viewer", email: "viewer@example.test" };
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.prisma.setting.deleteMany();
});

describe("a user's fleet columns", () => {
  it("is the default (what fits 1280 px) when none was saved", async () => {
    expect(await userFleetColumns("u-viewer")).toEqual({ hidden: ["class", "arch", "sidecar"], saved: false });
    expect(DEFAULT_HIDDEN_FLEET_COLUMNS).not.toEqual(expect.arrayContaining(["ipv4"]));
  });

  it("saves, reads back per user, and resets to the default", async () => {
    expect(await saveFleetColumns(t.prisma, viewer, { hidden: ["quota", "region", "region"] })).toEqual({ hidden: ["region", "quota"], saved: true });
    expect(await userFleetColumns("u-viewer")).toEqual({ hidden: ["region", "quota"], saved: true });
    const row = await t.prisma.setting.findUniqueOrThrow({ where: { key: fleetColumnsSettingKey("u-viewer") } });
    expect(row).toMatchObject({ key: "user.fleetColumns:u-viewer", value: { hidden: ["region", "quota"] }, updatedBy: "viewer@example.test" });
    // showing every column is a choice too
    expect((await saveFleetColumns(t.prisma, viewer, { hidden: [] })).hidden).toEqual([]);
    expect(await userFleetColumns("u-viewer")).toEqual({ hidden: [], saved: true });
    // another user's choice is theirs
    expect((await userFleetColumns("u-admin")).saved).toBe(false);
    expect(await saveFleetColumns(t.prisma, viewer, { hidden: null })).toEqual({ hidden: [...DEFAULT_HIDDEN_FLEET_COLUMNS], saved: false });
    expect(await t.prisma.setting.count()).toBe(0);
  });

  it("refuses an unknown column id with an error naming the field, and keeps what was saved", async () => {
    await saveFleetColumns(t.prisma, viewer, { hidden: ["arch"] });
    await expect(saveFleetColumns(t.prisma, viewer, { hidden: ["arch", "password"] })).rejects.toThrow(/Invalid hidden\.1: unknown column "password"/);
    expect(await userFleetColumns("u-viewer")).toEqual({ hidden: ["arch"], saved: true });
  });

  it("reads a stored value that is not a valid choice as the default", async () => {
    await t.prisma.setting.create({ data: { key: fleetColumnsSettingKey("u-viewer"), value: { hidden: ["nope"] } } });
    expect(await userFleetColumns("u-viewer")).toEqual({ hidden: [...DEFAULT_HIDDEN_FLEET_COLUMNS], saved: false });
  });
});
