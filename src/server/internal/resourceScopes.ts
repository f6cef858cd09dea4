/**
 * What an open stream may still be told of resources, as the middleware that guards them judges
 * it (`Authorization`): asked when the token a stream was opened with is checked again (bearer
 * authentication whose verifier re-checks: `BearerAuth.Verifier.recheckMillis`), so that a stream
 * stops carrying the updates of a resource its token may no longer read (a 2025 session's
 * subscription is dropped, a 2026-07-28 `subscriptions/listen` that follows one ends).
 *
 * A middleware says how it judges under {@link resourceScopesKey}: a symbol, so spreading the
 * middleware (`{ ...m, name }`, `Middleware.make`) keeps it, as does `Middleware.provide`.
 *
 * @internal
 */
import type { Principal } from "../../session/Principal.ts"

/** The scopes `principal` lacks to be told of the resource `uri` (none: it may). */
export type ResourceScopes = (uri: string, principal: Principal) => ReadonlyArray<string>

/** The property of a middleware holding its {@link ResourceScopes} (`Authorization.make` sets it). */
export const resourceScopesKey: unique symbol = Symbol.for("effect-mcp-server/resourceScopes") as never

/** The judges of `middleware` (of those that have one, in order), `undefined` when none has. */
export const resourceJudges = (middleware: ReadonlyArray<object>): ReadonlyArray<ResourceScopes> | undefined => {
  let judges: Array<ResourceScopes> | undefined
  for (const m of middleware) {
    const judge = (m as { readonly [resourceScopesKey]?: ResourceScopes })[resourceScopesKey]
    if (judge !== undefined) (judges ??= []).push(judge)
  }
  return judges
}

/** The scopes `principal` lacks for any of `uris` by any of `judges`, each once, in the order found. */
export const lackedScopes = (
  judges: ReadonlyArray<ResourceScopes>,
  uris: Iterable<string>,
  principal: Principal
): ReadonlyArray<string> => {
  const lacked = new Set<string>()
  for (const uri of uris) for (const judge of judges) for (const scope of judge(uri, principal)) lacked.add(scope)
  return [...lacked]
}
