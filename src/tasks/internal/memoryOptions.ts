/**
 * The check of the in-memory task store's limits and times (`TaskStore.checkMemoryOptions`),
 * apart from the store: `McpServer.tasks` checks its options when it is called, and importing
 * `TaskStore.ts` for it loaded the store (and Effect's `PubSub`) at the start of every server,
 * tasks or not.
 *
 * @internal
 */
import * as NumericOptions from "../../internal/options.ts"

/** The options checked: the numbers of `TaskStore.MemoryOptions` (documented there). */
export interface MemoryLimits {
  readonly maxTasks?: number | undefined
  readonly maxTasksPerOwner?: number | undefined
  readonly maxTasksPerAddress?: number | undefined
  readonly defaultTtlMillis?: number | undefined
  readonly maxTtlMillis?: number | undefined
  readonly minTtlMillis?: number | undefined
  readonly pollIntervalMillis?: number | undefined
  readonly reapIntervalMillis?: number | undefined
}

/** See `TaskStore.checkMemoryOptions`. */
export const checkMemoryOptions = (options: MemoryLimits, who: string, prefix = ""): void =>
  NumericOptions.checkAll(who, options, {
    maxTasks: NumericOptions.limit(1),
    maxTasksPerOwner: NumericOptions.limit(1),
    maxTasksPerAddress: NumericOptions.limit(1),
    defaultTtlMillis: NumericOptions.millis,
    maxTtlMillis: NumericOptions.millis,
    minTtlMillis: NumericOptions.finiteMillisOrZero,
    pollIntervalMillis: NumericOptions.finiteMillisOrZero,
    reapIntervalMillis: NumericOptions.finiteMillis
  }, prefix)
