/**
 * MCP 2026-07-28 (the stateless revision), as a delta from 2025-11-25, the shape our server builds
 * its messages in.
 *
 * What 2026-07-28 no longer has (SEP-2575, SEP-2663 and the removals listed in the changelog):
 * the core `tasks` capability, task-augmented requests and the core `tasks/*` methods (tasks are
 * the extension `io.modelcontextprotocol/tasks`), `Tool.execution`,
 * `notifications/elicitation/complete`, and `notifications/cancelled` without a `requestId`. What
 * it adds is applied by the projection's 2026 step:
 * `resultType` on every result, the caching hints (`ttlMs`, `cacheScope`) on cacheable results,
 * resource-not-found as -32602 (SEP-2164), and the retired URL-elicitation-required (-32042) as
 * -32603 where a request cannot ask for input (MRTR asks for the elicitations where it can).
 *
 * Requests of this revision carry their version, client capabilities and client info in
 * `params._meta` (`Negotiation.resolveModern`); there is no `initialize`.
 *
 * @since 0.2.0
 */
import type { Features } from "./v2025_11_25.ts"
import * as v2025_11_25 from "./v2025_11_25.ts"
import { ErrorCode } from "../McpError.ts"

/** The protocol date this file describes. */
export const version = "2026-07-28" as const

/** What 2026-07-28 knows of the 2025-11-25 features. */
export const features: Features = {
  ...v2025_11_25.features,
  tasksCapability: false,
  taskAugmentedRequests: false,
  taskMethods: false,
  toolExecution: false,
  elicitationCompleteNotification: false,
  // `CancelledNotificationParams.requestId` is required again (optional in 2025-11-25 for tasks).
  cancelledWithoutRequestId: false
}

/** The `_meta` keys of a 2026-07-28 request. */
export const metaKeys = {
  protocolVersion: "io.modelcontextprotocol/protocolVersion",
  clientCapabilities: "io.modelcontextprotocol/clientCapabilities",
  clientInfo: "io.modelcontextprotocol/clientInfo",
  logLevel: "io.modelcontextprotocol/logLevel",
  serverInfo: "io.modelcontextprotocol/serverInfo",
  /** On every notification of a `subscriptions/listen` stream: the listen request's id. */
  subscriptionId: "io.modelcontextprotocol/subscriptionId"
} as const

/**
 * The result fields only 2026-07-28 defines: `resultType`, the caching hints (SEP-2549) and the
 * input-required pieces (MRTR). A result sent at an earlier version carries none of them.
 */
export const resultKeys: ReadonlyArray<string> = ["resultType", "ttlMs", "cacheScope", "inputRequests", "requestState"]

/** Methods whose complete results carry the caching hints `ttlMs` and `cacheScope` (SEP-2549). */
export const cacheableMethods: ReadonlySet<string> = new Set([
  "server/discover",
  "tools/list",
  "prompts/list",
  "resources/list",
  "resources/templates/list",
  "resources/read"
])

/** Methods of the handshake era that 2026-07-28 removed: answered -32601 (HTTP 404). */
export const removedMethods: ReadonlySet<string> = new Set([
  "initialize",
  "ping",
  "logging/setLevel",
  "resources/subscribe",
  "resources/unsubscribe",
  "tasks/result",
  "tasks/list"
])

/** Error codes new in 2026-07-28 (decided in `McpError.ErrorCode`; named here for this version's delta). */
export const errorCodes = {
  HeaderMismatch: ErrorCode.HeaderMismatch,
  MissingRequiredClientCapability: ErrorCode.MissingRequiredClientCapability,
  UnsupportedProtocolVersion: ErrorCode.UnsupportedProtocolVersion
} as const
