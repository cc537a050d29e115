// The simulated meter's per-node set-up (_meter.sh reads it): node.env facts, the state a
// fresh node starts with, and how a node "provisioned long ago" looks after its first up.
import type { NodeSpec, NodeState } from "./fleet";

export const DEFAULT_TIME_SCALE = 12;

/** node.env facts of the meter (strings, as the shims read them). */
export function meterNodeEnv(s: NodeSpec): Record<string, string> {
  const scale = s.timeScale ?? DEFAULT_TIME_SCALE;
  return {
    // simulated time runs TIME_SCALE× faster for the reporter and the traffic meter
    TIME_SCALE: String(scale),
    REPORT_EVERY_MS: String(Math.round(60_000 / scale)),
    RATE_PER_S: String(Math.round((s.trafficBytesPerSec ?? 110_247) * scale)),
  };
}

/** The meter part of a fresh node's state.json. */
export function initialMeterState(s: NodeSpec): Partial<NodeState> {
  return { usedBase: s.scenario === "cut" ? 1073301000000 : (s.usedBytes ?? 17400000000) };
}

/** After the simulator's own first `up -d`: the reporter has been running, its next cycle is due now. */
export function ageMeterState(st: NodeState): void {
  if (st.meterStart) st.meterStart -= 10_000;
  if (st.reported) st.reported = Date.now() - (st.reportEveryMs || 5000);
}
