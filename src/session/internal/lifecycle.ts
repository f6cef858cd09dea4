/**
 * The handshake-era lifecycle of a session as a pure decision: given where the session is and
 * the request that arrived, what becomes of the request. The session applies it (starts the
 * handshake, answers the refusal, dispatches); this module only decides, so every rule is a
 * table row in a unit test.
 *
 * - A connection without a handshake whose first request names its protocol version in `_meta`
 *   is of the stateless era (2026-07-28): that request, and once one is resolved (phase
 *   `"modern"`) every later one, is answered by its own `_meta`; the first message picks the era
 *   (a refused one, first or not, counts for nothing: a client may fall back to `initialize`).
 *   While it has had nothing resolved but `server/discover` (`probedOnly`: a dual-era client's
 *   probe, which it follows with `initialize` when the answer came too late or did not suit it, as
 *   the spec's stdio binding has it), an `initialize` without a version in `_meta` still starts the
 *   handshake: the connection becomes a 2025 session. After any other request resolved, such an
 *   `initialize` is a handshake the connection cannot serve: refused naming the versions it serves
 *   (`Negotiation.initializeAfterModern`), which its `server/discover` lists alone then.
 * - Before `initialize` was answered, only `ping` and `initialize` (once) are accepted.
 * - `initialize` comes once per session (a stateless session takes it from anyone).
 * - `notifications/initialized` takes effect once `initialize` was answered; one that arrives
 *   while `initialize` is still being answered (a client that does not wait for the answer, and
 *   a handler or middleware that answers asynchronously) waits for that answer, and is dropped if
 *   `initialize` failed ({@link initializedNotice}).
 * - A closed session answers nothing.
 *
 * @internal
 */
import { clip } from "../../internal/clip.ts"
import type { Phase } from "../Session.ts"

/** What becomes of a request. */
export type Admission =
  | { readonly _tag: "Modern" }
  | { readonly _tag: "Initialize" }
  | { readonly _tag: "Dispatch" }
  | { readonly _tag: "Drop" }
  | { readonly _tag: "InitializeAfterModern" }
  | { readonly _tag: "Reject"; readonly detail: string }

/** Resolve it by its own `_meta` (the stateless era), then dispatch. */
export const modern: Admission = { _tag: "Modern" }
/** Start the handshake with it. */
export const initialize: Admission = { _tag: "Initialize" }
/** Dispatch it to its handler. */
export const dispatch: Admission = { _tag: "Dispatch" }
/** Answer nothing (the session closed). */
export const drop: Admission = { _tag: "Drop" }
/** Refuse a handshake on a connection of the stateless era, naming the versions it serves. */
export const initializeAfterModern: Admission = { _tag: "InitializeAfterModern" }

const initializeTwice: Admission = { _tag: "Reject", detail: "initialize may be sent only once per session" }

/**
 * The admission of a request of `method` in `phase`. `namesVersion`: the request names its
 * protocol version in `_meta` (needed while the phase is `"new"`, and for `initialize`);
 * `resolved`: the transport resolved its truth already (2026-07-28 over HTTP); `probedOnly`: a
 * connection of the 2026-07-28 era (phase `"modern"`) has had no request resolved but `server/discover`.
 * Allocates only for a refusal before initialization.
 */
export const admit = (
  phase: Phase,
  stateless: boolean,
  method: string,
  namesVersion: boolean,
  resolved: boolean,
  probedOnly = false
): Admission => {
  if (!resolved && !stateless && (phase === "modern" || (phase === "new" && namesVersion))) {
    // A 2025 handshake after the era was picked (a 2026 one, with `_meta`, is a removed method):
    // the fallback of a client whose probe was all it sent, else refused.
    if (phase !== "modern" || method !== "initialize" || namesVersion) return modern
    return probedOnly ? initialize : initializeAfterModern
  }
  if (phase !== "operational" && method !== "ping") {
    if (method === "initialize") return phase === "new" ? initialize : initializeTwice
    if (phase === "new" || phase === "initializing") {
      return {
        _tag: "Reject",
        detail: `received "${clip(method)}" before initialization; send "initialize" first (only "ping" is allowed before it)`
      }
    }
    if (phase === "closed") return drop
    return dispatch
  }
  if (method === "initialize" && !stateless) return initializeTwice
  return dispatch
}

/**
 * What becomes of `notifications/initialized` in `phase`: `"apply"` once `initialize` was answered
 * (the session becomes operational); `"defer"` while `initialize` is being answered: the client
 * sent it without waiting for the answer (pipelined, as a hand-written client or a proxy may),
 * so it is applied once the answer is sent, or dropped if `initialize` failed; `"pass"` otherwise
 * (it changes nothing; middleware still observes it).
 */
export const initializedNotice = (phase: Phase): "apply" | "defer" | "pass" =>
  phase === "initialized" ? "apply" : phase === "initializing" ? "defer" : "pass"
