/**
 * The check of the in-memory task store's limits and times (`TaskStore.checkMemoryOptions`),
 * apart from the store: `McpServer.tasks` checks its options when it is called, and importing
 * `TaskStore.ts` for it loaded the store (and Effect's `PubSub`) at the start of every server,
 * tasks or not.
 *
 * @internal
 */
import * as NumericOptions from "../../internal/options.ts"

/** What each option of `TaskStore.MemoryOptions` (documented there) must be. */
const rules = {
  maxTasks: NumericOptions.limit(1),
  maxTasksPerOwner: NumericOptions.limit(1),
  maxTasksPerAddress: NumericOptions.limit(1),
  defaultTtlMillis: NumericOptions.millis,
  maxTtlMillis: NumericOptions.millis,
  minTtlMillis: NumericOptions.finiteMillisOrZero,
  pollIntervalMillis: NumericOptions.finiteMillisOrZero,
  reapIntervalMillis: NumericOptions.finiteMillis
}

/**
 * The options checked: the numbers of `TaskStore.MemoryOptions`, named by {@link rules} (that
 * interface cannot be imported here, even as a type: `TaskStore.ts` imports this module).
 */
export type MemoryLimits = { readonly [K in keyof typeof rules]?: number | undefined }

/** See `TaskStore.checkMemoryOptions`. */
export const checkMemoryOptions = (options: MemoryLimits, who: string, prefix = ""): void =>
  NumericOptions.checkAll(who, options, rules, prefix)
