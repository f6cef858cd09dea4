/**
 * How a stream opened with a bearer token is checked again while it is open (see
 * `BearerAuth.Verifier.recheckMillis`): the transport's authentication keeps, for each principal it
 * admitted with a verifier that asks for it, the token's verification and how often to run it; the
 * endpoint's heap of token deadlines runs it while a stream of that principal is open. Kept apart
 * from the principal (which handlers see), and without `jose`: the HTTP endpoint loads it.
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import type { Principal } from "../../session/Principal.ts"

/** A principal's token verified again: `InvalidToken` when it no longer is valid (revoked). */
export interface Recheck {
  /** Milliseconds between two checks of one stream (finite, > 0). */
  readonly every: number
  /** The token verified again; its failure's tag says whether the token is refused or only not checked. */
  readonly verify: Effect.Effect<unknown, { readonly _tag: "InvalidToken" | "VerifierUnavailable" }>
}

/**
 * By principal: the object authentication made for the request (one per request, whatever object
 * the verifier gave: a verifier may give one object for several tokens), so nothing per stream.
 */
const rechecks = new WeakMap<Principal, Recheck>()

/** Has the streams of `principal` (a request's own object) checked again as `recheck` says. */
export const register = (principal: Principal, recheck: Recheck): void => {
  rechecks.set(principal, recheck)
}

/** How `principal`'s streams are checked again, or `undefined`: not at all. */
export const of = (principal: Principal | undefined): Recheck | undefined => principal === undefined ? undefined : rechecks.get(principal)
