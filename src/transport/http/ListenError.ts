/**
 * The error of an HTTP server that cannot listen, in a module of its own: the transport's public
 * module re-exports it, and the endpoint (loaded on first use) throws it, without the two
 * importing each other (a stdio server's bundle must not reach the endpoint, nor the HTTP stack).
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"

/**
 * The endpoint's own HTTP server could not listen: the port is taken (`EADDRINUSE`), the process
 * may not bind it (`EACCES`), or the host is not an address of this machine (`EADDRNOTAVAIL`).
 *
 * **Details**
 *
 * `StreamableHttp.serve` and `StreamableHttp.make` fail with it as a defect (their types promise no error), before
 * anything is served and before the "MCP over Streamable HTTP at …" line is logged; its message
 * names the host and port. Catch it with `Effect.catchDefect` to give your own advice (the
 * `effect-mcp` CLI suggests `--port`).
 *
 * @since 0.2.0
 * @category errors
 */
export class ListenError extends Data.TaggedError("ListenError")<{
  readonly host: string
  readonly port: number
  /** The system error code (`EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`…), when there is one. */
  readonly code: string | undefined
  readonly cause: unknown
}> {
  override get message(): string {
    const where = `${this.host}:${this.port}`
    switch (this.code) {
      case "EADDRINUSE":
        return `port ${this.port} on ${this.host} is already in use (EADDRINUSE): another process listens on ${where}`
      case "EACCES":
        return `permission denied to listen on ${where} (EACCES)`
      case "EADDRNOTAVAIL":
        return `cannot listen on ${where}: ${this.host} is not an address of this machine (EADDRNOTAVAIL)`
      default: {
        const reason = this.cause instanceof Error ? this.cause.message : String(this.cause)
        return `cannot listen on ${where}: ${reason}`
      }
    }
  }
}
