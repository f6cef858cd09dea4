/**
 * What a middleware adds to the `_meta` of the notifications a session sends for a request it
 * handles (progress, log messages, what a handler sends through its context): `Telemetry`'s W3C
 * trace context, as the MCP semantic conventions ask of the sender of a notification.
 *
 * Not a hook of `Middleware`'s public surface: it is asked for every such notification,
 * synchronously (a log line of `Effect.log` is sent from within Effect's logger, outside any
 * effect), given the context of the fiber that sends it (its current span). A middleware says it
 * under {@link notificationMetaKey}; the server gives its sessions the function only when one of
 * its middleware has it, so a server without (no `Telemetry`) sends its notifications as before,
 * asking nothing.
 *
 * @internal
 */
import type * as Context from "effect/Context"

/**
 * The entries to add to a notification's `_meta` (replacing the same keys the sender put there),
 * from the context of the fiber sending it and the notification's method; `undefined` adds nothing.
 */
export type NotificationMeta = (context: Context.Context<never>, method: string) => Readonly<Record<string, string>> | undefined

/**
 * The property of a middleware holding its {@link NotificationMeta}. A symbol, so spreading the
 * middleware (`{ ...m, name }`, `Middleware.make`) keeps it, as does `Middleware.provide`.
 */
export const notificationMetaKey: unique symbol = Symbol.for("effect-mcp-server/notificationMeta") as never

/** The {@link NotificationMeta} of a middleware, if it has one. */
const metaOf = (middleware: object): NotificationMeta | undefined =>
  (middleware as { readonly [notificationMetaKey]?: NotificationMeta })[notificationMetaKey]

/**
 * What the notifications of a server whose middleware is `middleware` get: `undefined` when none of
 * it adds anything (the common case); with several, each one's entries, the inner ones' last.
 */
export const notificationMetaOf = (middleware: ReadonlyArray<object>): NotificationMeta | undefined => {
  const all: Array<NotificationMeta> = []
  for (const m of middleware) {
    const meta = metaOf(m)
    if (meta !== undefined) all.push(meta)
  }
  if (all.length <= 1) return all[0]
  return (context, method) => {
    let entries: Record<string, string> | undefined
    for (const meta of all) {
      const added = meta(context, method)
      if (added !== undefined) entries = { ...entries, ...added }
    }
    return entries
  }
}
