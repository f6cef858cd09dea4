/**
 * The options of `McpServer.tasks` and their check, apart from the task machinery
 * (`./tasks.ts`): `McpServer.tasks` checks them when it is called, and the machinery is imported
 * only when a server with tasks starts, so that a server without tasks never loads it (the
 * supervisor, the relay, the 2026-07-28 extension, the store: a dozen modules of a stdio server's
 * start; the store's option check is `tasks/internal/memoryOptions.ts`).
 *
 * @internal
 */
import * as NumericOptions from "../../internal/options.ts"
import type { HttpRequestInfo } from "../../session/Connection.ts"
import { checkMemoryOptions } from "../../tasks/internal/memoryOptions.ts"
import type { MemoryOptions } from "../../tasks/TaskStore.ts"

/**
 * How tasks are kept: the in-memory store's limits (unless a `TaskStore` is provided; see
 * {@link MemoryOptions}: by default 10,000 tasks, 100 per requestor, 500 per anonymous client
 * address, TTL at most 1 hour), list paging, and how a caller's address is read.
 */
export interface TaskOptions extends MemoryOptions {
  /** Tasks per `tasks/list` page (default 100). */
  readonly listPageSize?: number | undefined
  /**
   * The client address of a request over HTTP, for anonymous callers: their tasks count against
   * `maxTasksPerAddress` of it (across sessions) and, on a stateless server, belong to it.
   * Default: the client's address (`http.remoteAddress`): the connection's peer, or behind a reverse
   * proxy that the endpoint's `trustedProxies` lists, the address its `X-Forwarded-For` names.
   * Behind a proxy not listed every caller has the proxy's address: list it, or return the client
   * address the proxy reports, e.g.
   * `(http) => http.headers["x-forwarded-for"]?.split(",").at(-1)?.trim() ?? http.remoteAddress`
   * — only from a header the proxy itself sets (a client can send any header). An IPv6 address
   * counts by its /64 prefix (one host usually holds a whole /64); `undefined`: no address.
   */
  readonly clientAddress?: ((http: HttpRequestInfo) => string | undefined) | undefined
  /**
   * MCP 2026-07-28 (the tasks extension, where the server decides): how long a call of a
   * task-supporting tool may run before the server makes it a task (default 100 ms; a call that
   * finishes sooner is answered directly). A handler can decide itself with
   * `McpContext.becomeTask`.
   */
  readonly promoteAfterMillis?: number | undefined
  /**
   * On a store shared by replicas (Redis): how long a lease on this replica's running tasks lasts.
   * A replica that dies has its tasks taken over (run again, or ended `failed`) by another replica
   * of this server (the same `name`) within about this long. Default
   * 15 000 ms (see `TaskSupervisor.SupervisorOptions`).
   */
  readonly leaseMillis?: number | undefined
  /**
   * The largest outcome a task's end stores, in bytes of its UTF-8 JSON (the request's result, or
   * its error), whatever the store (in memory, Redis, one of one's own). A task whose work made
   * more ends `failed` with a -32603 "Task result too large: N bytes, over the limit of M bytes
   * (maxResultBytes); not kept" (`data: { limit: "maxResultBytes", max, size }`), which
   * `tasks/result` answers (2025-11-25) and `tasks/get` carries (2026-07-28), and a warning is
   * logged; the result is not kept. Default 4 MiB, the Streamable HTTP endpoint's `maxBodyBytes`
   * (above `SizeLimit`'s 1 MiB, which replaces a larger tool result by its `isError` result before
   * it is stored); raise it with `SizeLimit.maxBytes` when results are larger. Every stored task
   * may hold this much: a store's outcomes add up to at most `maxTasks` times it in JSON (on
   * Redis, what it holds; in memory, the objects themselves, which take some times more). It also
   * bounds the answers a task of the 2026-07-28 tasks extension keeps for the runs of its work
   * after a URL elicitation (measured at the most their JSON can take: beyond, a question is asked
   * again). An integer >= 1, or `Infinity`: no bound.
   */
  readonly maxResultBytes?: number | undefined
}

/**
 * Refuses task options out of range with a `RangeError` (`McpServer.tasks` checks them when it is
 * called): the store's limits and times (see `TaskStore.checkMemoryOptions`, also for a provided
 * store's options: a server that uses them names them), `listPageSize` a number >= 1,
 * `promoteAfterMillis` a number >= 0 and at most 2^31 - 1 (a Node timer), `leaseMillis` a finite number > 0 (0 or `NaN`
 * renewed leases every millisecond), `maxResultBytes` an integer >= 1 or `Infinity`.
 */
export const checkTaskOptions = (options: TaskOptions): void => {
  checkMemoryOptions(options, "McpServer.tasks")
  NumericOptions.checkAll("McpServer.tasks", options, {
    // Floored where it is used: a fraction is taken.
    listPageSize: { text: "a number >= 1", holds: (value) => value >= 1 },
    // A Node timer (`TaskSupervisor`): past 2^31 - 1 ms it would fire after 1 ms.
    promoteAfterMillis: NumericOptions.timerMillisOrZero,
    leaseMillis: NumericOptions.finiteMillis,
    maxResultBytes: NumericOptions.limit(1)
  })
}
