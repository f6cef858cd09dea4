/**
 * The bound on what a task's end stores: its outcome (the request's result, or its error), as the
 * supervisor and the 2026-07-28 tasks extension record it in whatever store the server uses (in
 * memory, on Redis, a store of one's own), is not stored when it is over
 * `McpServer.tasks({ maxResultBytes })` bytes of UTF-8 JSON. The task ends `failed`
 * with a -32603 naming the limit instead, which `tasks/result` (2025-11-25) answers and `tasks/get`
 * (2026-07-28) carries, and the server logs a warning. A task whose work made a 500 MB result was
 * stored whole (held in memory, or written to Redis) until its TTL, and sent whole.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as McpError from "../../protocol/McpError.ts"
import type { Outcome } from "../Task.ts"
import type { TaskStore } from "../TaskStore.ts"

/**
 * The default of `maxResultBytes`: 4 MiB. The largest message the Streamable HTTP endpoint takes
 * from a client (`maxBodyBytes`, 4 MiB) bounds a task's stored outcome too, and it is above
 * `SizeLimit`'s default (1 MiB): under that middleware a tool's result over its limit is replaced
 * by its `isError` result before it is stored, so at the defaults this bound only stops what no
 * middleware limits.
 */
export const defaultMaxResultBytes = 4 * 1024 * 1024

/** The limit's name, as the error's `data.limit` and its message say it. */
const limitName = "maxResultBytes"

/**
 * `store.finish` (called on the store: a store written as a class keeps its `this`) recording, in
 * place of an outcome over `maxBytes` bytes of UTF-8 JSON, the task `failed` with {@link tooLarge}'s
 * error, a warning logged; `store.finish` as it is when there is no bound (`Infinity`). What the
 * supervisor and the 2026-07-28 tasks extension record a task's end with.
 */
export const boundedFinish = (
  store: TaskStore["Service"],
  maxBytes: number = defaultMaxResultBytes
): TaskStore["Service"]["finish"] => {
  if (maxBytes === Number.POSITIVE_INFINITY) return (taskId, status, outcome, statusMessage) => store.finish(taskId, status, outcome, statusMessage)
  // Measured as the effect runs (serializing the outcome is its work), each time it does.
  return (taskId, status, outcome, statusMessage) =>
    Effect.suspend(() => {
      const size = sizeOver(outcome, maxBytes)
      if (size === undefined) return store.finish(taskId, status, outcome, statusMessage)
      const error = tooLarge(size, maxBytes)
      return Effect.andThen(
        Effect.logWarning(
          `effect-mcp-server: the ${outcome._tag === "Result" ? "result" : "error"} of task ${taskId} is ${
            size === Number.POSITIVE_INFINITY ? "too large to serialize" : `${size} bytes`
          }, over the task limit of ${maxBytes} bytes (McpServer.tasks ${limitName}): the task is recorded failed without it`
        ),
        store.finish(taskId, "failed", { _tag: "Error", error }, error.message)
      )
    })
}

/**
 * The size of an outcome over `maxBytes` (what a client would read: the result, or the error
 * object); `undefined` when it fits. One too large for a JavaScript string (V8's `RangeError`) is
 * `Infinity`; one that cannot be serialized for another reason (a cycle, a `BigInt`) is left to
 * the store, as before (its size is not the problem).
 */
const sizeOver = (outcome: Outcome, maxBytes: number): number | undefined => {
  let json: string | undefined
  try {
    json = JSON.stringify(outcome._tag === "Result" ? outcome.result : outcome.error)
  } catch (error) {
    return error instanceof RangeError ? Number.POSITIVE_INFINITY : undefined
  }
  // Bytes are at least characters, at most three per UTF-16 unit: most outcomes are told apart
  // without counting them.
  if (json === undefined || json.length * 3 <= maxBytes) return undefined
  if (json.length > maxBytes) return Buffer.byteLength(json, "utf8")
  const size = Buffer.byteLength(json, "utf8")
  return size > maxBytes ? size : undefined
}

/**
 * The error a task over the bound ends with: -32603 (the server could not keep what its work
 * made: no fault of the client's), naming the limit, with `data: { limit, max, size }` (`size`
 * absent when it could not be serialized at all).
 */
const tooLarge = (size: number, maxBytes: number): McpError.ErrorObject => {
  const finite = size !== Number.POSITIVE_INFINITY
  return {
    code: McpError.ErrorCode.InternalError,
    message: `Task result too large: ${finite ? `${size} bytes` : "too large to serialize"}, over the limit of ${maxBytes} bytes (${limitName}); not kept`,
    data: finite ? { limit: limitName, max: maxBytes, size } : { limit: limitName, max: maxBytes }
  }
}
