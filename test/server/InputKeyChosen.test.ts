/**
 * An `inputKey` the handler chooses names its question whatever its params say (its answer is the
 * handler's word); a key spelled like one the server makes (`elicitation/create-1`,
 * `sampling/createMessage-2`, `roots/list-3.1`) could therefore take the answer the client gave to
 * another question under the server's key, when concurrent branches ask in another order in the
 * next round. Such a key is refused (a `RangeError` defect, nothing asked), in both eras alike. The
 * SDK v2 client pinned to 2026-07-28 over Streamable HTTP, and a 2025-11-25 session over the
 * in-memory pair.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { sdk } from "../e2e/harness.ts"
import { serveHttp } from "../extensions/support.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"

const Confirm = Schema.Struct({ ok: Schema.Boolean })

/** The handler's defects said as text (the stop for input let through). */
const sayingDefects = <A, R>(effect: Effect.Effect<A, never, R>) =>
  Effect.catchCause(effect, (cause) =>
    McpContext.isInputRequired(cause)
      ? Effect.failCause(cause)
      : Effect.succeed(`defect: ${(cause as Cause.Cause<unknown>).reasons.map((reason) => reason._tag === "Die" ? String(reason.defect) : reason._tag).join(", ")}`))

const yesOrNo = (question: string, key?: string) =>
  Effect.map(
    Effect.orDie(McpContext.elicit(question, Confirm, key === undefined ? undefined : { inputKey: key })),
    (answer) => answer.action === "accept" && answer.content.ok
  )

/** How many times the slow branch ran: slow the first time (a cold cache), fast afterwards. */
let runs = 0

/**
 * One branch asks "Proceed?" under the server's key; the other, after a step slow only in the
 * first round, asks "Delete everything?" under a chosen key that spells the server's first key.
 */
const Swap = McpServer.tool({
  name: "swap",
  handler: () =>
    sayingDefects(Effect.map(
      Effect.all([
        Effect.andThen(Effect.suspend(() => runs++ === 0 ? Effect.sleep(300) : Effect.void), yesOrNo("Delete everything?", "elicitation/create-1")),
        yesOrNo("Proceed?")
      ], { concurrency: 2 }),
      ([deleteAll, proceed]) => JSON.stringify({ deleteAll, proceed })
    ))
})

/** Asks under the key given. */
const AskUnder = McpServer.tool({
  name: "ask_under",
  parameters: { key: Schema.String },
  handler: ({ key }) => sayingDefects(Effect.map(yesOrNo("Proceed?", key), (ok) => `ok: ${ok}`))
})

const components = Layer.mergeAll(Swap, AskUnder)

describe("a chosen inputKey spelled like a key the server makes", () => {
  // Fails before: in round 2 the fast branch asked first and its chosen key `elicitation/create-1`
  // took the user's "yes" to "Proceed?": the tool answered {"deleteAll":true,...}, though the user
  // was never asked "Delete everything?".
  it.live("2026-07-28 (SDK v2 client): refused, never given another question's answer", () =>
    Effect.gen(function*() {
      runs = 0
      const { url } = yield* serveHttp({ name: "keys", version: "1" }, components)
      const asked: Array<string> = []
      const client = yield* Effect.acquireRelease(
        Effect.gen(function*() {
          const client = new Client({ name: "keys", version: "1" }, {
            capabilities: { elicitation: { form: {} } },
            versionNegotiation: { mode: { pin: "2026-07-28" } as never }
          })
          client.setRequestHandler("elicitation/create", async (request: any) => {
            asked.push(request.params.message)
            return { action: "accept", content: { ok: true } }
          })
          yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url))))
          return client
        }),
        (client) => Effect.promise(() => client.close().catch(() => undefined))
      )
      const result: any = yield* sdk(() => client.callTool({ name: "swap", arguments: {} }))
      const text = result.content?.[0]?.text as string
      assert.notInclude(text, "deleteAll", `${text}; asked: ${JSON.stringify(asked)}`)
      assert.include(text, "RangeError")
      assert.include(text, "elicitation/create-1")
      const refused: any = yield* sdk(() => client.callTool({ name: "ask_under", arguments: { key: "sampling/createMessage-2.1" } }))
      assert.include(refused.content?.[0]?.text, "RangeError")
      const taken: any = yield* sdk(() => client.callTool({ name: "ask_under", arguments: { key: "proceed-1" } }))
      assert.strictEqual(taken.content?.[0]?.text, "ok: true")
    }))

  // Fails before: the key was taken as any other in a 2025 session (the question sent), so a
  // handler tested there broke only in 2026-07-28.
  it.live("2025-11-25: refused alike, nothing sent", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ name: "keys", version: "1" }, components)
      yield* request("initialize", {
        protocolVersion: "2025-11-25",
        capabilities: { elicitation: {} },
        clientInfo: { name: "c", version: "1" }
      })
      const answer = yield* request("tools/call", { name: "ask_under", arguments: { key: "roots/list-3" } }).pipe(
        Effect.timeout("2 seconds")
      )
      assert.include(answer.result?.content?.[0]?.text, "RangeError", JSON.stringify(answer))
    }))
})
