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
import { missingScopes, scopeList } from "../../internal/scopes.ts"
import type { Principal } from "../../session/Principal.ts"

/**
 * The least time between two checks of one stream's token, in milliseconds: a shorter
 * `streamRecheckMillis` (or `Verifier.recheckMillis`) is refused when the verifier (or the config)
 * is made. At 1 ms each open stream ran a check a millisecond, and, its answer not cached, a request
 * to the introspection endpoint.
 */
export const minRecheckMillis = 1_000

/**
 * Why a check refused a stream's token: the verifier refused it (`InvalidToken`: revoked; so too a
 * token now of another subject or client than the one admitted), could not check it
 * (`VerifierUnavailable`), or took it without a scope every request needs (`ScopesLost`, naming them).
 */
export type Refusal =
  | { readonly _tag: "InvalidToken" | "VerifierUnavailable" }
  | ScopesLost

/** The token is valid, but lacks scopes every request needs (`BearerAuth.Config.requiredScopes`) that it had. */
export interface ScopesLost {
  readonly _tag: "ScopesLost"
  readonly missing: ReadonlyArray<string>
}

/** A principal's token verified again: `InvalidToken` when it no longer is valid (revoked). */
export interface Recheck {
  /** Milliseconds between two checks of one stream (finite, >= {@link minRecheckMillis}). */
  readonly every: number
  /**
   * The token verified again, and judged against the principal it was admitted as: the principal
   * it stands for now (its scopes may have changed); its failure's tag says whether the token is
   * refused, only not checked, or lacks a required scope.
   */
  readonly verify: Effect.Effect<Principal, Refusal>
}

/** What checks a token again: the verifier that took it. */
export interface Rechecker {
  readonly verify: (token: string) => Effect.Effect<Principal, { readonly _tag: "InvalidToken" | "VerifierUnavailable" }>
}

/** A registration: the check, and the token, verifier and required scopes it is of (see {@link register}). */
interface Registered extends Recheck {
  readonly token: string
  readonly verifier: Rechecker
  readonly required: ReadonlyArray<string>
}

/**
 * By principal object. An object is registered once, for one token of one verifier, and stays so
 * while it lives: what a stream of it finds at its opening is the check of its own token.
 */
const rechecks = new WeakMap<Principal, Registered>()

/** A token now of another subject or client than the one it was admitted as: taken as revoked. */
const changedHands: Refusal = { _tag: "InvalidToken" }

/** The client a principal names (`client_id`: RFC 7662 §2.2, RFC 9068 §2.2), when it is a string. */
const clientOf = (principal: Principal): string | undefined => {
  const client = principal.claims?.client_id
  return typeof client === "string" ? client : undefined
}

/**
 * The verifier's new answer about a stream's token, judged against the principal the stream was
 * opened as: another subject or client (which an authorization server should never say of one
 * token) is a refusal, as a revocation is; a required scope the answer no longer grants (scopes
 * narrowed, RFC 6749 §3.3) is `ScopesLost`. Neither was looked at: a token whose scopes shrank kept
 * its streams (list changes, resource updates) until its expiry, for ever without one.
 */
const judged = (admitted: Principal, required: ReadonlyArray<string>, now: Principal): Effect.Effect<Principal, Refusal> => {
  if (now === admitted) return Effect.succeed(now)
  if (now.subject !== admitted.subject || clientOf(now) !== clientOf(admitted)) return Effect.fail(changedHands)
  if (required.length === 0) return Effect.succeed(now)
  const scopes = scopeList(now.scopes)
  const missing = missingScopes(required, scopes)
  return missing.length === 0 ? Effect.succeed(now) : Effect.fail({ _tag: "ScopesLost", missing })
}

/**
 * Has the streams of a request admitted as `principal` (the verifier's object, its scopes as
 * judged) with `token` checked again every `every` milliseconds by `verifier`, against the scopes
 * `required` of every request; returns the object the request goes on with. That is `principal`
 * itself when it is not registered yet, or is for this token, verifier and scopes:
 * `BearerAuth.introspection` gives one object per answer, the same to every request with the token
 * while it is cached, so such a request makes nothing (an object, its check and a weak entry were
 * made per request). A copy, registered, when it is of another token (a verifier of one's own may
 * give one object for several tokens): each token is checked as its own.
 */
export const register = (
  principal: Principal,
  token: string,
  every: number,
  verifier: Rechecker,
  required: ReadonlyArray<string>
): Principal => {
  const known = rechecks.get(principal)
  if (known !== undefined && known.token === token && known.verifier === verifier && known.required === required) return principal
  const own = known === undefined ? principal : { ...principal }
  rechecks.set(own, {
    every,
    token,
    verifier,
    required,
    verify: Effect.flatMap(Effect.suspend(() => verifier.verify(token)), (now) => judged(own, required, now))
  })
  return own
}

/** How `principal`'s streams are checked again, or `undefined`: not at all. */
export const of = (principal: Principal | undefined): Recheck | undefined => principal === undefined ? undefined : rechecks.get(principal)
