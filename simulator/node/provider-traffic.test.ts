import { describe, expect, it } from "vitest";
import { defaultProviderDrift, meterNodeEnv, nicAt, parseMeterSh, providerTrafficOf } from "./meter-init";

// The host NIC as the node's /proc/net/dev and its provider see it (_meter.sh nic_at, nic_reboot):
// counters that restart at a reboot, and a provider figure that counts every byte, a little off.

const spec = { ip: "127.0.88.9", name: "n", country: "JP", region: "jp", scenario: "healthy" as const, secret: "x", centerUrl: "http://c", timeScale: 1, trafficBytesPerSec: 1000, rxShare: 0.4, usedBytes: 10_000 };
const env = meterNodeEnv(spec);

describe("the simulated host NIC", () => {
  it("reads meter.sh's NIC facts (older files without the reboot offset: 0)", () => {
    expect(parseMeterSh("N_RUN=5000 N_AT=1700000000000 NH_T=(1 2) NH_R=(0 1) NH_ON=(1 0) B_RX=10 B_TX=20\nM_ON=1 M_CID=abc")).toEqual({ nRun: 5000, nAt: 1700000000000, bRx: 10, bTx: 20 });
    expect(parseMeterSh("N_RUN=5 N_AT=7 NH_T=() NH_R=() NH_ON=()\nM_ON=0")).toEqual({ nRun: 5, nAt: 7, bRx: 0, bTx: 0 });
    expect(parseMeterSh("")).toBeNull();
  });

  it("counters advance with the tunnel's run time; after a reboot they restart low (the raw total does not)", () => {
    const m = { nRun: 10_000, nAt: 1_000_000, bRx: 0, bTx: 0 };
    const a = nicAt(env, m, true, 1_005_000);
    expect(a.rxBytes).toBe(Number(env.NIC_RX0) + Math.floor((15_000 * Number(env.RX_PER_S)) / 1000));
    expect(nicAt(env, m, false, 1_005_000).rxBytes).toBe(Number(env.NIC_RX0) + Math.floor((10_000 * Number(env.RX_PER_S)) / 1000));
    const rebooted = { ...m, bRx: a.rxBytes - 18_350_912, bTx: a.txBytes - 2_621_440 };
    expect(nicAt(env, rebooted, true, 1_005_000)).toEqual({ rxBytes: 18_350_912, txBytes: 2_621_440 });
    expect(nicAt(env, rebooted, true, 1_005_000, true)).toEqual({ rxBytes: a.rxBytes, txBytes: a.txBytes });
  });

  it("the provider counts every byte since the month's baseline, a little off (per node), split over its periods", () => {
    const now = Date.UTC(2026, 10, 11, 0, 0, 0); // 10 days into November
    const m = { nRun: 0, nAt: now, bRx: 5e9, bTx: 5e9 }; // a reboot does not change what the provider saw
    const month = providerTrafficOf(env, m, false, now, Date.UTC(2026, 10, 1) / 1000, now / 1000, 1);
    expect(month).toEqual({ inBytes: 4_000, outBytes: 6_000 }); // usedBytes 10,000 split 40/60
    const drift = defaultProviderDrift(spec.ip);
    expect(Math.abs(drift - 1)).toBeLessThanOrEqual(0.008);
    expect(providerTrafficOf(env, m, false, now, Date.UTC(2026, 10, 1) / 1000, now / 1000, 1.5)).toEqual({ inBytes: 6_000, outBytes: 9_000 });
    // a day of the ten: a tenth (Lightsail's daily periods sum to the month)
    expect(providerTrafficOf(env, m, false, now, Date.UTC(2026, 10, 3) / 1000, Date.UTC(2026, 10, 4) / 1000, 1)).toEqual({ inBytes: 400, outBytes: 600 });
    expect(providerTrafficOf(env, m, false, now, Date.UTC(2026, 9, 1) / 1000, Date.UTC(2026, 10, 1) / 1000, 1)).toEqual({ inBytes: 0, outBytes: 0 });
  });
});
