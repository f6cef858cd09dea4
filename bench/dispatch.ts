/**
 * `node bench/dispatch.ts`: the per-call cost of our two APIs' dispatch path, in process, without
 * I/O: `tools/call echo` through the low-level server's and the authoring API's dispatcher
 * (params decode, registry lookup, arguments decode, handler, result encoding). Both answer with
 * an already-completed effect, so this is the framework's own cost per request.
 *
 * A third row runs the authoring API's echo under a stack of three pass-through middlewares (one
 * `onMessage`, one `onRequest`, one `onCallTool`, each only calling `next`), and the overhead
 * of that stack relative to the authoring API without middleware is printed (target: < 15%).
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { components, options } from "../examples/echo-api-server.ts"
import { echoServer } from "../examples/echo-server.ts"
import { McpServer, Middleware, type RequestContext } from "../src/index.ts"
import { median } from "./support.ts"

const scope = Scope.makeUnsafe()
const build = (layer: Layer.Layer<never, never, McpServer.McpServer>) =>
  Effect.runPromise(Effect.gen(function*() {
    const context = yield* Layer.buildWithScope(Layer.provideMerge(layer, McpServer.McpServer.layer(options)), scope)
    return (yield* Effect.provideContext(Effect.service(McpServer.McpServer), context)).lowLevel()
  }))
const authoring = await build(components)

// Three pass-through middlewares, one raw hook or typed hook each.
const passThrough = McpServer.middleware(
  Middleware.make("observe-messages", { onMessage: (_message, next) => next() }),
  Middleware.make("observe-requests", { onRequest: (request, _context, next) => next(request) }),
  Middleware.make("observe-tool-calls", { onCallTool: (params, _context, next) => next(params) })
)
const withMiddleware = await build(Layer.merge(components, passThrough))

// A session-held request (the server answers a stateless or 2026 request by the server as it is now).
const context = { protocolVersion: "2025-11-25", requestId: 1, session: { stateless: false } } as unknown as RequestContext
const request = { jsonrpc: "2.0" as const, id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "hello" } } }
const warmup = 200_000
const calls = 2_000_000

const measure = (dispatch: typeof echoServer.dispatcher.request) => {
  let ok = 0
  for (let i = 0; i < warmup; i++) {
    const exit = dispatch(request, context)
    if (Exit.isExit(exit) && exit._tag === "Success") ok++
  }
  const start = performance.now()
  for (let i = 0; i < calls; i++) {
    const exit = dispatch(request, context)
    if (Exit.isExit(exit) && exit._tag === "Success") ok++
  }
  if (ok !== warmup + calls) throw new Error(`only ${ok} of ${warmup + calls} calls succeeded inline`)
  return ((performance.now() - start) * 1000) / calls
}

const stacked = "authoring + 3 pass-through middlewares"
const results: Record<string, Array<number>> = { "low-level": [], authoring: [], [stacked]: [] }
for (let round = 0; round < 5; round++) {
  results["low-level"]!.push(measure(echoServer.dispatcher.request))
  results.authoring!.push(measure(authoring.dispatcher.request))
  results[stacked]!.push(measure(withMiddleware.dispatcher.request))
}
console.log("| API | dispatch µs/call (median of 5) |\n|---|---:|")
for (const [name, xs] of Object.entries(results)) console.log(`| ${name} | ${median(xs).toFixed(3)} |`)
// Overhead of the stack: extra time per call, relative to the authoring API's time per call
// (equivalently, the fraction by which the echo rate drops is overhead / (1 + overhead)).
const base = median(results.authoring!)
const overhead = (median(results[stacked]!) - base) / base
const rateDrop = 1 - base / median(results[stacked]!)
const percent = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`
console.log(
  `\n3 pass-through middlewares: ${percent(overhead)} time per call, ` +
    `${percent(-rateDrop)} echo rate (target: a drop of less than 15%)`
)
await Effect.runPromise(Scope.close(scope, Exit.void))
