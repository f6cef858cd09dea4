/**
 * The interface a session runs over.
 *
 * A transport moves bytes: `open` gives one session its {@link Connection}, an inbound Stream of
 * parsed messages and a `write` function, and the scope closes it. Stdio and the in-memory pair
 * implement it; Streamable HTTP fits the same shape, routing each outbound message by the
 * request it is related to.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Connection, PushConnection } from "../session/Connection.ts"

/** A transport: opens the connection of one session; closing the scope closes the connection. */
export interface Transport<E = never> {
  readonly open: Effect.Effect<Connection | PushConnection, E, Scope.Scope>
}
