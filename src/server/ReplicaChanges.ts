/**
 * The changes of a server's resources that its other replicas must hear of: what
 * `McpServer.notifyResourceUpdated(uri)` and `McpServer.notifyResourceListChanged()` report on one
 * replica, delivered on every other to its own subscribers as a change made there would be (the
 * 2025-11-25 sessions subscribed to the URI, the 2026-07-28 `subscriptions/listen` streams whose
 * filter asks for it).
 *
 * **When to use**
 *
 * Several replicas of a server behind a load balancer, where the change is made on one and a
 * client listens on another. Provided around `serve`, as the stores are: `McpServer` reads it when
 * it is built, and without it (the default) nothing is sent nor followed. On Redis:
 * `RedisStores.layer({ url, prefix, resourceChanges: true })` (or `RedisReplicaChanges.layer`).
 *
 * **Details**
 *
 * - Only the two explicit reports are sent: a component added, removed, enabled or disabled at
 *   run time changes the registry of its replica only (the others do not serve it), and every
 *   replica registers its components when it starts; their list changes stay local.
 * - `publish` never fails nor waits: the local delivery and the handler that made the change go
 *   on whatever becomes of the message (an implementation counts and logs what it could not send).
 * - A change arrives once on each other replica; the replica that made it delivered it locally
 *   at once and does not deliver it again.
 * - A change carries the name of its server (`McpServer`'s `name` option): a server delivers only
 *   those of its own name, not those of another server given the same channel (one Redis prefix
 *   by mistake).
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"

/**
 * A change another replica must hear of.
 *
 * @since 0.2.0
 * @category models
 */
export type Change =
  | { readonly _tag: "ResourceUpdated"; readonly server: string; readonly uri: string }
  | { readonly _tag: "ResourceListChanged"; readonly server: string }

/**
 * The channel between replicas; see the module documentation.
 *
 * @since 0.2.0
 * @category services
 */
export class ReplicaChanges extends Context.Service<ReplicaChanges, {
  /** Sends a change made here to the other replicas: at once, never failing nor waiting. */
  readonly publish: (change: Change) => void
  /**
   * Calls `listener` with each change another replica made (never this one's own); returns the
   * function that stops it.
   */
  readonly subscribe: (listener: (change: Change) => void) => () => void
}>()("effect-mcp-server/ReplicaChanges") {}
