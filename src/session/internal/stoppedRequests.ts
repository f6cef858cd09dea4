/**
 * The requests a session's drain stopped and answered -32000 (`McpError.stoppedByShutdownObject`)
 * before interrupting them: their handlers end interrupted, as a cancelled request's do, but their
 * clients got an error answer. Telemetry reads it to record that answer (not a cancellation).
 * Weak: nothing is kept of a request gone; added to only as a session drains.
 *
 * @internal
 */
export const stoppedRequests: WeakSet<object> = new WeakSet()
