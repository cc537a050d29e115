// What every area of one Center simulator instance shares: its state, clock, id sequence,
// snapshot trigger, log and audit (built once by startCenterSim and handed to each area).
import type { CenterSimHooks, CenterSimOptions } from "./options";
import type { CenterSimState, SimUser } from "./types";

export const GiB = 2 ** 30;
export const TiB = 2 ** 40;

export type CenterCore = {
  opts: CenterSimOptions;
  state: CenterSimState;
  hooks: CenterSimHooks;
  now: () => number;
  nextId: (k: string) => number;
  touch: () => void;
  log: (line: string) => void;
  audit: (user: SimUser | undefined, action: string, targetType: string, targetId: string, detail?: unknown) => void;
};
