import { utils } from "ssh2";
import { describe, expect, it } from "vitest";
import { generateEd25519KeyPair } from "./ed25519";

describe("generateEd25519KeyPair", () => {
  it("every pair is readable by ssh2 (its own generator's are not, about 1 in 256)", () => {
    // 2,000 pairs: ssh2's raw generator gives an unreadable one among them with probability 1 - (255/256)^2000 ≈ 99.96%
    for (let i = 0; i < 2000; i++) {
      const pair = generateEd25519KeyPair();
      expect(utils.parseKey(pair.private)).not.toBeInstanceOf(Error);
      expect(utils.parseKey(pair.public)).not.toBeInstanceOf(Error);
    }
  });
});
