/**
 * `McpContext.isInputRequired` agrees with what the server answers a cause (MCP 2026-07-28): true
 * only when it holds stops for input and nothing else but interruptions, the causes answered
 * `input_required` (`McpError.failureBesideInput` is `undefined` for them). A stop beside a
 * failure, a defect or the client's fault is answered as that would be alone, so the predicate is
 * false for it: code that recovers from failures (`Effect.catchCause`, letting input-required
 * causes through, as the guide does) recovers from that one as from the failure alone. Before, it
 * was true for any cause with a stop in it, and such code failed with the cause, whose failure the
 * server then answered: the predicate said "input required" of a cause the server did not ask for.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpError, McpServer } from "../../src/index.ts"
import { sdk } from "../e2e/harness.ts"
import { serveHttp } from "../extensions/support.ts"

class OutOfStock extends Schema.TaggedError<OutOfStock>()("OutOfStock", { sku: Schema.String }) {}

/** The stop of a 2026-07-28 handler whose question has no answer yet, as the handler's cause holds it. */
const stopOf = Effect.gen(function*() {
  let stop: Cause.Cause<unknown> | undefined
  const Probe = McpServer.tool({
    name: "probe",
    handler: () =>
      Effect.catchCause(Effect.as(Effect.orDie(McpContext.elicit("Name?", Schema.Struct({ name: Schema.String }))), "answered"), (cause) => {
        stop = cause
        return Effect.failCause(cause)
      })
  })
  const { url } = yield* serveHttp({ name: "stop-of", version: "1.0.0" }, Probe)
  const client = new Client({ name: "stop-of", version: "2.0.0" }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: "2026-07-28" } as never } })
  client.setRequestHandler("elicitation/create", async () => ({ action: "accept", content: { name: "Ada" } }))
  yield* sdk(() => client.connect(new StreamableHTTPClientTransport(new URL(url))))
  yield* sdk(() => client.callTool({ name: "probe", arguments: {} }))
  yield* Effect.promise(() => client.close())
  return stop!
})

/** A handler whose question stops beside another branch's end (`beside`), guarded as the guide does. */
const guarded = (beside: () => Cause.Cause<OutOfStock>) =>
  Effect.catchCause(
    Effect.flatMap(
      Effect.exit(Effect.orDie(McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })))),
      (exit): Effect.Effect<string, OutOfStock> =>
        exit._tag === "Failure"
          ? Effect.failCause(Cause.combine(exit.cause, beside()))
          : Effect.succeed(exit.value.action === "accept" ? `hello ${exit.value.content.name}` : exit.value.action)
    ),
    (cause) => McpContext.isInputRequired(cause) ? Effect.failCause(cause) : Effect.succeed("could not finish")
  )

const components = Layer.mergeAll(
  McpServer.tool({ name: "asks", handler: () => guarded(() => Cause.empty) }),
  McpServer.tool({ name: "asks_beside_failure", failure: OutOfStock, handler: () => guarded(() => Cause.fail(new OutOfStock({ sku: "A1" }))) }),
  McpServer.tool({ name: "asks_beside_defect", handler: () => guarded(() => Cause.die(new Error("the stock branch died"))) })
)

describe("McpContext.isInputRequired", () => {
  // The stop + failure, + defect, + client's fault cases fail before (true).
  it.live("true for stops (and interruptions) only, as the server answers input_required", () =>
    Effect.gen(function*() {
      const stop = yield* stopOf
      assert.isTrue(McpContext.isInputRequired(stop), "a stop")
      assert.isUndefined(McpError.failureBesideInput(stop))
      const cases: ReadonlyArray<readonly [string, Cause.Cause<unknown>, boolean]> = [
        ["a stop beside an interruption", Cause.combine(stop, Cause.interrupt(1)), true],
        ["two stops", Cause.combine(stop, stop), true],
        ["a stop beside a failure", Cause.combine(stop, Cause.fail(new OutOfStock({ sku: "A1" }))), false],
        ["a stop beside a defect", Cause.combine(stop, Cause.die(new Error("died"))), false],
        ["a stop beside the client's fault", Cause.combine(stop, Cause.die(new McpContext.ElicitationInvalid({ message: "no" }))), false],
        ["a stop beside a URL elicitation required", Cause.combine(stop, Cause.fail(new McpError.UrlElicitationRequired({ elicitations: [] }))), false],
        ["a failure alone", Cause.fail(new OutOfStock({ sku: "A1" })), false],
        ["an interruption alone", Cause.interrupt(1), false],
        ["nothing", Cause.empty, false]
      ]
      for (const [what, cause, expected] of cases) {
        assert.strictEqual(McpContext.isInputRequired(cause), expected, what)
        // The one rule agrees: input_required exactly when the predicate holds (given a stop).
        if (Cause.hasDies(cause) && McpContext.isInputRequired(cause)) assert.isUndefined(McpError.failureBesideInput(cause), what)
      }
    }))

  // Fails before: "A1 is out of stock" (isError) and the internal-error result: the guard let the
  // cause through, as if input were required, and the server answered its failure.
  it.live("the guide's guard recovers from a failure beside the stop as from the failure alone; the stop alone still asks (SDK v2, 2026-07-28, HTTP)", () =>
    Effect.gen(function*() {
      const { url } = yield* serveHttp({ name: "is-input-required", version: "1.0.0" }, components)
      const client = new Client({ name: "guarded", version: "2.0.0" }, {
        capabilities: { elicitation: {} },
        versionNegotiation: { mode: { pin: "2026-07-28" } as never }
      })
      let asked = 0
      client.setRequestHandler("elicitation/create", async () => {
        asked++
        return { action: "accept", content: { name: "Ada" } }
      })
      yield* Effect.acquireRelease(sdk(() => client.connect(new StreamableHTTPClientTransport(new URL(url)))), () =>
        Effect.promise(() => client.close().catch(() => undefined)))
      const text = (result: { readonly content: unknown }) => (result.content as Array<{ readonly text?: string }>).map((block) => block.text)
      assert.deepStrictEqual(text(yield* sdk(() => client.callTool({ name: "asks", arguments: {} }))), ["hello Ada"])
      assert.strictEqual(asked, 1)
      for (const name of ["asks_beside_failure", "asks_beside_defect"]) {
        const result = yield* sdk(() => client.callTool({ name, arguments: {} }))
        assert.deepStrictEqual([text(result), result.isError], [["could not finish"], undefined], `${name}: ${JSON.stringify(result)}`)
      }
      assert.strictEqual(asked, 1, "nothing asked beside a failure")
    }))
})
