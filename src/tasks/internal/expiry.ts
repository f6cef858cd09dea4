/**
 * When a task's end is its expiry, for those waiting on it: one rule, that the in-memory store
 * (`TaskStore.memory`) and the Redis store (`RedisTaskStore`) both apply to the end a wait
 * (`tasks/result`) receives.
 *
 * @internal
 */
import { expiresAt, type Task } from "../Task.ts"

/**
 * Whether the end of `task` (terminal) was recorded at its TTL or past it: the supervisor's expiry
 * of its work, whose timer may fire a millisecond early (hence `expiry - 1`). Such an end is an
 * expiry: the task is gone for those waiting on it (`TaskNotFound`), as for a `get` from then on,
 * whichever came first, the end reaching them or their own timer at the TTL (they were answered
 * -32603 "expired" or -32602 by turns). A task without a TTL never ends so.
 */
export const endedAtExpiry = (task: Task): boolean => {
  const expiry = expiresAt(task)
  return expiry !== undefined && task.lastUpdatedAt >= expiry - 1
}
