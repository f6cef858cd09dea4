/**
 * The outbound gates of a session, as pure decisions: which notifications may go to the client
 * (only what the server advertised; nothing unsolicited before the handshake is answered), and
 * which are held between the `initialize` answer and `notifications/initialized` (list changes
 * and resource updates, to send once the client has said it is ready; logs are not held). The
 * session applies them; every rule is a table row in a unit test.
 *
 * @internal
 */
import type * as JsonRpc from "../../protocol/JsonRpc.ts"
import type { ServerCapabilities } from "../../protocol/McpSchema.ts"
import type { Phase } from "../Session.ts"

/**
 * Whether a notification may be sent: the server advertised what it is about (logging, list
 * changes, resource subscriptions), and it is tied to a request (`related`) or the handshake has
 * been answered. A closed session sends nothing. `modern`: it is tied to a 2026-07-28 request (a
 * listen stream), whose handler chose what it follows from what the server serves now; list
 * changes and resource updates are not gated by the capabilities the session started with (a
 * shared stateless session's can predate the server's first prompt).
 */
export const mayNotify = (
  phase: Phase,
  capabilities: ServerCapabilities,
  method: string,
  related: JsonRpc.RequestId | undefined,
  modern = false
): boolean => {
  if (phase === "closed") return false
  // A 2026-07-28 connection has no unsolicited notifications: they go on listen streams.
  if (related === undefined && (phase === "new" || phase === "initializing" || phase === "modern")) return false
  switch (method) {
    case "notifications/message":
      return capabilities.logging !== undefined
    case "notifications/tools/list_changed":
      return modern || capabilities.tools?.listChanged === true
    case "notifications/prompts/list_changed":
      return modern || capabilities.prompts?.listChanged === true
    case "notifications/resources/list_changed":
      return modern || capabilities.resources?.listChanged === true
    case "notifications/resources/updated":
      return modern || capabilities.resources?.subscribe === true
  }
  return true
}

/** Unsolicited notifications held at most before `notifications/initialized`. */
export const maxHeld = 64

/**
 * Whether a notification waits for `notifications/initialized`: an unsolicited one (not tied to a
 * request) other than a log, between the `initialize` answer and the client's word that it is
 * ready.
 */
export const isHeld = (phase: Phase, method: string, related: JsonRpc.RequestId | undefined): boolean =>
  related === undefined && phase === "initialized" && method !== "notifications/message"

/**
 * Adds a held notification to `held` (made when missing): a parameterless notification already
 * held is not held twice (one list change says it all), and past {@link maxHeld} the newest are
 * dropped (the client lists again anyway). Returns the held notifications.
 */
export const hold = (
  held: Array<JsonRpc.Notification> | undefined,
  message: JsonRpc.Notification
): Array<JsonRpc.Notification> => {
  const all = held ?? []
  const duplicate = message.params === undefined && all.some((m) => m.method === message.method && m.params === undefined)
  if (!duplicate && all.length < maxHeld) all.push(message)
  return all
}
