/**
 * `TaskWorkRetry`: how `Retry` runs the work of a task made by a request it retries (an MCP
 * 2025-11-25 task-augmented `tools/call`, a 2026-07-28 call that may become a task). The request
 * is answered once the task is made, so retrying the request retries nothing of the work: the
 * work runs again here instead, under the same policy, as the task's own (it stays `working`
 * meanwhile; its status says the last attempt's outcome). Provided by `Retry` around such a
 * request; the work, forked with that request's services, is wrapped once as it starts. It is
 * given as a function that makes the work: each attempt calls it again, so that the handler is
 * called anew, as a retried request's is (run again, one Effect made once re-ran a handler that
 * decides as it is called with the same outcome: its first failure at each attempt). Without it
 * the work runs as it is. Read where `TaskExitMapping` is (the mapping sees the last attempt).
 *
 * A task taken over from a replica that stopped runs its work again with no request around it:
 * its policies are read from the server's stack instead ({@link taskWorkRetryOf}), each `Retry`
 * saying its own under {@link taskWorkRetryKey}.
 *
 * @internal
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import { runsOwnOnRequest } from "../../internal/ownHook.ts"
import type * as McpError from "../../protocol/McpError.ts"

/** Wraps a task's work so that a retryable failure runs it again (see the module's doc). */
export class TaskWorkRetry extends Context.Service<
  TaskWorkRetry,
  (work: () => Effect.Effect<object, McpError.McpError>) => Effect.Effect<object, McpError.McpError>
>()("effect-mcp-server/internal/TaskWorkRetry") {}

/**
 * What a `Retry` says of itself: the methods it retries, how it runs a task's work, and its own
 * `onRequest` (the policy is read only from a middleware whose `onRequest` is still it: see
 * `internal/ownHook.ts`).
 */
export interface TaskWorkPolicy {
  readonly methods: ReadonlySet<string>
  readonly retry: TaskWorkRetry["Service"]
  readonly onRequest: object
}

/**
 * The property of a middleware holding its {@link TaskWorkPolicy} (`Retry.middleware` sets it). A
 * symbol, so spreading the middleware (`{ ...m, name }`, `Middleware.make`) keeps it, as does
 * `Middleware.provide`; trusted only while the middleware's `onRequest` is the policy's own.
 */
export const taskWorkRetryKey: unique symbol = Symbol.for("effect-mcp-server/taskWorkRetry") as never

/**
 * The policies of the `Retry`s of `middleware` (outermost first) that retry `method`, nested as
 * they nest around a request (the outer one's around the inner one's: see `Retry`); `undefined`
 * when none does.
 */
export const taskWorkRetryOf = (middleware: ReadonlyArray<object>, method: string): TaskWorkRetry["Service"] | undefined => {
  let nested: TaskWorkRetry["Service"] | undefined
  for (let i = middleware.length - 1; i >= 0; i--) {
    const policy = (middleware[i] as { readonly [taskWorkRetryKey]?: TaskWorkPolicy })[taskWorkRetryKey]
    // A wrapper that spread the `Retry` but runs its own `onRequest` (narrowed to some requests,
    // or none) does not run this policy around a call: nor around a taken-over task's work.
    if (policy === undefined || !policy.methods.has(method) || !runsOwnOnRequest(middleware[i]!, policy.onRequest)) continue
    const inner = nested
    const outer = policy.retry
    nested = inner === undefined ? outer : (work) => outer(() => inner(work))
  }
  return nested
}
