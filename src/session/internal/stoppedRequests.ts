/**
 * The requests stopped and answered with an error (the value) before their handlers were
 * interrupted: a session's drain over a pulled connection (-32000, `McpError.stoppedByShutdownObject`),
 * a Streamable HTTP endpoint's shutdown (-32000) or the end of a session (-32603 "The session
 * ended"). Their handlers end interrupted, as a cancelled request's do, but their clients got an
 * error answer. Telemetry reads it to record that answer (not a cancellation). Weak: nothing is
 * kept of a request gone; added to only as a session stops.
 *
 * @internal
 */
import type * as JsonRpc from "../../protocol/JsonRpc.ts"

export const stoppedRequests: WeakMap<object, JsonRpc.ErrorObject> = new WeakMap()
