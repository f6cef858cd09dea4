/**
 * Helpers for the tests of the built-in middleware (RateLimit, ResponseCache, Authorization):
 * principals, a test "authentication" middleware that gives each client a principal chosen by the
 * client's name, the text of a tool result, and a counter for handlers' side effects.
 */
import * as Effect from "effect/Effect"
import { Middleware, type Principal } from "../../src/index.ts"
import { sdkError } from "../server/McpServerHarness.ts"

/** A principal with the given subject and scopes. */
export const principal = (subject: string, scopes: ReadonlyArray<string> = []): Principal => ({
  subject,
  scopes,
  claims: {}
})

/**
 * A stand-in for authentication: every request of a client named `name` gets `principals[name]`
 * as its principal (none for other names). Raw hook, so every typed hook below sees it.
 */
export const authenticateByClientName = (principals: { readonly [name: string]: Principal }) =>
  Middleware.make("test-authentication", {
    onRequest: (request, context, next) => {
      const name = context.clientInfo?.name
      const found = name !== undefined && Object.hasOwn(principals, name) ? principals[name] : undefined
      return found === undefined ? next(request) : next(request, context.with({ principal: found }))
    }
  })

/** The text of the first content block of a tool result. */
export const text = (result: unknown): string =>
  ((result as { readonly content: ReadonlyArray<{ readonly text: string }> }).content)[0]!.text

/** A side-effect counter per key, for proving a handler ran (or did not). */
export const counter = () => {
  const counts = new Map<string, number>()
  return {
    /** Counts one run of `key`. */
    hit: (key: string) => Effect.sync(() => void counts.set(key, (counts.get(key) ?? 0) + 1)),
    /** How many times `key` ran. */
    get: (key: string) => counts.get(key) ?? 0
  }
}

/** A JSON-RPC error as the SDK client reports it. */
export interface RpcError {
  readonly code: number
  readonly message: string
  readonly data?: any
}

/** The JSON-RPC error an SDK call failed with (the test fails when the call succeeded). */
export const rpcError = <A>(f: () => Promise<A>): Effect.Effect<RpcError, A> => sdkError(f) as Effect.Effect<RpcError, A>
