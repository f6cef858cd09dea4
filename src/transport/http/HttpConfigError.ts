/**
 * The error of Streamable HTTP options read from the environment that cannot be used, in a module
 * of its own: the transport's public module re-exports it, and the endpoint (loaded on first use)
 * reads the environment and throws it, without the two importing each other (as `ListenError`).
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"

/**
 * A variable read by `StreamableHttp.fromConfig` (`MCP_HTTP_PORT`, `MCP_HTTP_MAX_SESSIONS`...)
 * does not parse, or names a value the endpoint cannot take: `MCP_HTTP_PORT=abc`,
 * `MCP_HTTP_MAX_SESSIONS=0`.
 *
 * **Details**
 *
 * The listener fails with it as a defect (its type promises no error), before anything is served;
 * its message names the variable and what is wrong with it, in one line. It carries no stack: it
 * is a mistake in the configuration, not in code, and loggers print an error's stack (frames into
 * the library's files, which tell a user nothing). Catch it with `Effect.catchDefect` to report it
 * your own way.
 *
 * @since 0.2.0
 * @category errors
 */
export class HttpConfigError extends Data.TaggedError("HttpConfigError")<{
  /** The variable, `MCP_HTTP_PORT`... */
  readonly variable: string
  /** What is wrong with its value, as the rest of the sentence after the variable's name. */
  readonly problem: string
}> {
  constructor(args: { readonly variable: string; readonly problem: string }) {
    super(args)
    Object.defineProperty(this, "stack", { value: `${this.name}: ${this.message}`, writable: true, configurable: true })
  }

  override get message(): string {
    return `${this.variable} ${this.problem}`
  }
}
