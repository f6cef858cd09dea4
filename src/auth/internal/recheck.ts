/**
 * How a stream opened with a bearer token is checked again while it is open (see
 * `BearerAuth.Verifier.recheckMillis`): the transport's authentication keeps, for each principal it
 * admitted with a verifier that asks for it, the token's verification and how often to run it; the
 * endpoint's heap of token deadlines runs it while a stream of that principal is open. Kept apart
 * from the principal (which handlers see), and without `jose`: the HTTP endpoint loads it.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Principal } from "../../session/Principal.ts"

/** A principal's token verified again: `InvalidToken` when it no longer is valid (revoked). */
export interface Recheck {
  /** Milliseconds between two checks of one stream (finite, > 0). */
  readonly every: number
  /** The token verified again; its failure's tag says whether the token is refused or only not checked. */
  readonly verify: Effect.Effect<unknown, { readonly _tag: "InvalidToken" | "VerifierUnavailable" }>
}

/** What checks a token again: the verifier that took it. */
export interface Rechecker {
  readonly verify: (token: string) => Recheck["verify"]
}

/** A registration: the check, and the token and verifier it is of (see {@link register}). */
interface Registered extends Recheck {
  readonly token: string
  readonly verifier: Rechecker
}

/**
 * By principal object. An object is registered once, for one token of one verifier, and stays so
 * while it lives: what a stream of it finds at its opening is the check of its own token.
 */
const rechecks = new WeakMap<Principal, Registered>()

/**
 * Has the streams of a request admitted as `principal` (the verifier's object, its scopes as
 * judged) with `token` checked again every `every` milliseconds by `verifier`; returns the object
 * the request goes on with. That is `principal` itself when it is not registered yet, or is for
 * this token: `BearerAuth.introspection` gives one object per answer, the same to every request
 * with the token while it is cached, so such a request makes nothing (an object, its check and a
 * weak entry were made per request). A copy, registered, when it is of another token (a verifier
 * of one's own may give one object for several tokens): each token is checked as its own.
 */
export const register = (principal: Principal, token: string, every: number, verifier: Rechecker): Principal => {
  const known = rechecks.get(principal)
  if (known !== undefined && known.token === token && known.verifier === verifier) return principal
  const own = known === undefined ? principal : { ...principal }
  rechecks.set(own, { every, token, verifier, verify: Effect.suspend(() => verifier.verify(token)) })
  return own
}

/** How `principal`'s streams are checked again, or `undefined`: not at all. */
export const of = (principal: Principal | undefined): Recheck | undefined => principal === undefined ? undefined : rechecks.get(principal)
