/**
 * The tasks a `subscriptions/listen` stream follows (`listen.ts`'s `TaskSource`), over the store's
 * changes: imported with the task machinery (`./tasks.ts`), so that a server without tasks loads
 * neither Effect's `PubSub` nor the tasks extension's wire module to start.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import type * as McpError from "../../protocol/McpError.ts"
import type { RequestContext } from "../../session/RequestContext.ts"
import type { Task } from "../../tasks/Task.ts"
import * as TasksWire from "../../tasks/wire/v2026_07_28.ts"
import type { TaskSource } from "./listen.ts"

/**
 * The source of the tasks `changes` publishes (every change of the store's tasks), `visible` looks
 * up for a request's owner, read again every `recheckMillis` when the changes can miss some.
 */
export const taskSource = (options: {
  readonly changes: PubSub.PubSub<Task>
  readonly visible: (taskId: string, context: RequestContext) => Effect.Effect<Task | undefined, McpError.McpError>
  readonly recheckMillis?: number | undefined
}): TaskSource => ({
  subscribe: Effect.map(PubSub.subscribe(options.changes), (subscription) => ({
    take: PubSub.take(subscription),
    takeAll: PubSub.takeUpTo(subscription, Number.MAX_SAFE_INTEGER)
  })),
  visible: options.visible,
  recheckMillis: options.recheckMillis,
  extensionId: TasksWire.extensionId,
  detailed: TasksWire.detailedTask
})
