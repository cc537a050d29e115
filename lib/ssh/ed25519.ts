import ssh2 from "ssh2";

// CommonJS: a named import fails when a script loads this as ESM (tsx)
const { utils } = ssh2;

/**
 * A fresh ed25519 key pair in OpenSSH format ({ private, public }: PEM-like
 * strings), one that ssh2 itself can read back.
 *
 * ssh2's `utils.generateKeyPairSync("ed25519")` strips leading zero bytes of the
 * public key, so about 1 pair in 256 is refused by its own parser ("Malformed
 * OpenSSH private key"; mscdex/ssh2 issues #1390, #1513). This draws again until
 * both halves parse (1 draw in 255 of 256 cases). Throws after 20 refused draws.
 * Used by tests and benchmarks that need a throw-away host or client key.
 */
export function generateEd25519KeyPair(): { private: string; public: string } {
  for (let i = 0; i < 20; i++) {
    const pair = utils.generateKeyPairSync("ed25519");
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
  throw new Error("ssh2 could not generate a readable ed25519 key pair in 20 draws");
}
