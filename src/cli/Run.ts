/**
 * Serving a server module: `effect-mcp run <file> [--stdio | --http --port N --host H] [--stateless]`.
 *
 * - **stdio** (the default): stdout carries only protocol messages. Logs go to stderr, and so do
 *   `console.log`, `console.info` and `console.debug` (redirected before the module is loaded,
 *   so a stray `console.log` in a handler cannot corrupt the stream); only a direct
 *   `process.stdout.write` could still break it. The process ends at end of input.
 * - **http**: Streamable HTTP at `http://<host>:<port>/mcp` (127.0.0.1:3000 by default), one
 *   line logged once it listens; a port that cannot be bound ends the command with an error
 *   naming it ({@link PortUnavailable}).
 *
 * Both drain on SIGTERM or SIGINT (see `GracefulShutdown.runMain`, which runs the CLI).
 *
 * @stability experimental
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as McpServer from "../server/McpServer.ts"
import * as StreamableHttp from "../transport/http/StreamableHttp.ts"
import * as Stdio from "../transport/Stdio.ts"
import type { ServerModule } from "./ServerModule.ts"

/**
 * How the server is served.
 *
 * @stability experimental
 * @category models
 * @since 0.2.0
 */
export type Mode =
  | { readonly _tag: "Stdio" }
  | { readonly _tag: "Http"; readonly host: string; readonly port: number; readonly stateless: boolean }

/**
 * The HTTP server could not listen (the port is taken, not allowed, or the host is not local).
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class PortUnavailable extends Data.TaggedError("PortUnavailable")<{ readonly error: StreamableHttp.ListenError }> {
  override get message(): string {
    const code = this.error.code
    const hint = code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME"
      ? "choose another address with --host"
      : "choose another port with --port <n>"
    return `${this.error.message}; ${hint}`
  }
}

/**
 * The server stopped with a failure: its components could not be built, or it failed while
 * serving.
 *
 * @stability experimental
 * @category errors
 * @since 0.2.0
 */
export class ServerFailed extends Data.TaggedError("ServerFailed")<{ readonly cause: Cause.Cause<unknown> }> {
  override get message(): string {
    return `the server failed: ${Cause.pretty(this.cause)}`
  }
}

/**
 * Sends `console.log`, `console.info` and `console.debug` to stderr (stdio servers call it before
 * loading the module: stdout is the protocol's).
 *
 * @stability experimental
 * @category running
 * @since 0.2.0
 */
export const redirectConsoleToStderr: Effect.Effect<void> = Effect.sync(() => {
  const toStderr = console.error.bind(console)
  console.log = toStderr
  console.info = toStderr
  console.debug = toStderr
})

/**
 * Serves `server` as `mode` says, until end of input (stdio) or until interrupted (HTTP).
 *
 * @stability experimental
 * @category running
 * @since 0.2.0
 */
export const serve = (server: ServerModule, mode: Mode): Effect.Effect<void, PortUnavailable | ServerFailed> => {
  const served: Effect.Effect<void, unknown> = mode._tag === "Stdio"
    ? McpServer.serve(server.options, server.components, Stdio.make())
    : McpServer.serve(
      server.options,
      server.components,
      StreamableHttp.make({ host: mode.host, port: mode.port, stateless: mode.stateless })
    )
  return served.pipe(
    Effect.catchCause((cause): Effect.Effect<never, PortUnavailable | ServerFailed> => {
      if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
      const defect = Cause.findDefect(cause)
      if (defect._tag === "Success" && defect.success instanceof StreamableHttp.ListenError) {
        return Effect.fail(new PortUnavailable({ error: defect.success }))
      }
      return Effect.fail(new ServerFailed({ cause }))
    })
  )
}
