/**
 * The request methods MCP defines (a bounded set: what may name a metric's series).
 *
 * @internal
 */
import * as Middleware from "../../Middleware.ts"

/**
 * MCP 2026-07-28's request methods that have no typed hook (`server/discover`,
 * `subscriptions/listen`, the tasks extension's `tasks/update`): MCP methods all the same.
 */
const modernMethods: ReadonlySet<string> = new Set(["server/discover", "subscriptions/listen", "tasks/update"])

/** Whether `method` is an MCP client request method, of any version (2026-07-28's included). */
export const isMcpMethod = (method: string): boolean => Object.hasOwn(Middleware.hookNames, method) || modernMethods.has(method)
