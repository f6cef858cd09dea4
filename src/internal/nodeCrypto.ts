/**
 * `node:crypto`, loaded the first time it is needed (`process.getBuiltinModule`, Node ≥ 22.3).
 *
 * Loading the module costs about 3.5 ms of a process's start (measured on Node 24: it pulls in the
 * cipher, hash and key modules), and a stdio server that never creates a task or seals an MRTR
 * state never needs it. A static `import` from `node:crypto` would pay that cost at every start,
 * bundled or not.
 *
 * @internal
 */
import type * as Crypto from "node:crypto"

let loaded: typeof Crypto | undefined

/** The `node:crypto` module, loaded on first use. */
export const nodeCrypto = (): typeof Crypto => loaded ??= process.getBuiltinModule("node:crypto")
