import { describe, expect, it } from "vitest";
import { describeInterruption, unwrappedCommand, wrapLine } from "./engine";

describe("the process-group wrapper", () => {
  it("keeps the command intact inside single quotes, and a node's record maps back to it", () => {
    for (const c of ["echo ok", "docker ps --format '{{.Names}}'", "cd /apps/k2s && sudo docker compose pull", "printf '%s' \"it's\""]) {
      const line = wrapLine(c);
      expect(line.startsWith("exec setsid -w sh -c ")).toBe(true);
      expect(unwrappedCommand(line)).toBe(c);
    }
    expect(unwrappedCommand("bash -s")).toBe("bash -s");
  });

  it("says where an interrupted command was and whether it is known to be gone", () => {
    expect(describeInterruption({ phase: "exec", killed: "unconfirmed" })).toBe("the node did not answer the exec request; k2ops could not confirm that it stopped: the node's state is unknown");
    expect(describeInterruption({ phase: "slot", killed: "not-started" })).toMatch(/free channel; nothing ran/);
    expect(describeInterruption({ phase: "run", killed: "confirmed" })).toMatch(/while it ran; its processes were killed and are gone/);
  });
});
