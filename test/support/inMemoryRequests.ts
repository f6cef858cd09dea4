/**
 * Raw JSON-RPC over an in-memory pair, for tests that speak the wire themselves (2026-07-28
 * `_meta`, input rounds): a server serving `components` on the pair, and `request`, which sends
 * one request and waits for its answer (by id).
 */
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { InMemory, McpServer } from "../../src/index.ts"

/** Serves `components` with `options` on a fresh in-memory pair (in the test's scope). */
export const serveInMemory = (
  options: McpServer.Options,
  components: Layer.Layer<never, never, McpServer.McpServer>
): Effect.Effect<{
  readonly request: (method: string, params: Record<string, unknown>) => Effect.Effect<any>
  readonly notify: (method: string) => Effect.Effect<void>
}, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(McpServer.serve(options, components, pair.server))
    return requestsOver(pair.client)
  })

/**
 * `request` and `notify` over the client end of an in-memory pair whose server end something
 * serves (a low-level server, say).
 */
export const requestsOver = (client: InMemory.Pair["client"]): {
  readonly request: (method: string, params: Record<string, unknown>) => Effect.Effect<any>
  readonly notify: (method: string) => Effect.Effect<void>
} => {
  const answers = new Map<unknown, (message: any) => void>()
  client.onmessage = (message: any) => {
    answers.get(message.id)?.(message)
    answers.delete(message.id)
  }
  let next = 0
  const request = (method: string, params: Record<string, unknown>) =>
    Effect.promise(() =>
      new Promise<any>((resolve) => {
        const id = ++next
        answers.set(id, resolve)
        void client.send({ jsonrpc: "2.0", id, method, params } as never)
      })
    )
  const notify = (method: string) => Effect.promise(() => client.send({ jsonrpc: "2.0", method } as never))
  return { request, notify }
}
