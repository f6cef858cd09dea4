/**
 * A limit on the size of results: one over `maxBytes` (its UTF-8 JSON) is not sent.
 *
 * A `tools/call` result over the limit is replaced by an `isError` result, "Tool result too
 * large: N bytes (limit M)" (the model can see it and ask for less); any other method's by a
 * JSON-RPC `-32603` error, "Result too large: N bytes (limit M)".
 *
 * **Example** (At most 256 KiB per result)
 *
 * ```ts
 * const Limit = SizeLimit.middleware({ maxBytes: 256 * 1024 })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as NumericOptions from "../../internal/options.ts"
import * as McpError from "../../protocol/McpError.ts"
import * as Middleware from "../Middleware.ts"

/** Options of {@link middleware}; every one has a default. */
export interface Config {
  /** The largest result allowed, in bytes of UTF-8 JSON (default 1 MiB). */
  readonly maxBytes?: number | undefined
  /**
   * The request methods whose results are measured (default: every method but `initialize`,
   * whose result the server controls and the handshake needs).
   */
  readonly methods?: ReadonlyArray<string> | undefined
}

/** The default of {@link Config.maxBytes}: 1 MiB. */
export const defaultMaxBytes = 1_048_576

/** The size of a result as sent: the bytes of its UTF-8 JSON (an absent result is sent as `{}`). */
export const sizeOf = (result: unknown): number =>
  result === undefined || result === null ? 2 : Buffer.byteLength(JSON.stringify(result), "utf8")

/**
 * Measures the results of `methods` and replaces those over `maxBytes` (see the module
 * documentation).
 *
 * **Details**
 *
 * It is an `onRequest` hook: it measures the result as everything below it made it, typed hooks
 * included. Synchronous results are measured without a fiber. Measuring serializes each result
 * once more.
 */
export const middleware = (config: Config = {}): Middleware.Middleware => {
  const maxBytes = config.maxBytes ?? defaultMaxBytes
  NumericOptions.check("SizeLimit", "maxBytes", maxBytes, NumericOptions.integer(1))
  const methods = config.methods === undefined ? undefined : new Set(config.methods)
  const check = (method: string) => (result: unknown): Exit.Exit<unknown, McpError.McpError> => {
    const size = sizeOf(result)
    if (size <= maxBytes) return Exit.succeed(result)
    const message = `${method === "tools/call" ? "Tool result" : "Result"} too large: ${size} bytes (limit ${maxBytes})`
    return method === "tools/call"
      ? Exit.succeed({ content: [{ type: "text", text: message }], isError: true })
      : Exit.fail(McpError.withoutStackTrace(() => new McpError.InternalError({ message })))
  }
  return Middleware.make("size-limit", {
    onRequest: (request, _context, next) => {
      if (methods === undefined ? request.method === "initialize" : !methods.has(request.method)) return next(request)
      const effect = next(request)
      if (Exit.isExit(effect)) return effect._tag === "Success" ? check(request.method)(effect.value) : effect
      return Effect.flatMap(effect, check(request.method))
    }
  })
}
