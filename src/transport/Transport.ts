/**
 * The interface a session runs over.
 *
 * A transport moves bytes: it frames and parses input into the session's inbound Queue and
 * writes what the session puts on its outbound Queue (see {@link Connection}). Stdio and the
 * in-memory pair implement it; Streamable HTTP fits the same shape, routing each outbound
 * message by the request it is related to.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { Connection } from "../session/Connection.ts"

/**
 * A transport: `run` does the I/O for one session's connection.
 *
 * **Details**
 *
 * `run` must offer every inbound message to `connection.inbound` and end it at end of input
 * (or fail it with a `TransportFailure` when the connection breaks), drain
 * `connection.outbound` until it is done, and return once everything was written.
 */
export interface Transport<E = never> {
  readonly run: (connection: Connection) => Effect.Effect<void, E>
}
