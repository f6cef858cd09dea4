/**
 * How much invalid tool arguments may cost: every problem is listed (a model fixes them in one
 * go), but arguments of more than 10,000 values are told their first problem only, and the list
 * is cut at 16 KB. Found by fuzzing: 900,000 wrong items (2.7 MB) took 3 s and came back as a
 * 64 MB message; a raw JSON Schema tool answered 100,000 of them "internal error" (the validator's
 * stack overflowed).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpServer, Tool } from "../../src/index.ts"
import { connectRaw, startServer } from "./McpServerHarness.ts"

const Numbers = McpServer.tool({
  name: "numbers",
  parameters: { x: Schema.Array(Schema.Number) },
  handler: ({ x }) => Effect.succeed(`${x.length}`)
})
const RawNumbers = McpServer.tool({
  name: "raw_numbers",
  parameters: Tool.jsonSchema({ type: "object", properties: { x: { type: "array", items: { type: "number" } } } }),
  handler: () => Effect.succeed("ok")
})
const RawRecord = McpServer.tool({
  name: "raw_record",
  parameters: Tool.jsonSchema({
    type: "object",
    properties: { x: { type: "object", additionalProperties: { type: "number" } } }
  }),
  handler: () => Effect.succeed("ok")
})

const serve = Effect.gen(function*() {
  const raw = yield* connectRaw(yield* startServer({}, Layer.mergeAll(Numbers, RawNumbers, RawRecord)))
  let id = 0
  return (name: string, x: unknown) =>
    // Up to 200,000 values checked against a JSON Schema: seconds on a loaded machine (failed at the
    // default 5 s in a full run beside other work), bounded at 30 s.
    Effect.map(Effect.promise(() => raw.request(++id, "tools/call", { name, arguments: { x } }, 30_000)), (answer) => {
      assert.isTrue(answer.result?.isError, JSON.stringify(answer).slice(0, 300))
      return answer.result.content[0].text as string
    })
})

const strings = (n: number) => Array.from({ length: n }, () => "s")

describe("invalid tool arguments", () => {
  it.live("a few problems are all listed", () =>
    Effect.gen(function*() {
      const call = yield* serve
      const text = yield* call("numbers", ["s", 1, "t"])
      assert.include(text, "Invalid arguments for tool numbers: ")
      assert.include(text, `at ["x"][0]`)
      assert.include(text, `at ["x"][2]`)
      const raw = yield* call("raw_numbers", ["s", 1, "t"])
      assert.include(raw, "/x/0")
      assert.include(raw, "/x/2")
    }))

  it.live("many problems are listed up to 16 KB", () =>
    Effect.gen(function*() {
      const call = yield* serve
      for (const name of ["numbers", "raw_numbers"]) {
        const text = yield* call(name, strings(5_000))
        assert.isAtMost(text.length, 16 * 1024 + 50, name)
        assert.match(text, /… \(\d+ more characters\)$/, name)
      }
    }))

  it.live("arguments of more than 10,000 values: the first problem, in a short answer", () =>
    Effect.gen(function*() {
      const call = yield* serve
      for (const name of ["numbers", "raw_numbers"]) {
        const text = yield* call(name, strings(200_000))
        assert.isBelow(text.length, 500, name)
        assert.include(text, "the first problem; arguments of more than 10000 values are not checked further", name)
      }
      const many = Object.fromEntries(strings(150_000).map((s, i) => [`k${i}`, s]))
      const record = yield* call("raw_record", many)
      assert.isBelow(record.length, 500)
      assert.include(record, "not checked further")
    }), 90_000)

  it.live("valid arguments of any size reach the handler", () =>
    Effect.gen(function*() {
      const raw = yield* connectRaw(yield* startServer({}, Numbers))
      const numbers = Array.from({ length: 200_000 }, (_, i) => i)
      const answer = yield* Effect.promise(() => raw.request(1, "tools/call", { name: "numbers", arguments: { x: numbers } }))
      assert.deepStrictEqual(answer.result.content, [{ type: "text", text: "200000" }])
    }))
})
