/**
 * `TaskExitMapping`: what middleware map how a task's work ended (its `Exit`) through, applied as
 * the task records it: the limit
 * `SizeLimit` puts on what an MCP 2025-11-25 task's `tasks/result` will send, and the mapping of
 * `ErrorMapping` (a failure that is not an `McpError` mapped, a defect answered as the request
 * answered directly would be, and logged: the work ends after its request was answered, outside the
 * middleware's hook). The limit is applied when the task's outcome is recorded rather than only
 * when it is fetched: the outcome decides the task's status, so a replacement must be it, or
 * `tasks/get` (and the status notification) would say "completed" of a task whose `tasks/result` is
 * an error. A tool result over the limit becomes the isError result "Tool result too large" (a
 * `failed` task in that version); a `resources/read` or `prompts/get` result the -32603 error
 * "Result too large" (a `failed` task with that error); an error over it its clipped replacement.
 * Provided by the middleware around a task-augmented request; the task's work, forked with that
 * request's services, reads it once as the work ends. For a 2026-07-28 `tools/call` that may become
 * a task (tasks extension declared) it replaces only an error (inline in `tasks/get`); the call's
 * work ends through it whether or not it became one.
 *
 * A 2026-07-28 task taken over from a replica that stopped runs its work again with no request
 * around it: its mapping is read from the server's stack instead ({@link taskExitMappingOf}), each
 * middleware that maps such a call's end saying how under {@link taskExitMappingKey}.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { isExit } from "../../internal/isExit.ts"
import { runsOwnOnRequest } from "../../internal/ownHook.ts"
import type * as McpError from "../../protocol/McpError.ts"
import type { RequestContext } from "../../session/RequestContext.ts"

/**
 * Maps how the work of task `taskId` ended: replaces it when what its `tasks/result` would send is
 * over the limit, or when its failure is mapped; else returns it.
 */
export class TaskExitMapping extends Context.Service<
  TaskExitMapping,
  (exit: Exit.Exit<object, McpError.McpError>, taskId: string) => Effect.Effect<object, McpError.McpError>
>()("effect-mcp-server/internal/TaskExitMapping") {}

/**
 * A middleware's replacement, then that of a middleware outside it (the one provided nearest the
 * task hides the others): the order in which the two see the answer of a request served directly.
 */
export const thenOuter = (own: TaskExitMapping["Service"]) => (outer: Option.Option<TaskExitMapping["Service"]>): TaskExitMapping["Service"] =>
  outer._tag === "None" ? own : (exit, taskId) => {
    const replaced = own(exit, taskId)
    return isExit(replaced)
      ? outer.value(replaced as Exit.Exit<object, McpError.McpError>, taskId)
      : Effect.flatMap(Effect.exit(replaced), (ended) => outer.value(ended, taskId))
  }

/**
 * The property of a middleware holding how it maps the end of a 2026-07-28 call that may become a
 * task (a {@link TaskExitPolicy}, `SizeLimit` sets it): what it provides around such a call. A
 * symbol, so spreading the middleware keeps it, as does `Middleware.provide`; trusted only while
 * the middleware's `onRequest` is the policy's own.
 */
export const taskExitMappingKey: unique symbol = Symbol.for("effect-mcp-server/taskExitMapping") as never

/**
 * What a middleware says of how it maps a 2026-07-28 call's end: the mapping, made for the call's
 * context, and its own `onRequest`, which provides it around such a call (the policy is read only
 * from a middleware whose `onRequest` is still it: see `internal/ownHook.ts`).
 */
export interface TaskExitPolicy {
  readonly mapping: (context: RequestContext) => TaskExitMapping["Service"]
  readonly onRequest: object
}

/**
 * The mappings of `middleware` (outermost first) for a 2026-07-28 call's end in `context`, chained
 * as around the call (the innermost's first, then each outer one's: see {@link thenOuter});
 * `undefined` when none maps it.
 */
export const taskExitMappingOf = (middleware: ReadonlyArray<object>, context: RequestContext): TaskExitMapping["Service"] | undefined => {
  let chained: TaskExitMapping["Service"] | undefined
  for (const m of middleware) {
    const policy = (m as { readonly [taskExitMappingKey]?: TaskExitPolicy })[taskExitMappingKey]
    // A wrapper that spread the middleware but runs its own `onRequest` does not map a call's end
    // this way: nor a taken-over task's.
    if (policy === undefined || !runsOwnOnRequest(m, policy.onRequest)) continue
    chained = thenOuter(policy.mapping(context))(chained === undefined ? Option.none() : Option.some(chained))
  }
  return chained
}
