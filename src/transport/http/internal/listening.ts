/**
 * What is told the port the endpoint's own server listens on (`StreamableHttp.serve`), once it
 * serves: `effect-mcp dev`'s server child listens on port 0 and tells dev the port it got, which
 * dev relays to (see `Run.Mode`'s `reportPortTo`). Told whatever the log level (the listening
 * line is a log, `--log-level error` hides it).
 *
 * @internal
 */
import * as Context from "effect/Context"

/**
 * Told the port once the endpoint serves on it (after its listening line is logged); default:
 * no one.
 *
 * @internal
 */
export const OnListening = Context.Reference<((port: number) => void) | undefined>("effect-mcp-server/http/OnListening", {
  defaultValue: () => undefined
})
