/**
 * A handler whose output JSON cannot express (a BigInt) does not take its session down over
 * Streamable HTTP: the response becomes a -32603 error, such a log goes out with its data made
 * JSON (the BigInt as text), and the session keeps answering.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { StreamableHttp } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import { answerOf, messagesOf, on, openSession, post, readSse, serveOnAnyPort } from "./support.ts"

const server = LowLevelServer.make({
  serverInfo: { name: "serialization", version: "1" },
  handlers: {
    "tools/list": () => Exit.succeed({ tools: [] }),
    "tools/call": (params, context) => {
      switch (params.name) {
        case "bigint":
          return Exit.succeed({ content: [{ type: "text" as const, text: "n" }], structuredContent: { n: 1n } })
        case "log-bigint":
          return Effect.as(context.log("info", { n: 1n }), { content: [{ type: "text" as const, text: "logged" }] })
        default:
          return Exit.succeed({ content: [{ type: "text" as const, text: "fine" }] })
      }
    }
  }
})

const call = (id: number, name: string) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: {} } })

describe("Streamable HTTP: values JSON cannot express", () => {
  it.live("a BigInt result is a -32603 answer, a BigInt log goes out with it as text, and the session goes on", () =>
    Effect.gen(function*() {
      const { url } = yield* serveOnAnyPort((port) =>
        Layer.launch(StreamableHttp.serve((transport, options) => server.run(transport, options), { port }))
      )
      const sessionId = yield* Effect.promise(() => openSession(url))

      const broken = yield* Effect.promise(() => post(url, call(1, "bigint"), on(sessionId)).then(answerOf))
      assert.strictEqual(broken.id, 1)
      assert.strictEqual(broken.error.code, -32603)
      assert.include(broken.error.message, "could not be serialised as JSON")

      const logged = yield* Effect.promise(() => post(url, call(2, "log-bigint"), on(sessionId)))
      const messages = logged.headers.get("content-type")?.includes("text/event-stream")
        ? messagesOf(yield* Effect.promise(() => readSse(logged)))
        : [yield* Effect.promise(() => answerOf(logged))]
      assert.deepStrictEqual(messages.map((m) => m.id), [undefined, 2])
      assert.deepStrictEqual(messages[0].params, { level: "info", data: { n: "1n" } })
      assert.deepStrictEqual(messages[1].result.content, [{ type: "text", text: "logged" }])

      const fine = yield* Effect.promise(() => post(url, call(3, "fine"), on(sessionId)).then(answerOf))
      assert.deepStrictEqual(fine.result.content, [{ type: "text", text: "fine" }])
    }))
})
