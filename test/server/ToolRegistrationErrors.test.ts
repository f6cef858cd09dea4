/**
 * Clear errors at the edges of tools: a tool whose parameters are not a JSON object is refused
 * when the server starts, naming the tool; every problem of a call's arguments is reported at
 * once, not only the first.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { InMemory, McpServer } from "../../src/index.ts"

describe("tool errors at the edges", () => {
  it.live("parameters that are not an object: the server does not start, and the error names the tool", () =>
    Effect.gen(function*() {
      const NotAnObject = McpServer.tool({
        name: "not_an_object",
        parameters: Schema.String as never,
        handler: () => Effect.succeed("never")
      })
      const exit = yield* Effect.exit(McpServer.serve({ name: "x", version: "1" }, NotAnObject, InMemory.makePair().server))
      assert.isTrue(Exit.isFailure(exit))
      const text = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
      assert.include(text, "Tool not_an_object")
      assert.include(text, "JSON object")
    }))

  it.live("every problem of the arguments is reported at once", () =>
    Effect.gen(function*() {
      const Two = McpServer.tool({
        name: "two",
        parameters: { city: Schema.String, days: Schema.Int },
        handler: ({ city, days }) => Effect.succeed(`${city} ${days}`)
      })
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "x", version: "1" }, Two, pair.server))
      const answers = new Map<unknown, (message: any) => void>()
      pair.client.onmessage = (message: any) => answers.get(message.id)?.(message)
      const request = (id: number, method: string, params: object) =>
        Effect.promise(() =>
          new Promise<any>((resolve) => {
            answers.set(id, resolve)
            void pair.client.send({ jsonrpc: "2.0", id, method, params } as never)
          })
        )
      yield* request(1, "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } })
      const answer = yield* request(2, "tools/call", { name: "two", arguments: { days: "three" } })
      assert.isTrue(answer.result.isError)
      const text: string = answer.result.content[0].text
      assert.include(text, "city", "the missing key")
      assert.include(text, "days", "the wrong type, reported too")
    }))
})
