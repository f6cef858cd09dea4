/**
 * Clear errors at the edges of tools: a tool whose parameters are not a JSON object, or have a
 * parameter that cannot be decoded from JSON, is refused when the server starts, naming the tool
 * (and the path); every problem of a call's arguments is reported at once, not only the first.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { InMemory, McpServer } from "../../src/index.ts"
import { connectRaw, sdk, serveAndConnect } from "./McpServerHarness.ts"

/** Raw requests over the client end of an in-memory pair, answered by id. */
const requester = (pair: InMemory.Pair) => {
  const answers = new Map<unknown, (message: any) => void>()
  pair.client.onmessage = (message: any) => answers.get(message.id)?.(message)
  return (id: number, method: string, params: object) =>
    Effect.promise(() =>
      new Promise<any>((resolve) => {
        answers.set(id, resolve)
        void pair.client.send({ jsonrpc: "2.0", id, method, params } as never)
      })
    )
}

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

  it.live("a parameter that cannot be decoded from JSON (instanceOf, a declared function): refused at start, tool and path named", () =>
    Effect.gen(function*() {
      class Connection {
        readonly open = true
      }
      const cases = [
        { name: "class_param", parameters: { conn: Schema.instanceOf(Connection) }, path: ".conn" },
        {
          name: "nested_fn",
          parameters: {
            options: Schema.Struct({
              callback: Schema.declare((u): u is () => void => typeof u === "function")
            })
          },
          path: ".options.callback"
        },
        { name: "array_of", parameters: Schema.Struct({ items: Schema.Array(Schema.instanceOf(Connection)) }), path: ".items[*]" },
        { name: "option_of", parameters: { maybe: Schema.Option(Schema.instanceOf(Connection)) }, path: ".maybe" },
        { name: "with_unknown", parameters: { any: Schema.Unknown, conn: Schema.instanceOf(Connection) }, path: ".conn" }
      ] as const
      for (const { name, parameters, path } of cases) {
        const Tool = McpServer.tool({ name, parameters: parameters as never, handler: () => Effect.succeed("never") })
        const exit = yield* Effect.exit(McpServer.serve({ name: "x", version: "1" }, Tool, InMemory.makePair().server))
        assert.isTrue(Exit.isFailure(exit), name)
        const text = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
        assert.include(text, `Tool ${name}: parameter ${path} cannot be decoded from JSON`)
      }
    }))

  it.live("a parameter that is not a Schema (a Schema constructor given uncalled): refused at start, tool and path named", () =>
    Effect.gen(function*() {
      // `Schema.Defect()` was meant (plain JavaScript, or a cast): the server failed to start with
      // "TypeError: Cannot read properties of undefined (reading 'encoding')", naming nothing.
      const uncalled = Schema.Defect as unknown as Schema.Unknown
      const cases = [
        { name: "top_field", parameters: { ok: Schema.String, y: uncalled }, path: ".y" },
        { name: "nested_field", parameters: { options: Schema.Struct({ inner: Schema.Array(uncalled) }) }, path: ".options.inner[*]" }
      ] as const
      for (const { name, parameters, path } of cases) {
        const Tool = McpServer.tool({ name, parameters: parameters as never, handler: () => Effect.succeed("never") })
        const exit = yield* Effect.exit(McpServer.serve({ name: "x", version: "1" }, Tool, InMemory.makePair().server))
        assert.isTrue(Exit.isFailure(exit), name)
        const text = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
        assert.include(text, `Tool ${name}: parameter ${path} is not a Schema`)
      }
    }))

  it.live("declared types with a JSON form (Date, Option, BigInt, Uint8Array, ReadonlyMap) are accepted and decoded", () =>
    Effect.gen(function*() {
      const Typed = McpServer.tool({
        name: "typed",
        parameters: {
          at: Schema.Date,
          note: Schema.Option(Schema.String),
          big: Schema.BigInt,
          bytes: Schema.Uint8Array,
          counts: Schema.ReadonlyMap(Schema.String, Schema.Number)
        },
        handler: ({ at, big, bytes, counts }) => Effect.succeed(`${at.getUTCFullYear()} ${big + 1n} ${bytes.length} ${counts.get("a")}`)
      })
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(McpServer.serve({ name: "x", version: "1" }, Typed, pair.server))
      const request = requester(pair)
      yield* request(1, "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } })
      const answer = yield* request(2, "tools/call", {
        name: "typed",
        arguments: { at: "2024-01-02T00:00:00.000Z", note: { _tag: "None" }, big: "41", bytes: "AQID", counts: [["a", 3]] }
      })
      assert.deepStrictEqual(answer.result.content, [{ type: "text", text: "2024 42 3 3" }])
    }))

  it.live("JSON values (Schema.Json, JsonObject, Unknown, ObjectKeyword) are accepted beside declared types, and decoded", () =>
    Effect.gen(function*() {
      // Fails before: refused at start (".payload cannot be decoded from JSON"): with a declared type
      // beside them, Unknown and ObjectKeyword were taken for declarations without a JSON form, as
      // Schema.Json and JsonObject always were.
      const Json = McpServer.tool({
        name: "json",
        parameters: {
          payload: Schema.Json,
          record: Schema.JsonObject,
          any: Schema.Unknown,
          object: Schema.ObjectKeyword,
          at: Schema.Date,
          note: Schema.Option(Schema.String)
        },
        handler: ({ payload, record, any, object, at }) =>
          Effect.succeed(JSON.stringify({ payload, record, any, object, year: at.getUTCFullYear() }))
      })
      const { client } = yield* serveAndConnect(Json)
      const args = { payload: [1, { a: null }], record: { k: "v" }, any: "x", object: { o: 1 } }
      const result = yield* sdk(() =>
        client.callTool({ name: "json", arguments: { ...args, at: "2024-01-02T00:00:00.000Z", note: { _tag: "None" } } })
      )
      assert.deepStrictEqual(result.content, [{ type: "text", text: JSON.stringify({ ...args, year: 2024 }) }])
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
      const request = requester(pair)
      yield* request(1, "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } })
      const answer = yield* request(2, "tools/call", { name: "two", arguments: { days: "three" } })
      assert.isTrue(answer.result.isError)
      const text: string = answer.result.content[0].text
      assert.include(text, "city", "the missing key")
      assert.include(text, "days", "the wrong type, reported too")
    }))

  it.live("a number parameter given no number: \"Expected number\", not the strings of its JSON form (NaN, Infinity)", () =>
    Effect.gen(function*() {
      const Counts = McpServer.tool({
        name: "counts",
        parameters: {
          counts: Schema.Record(Schema.String, Schema.Number),
          n: Schema.Number,
          maybe: Schema.NullOr(Schema.Number)
        },
        handler: ({ n }) => Effect.succeed(`${n}`)
      })
      const { client, server } = yield* serveAndConnect(Counts)
      const result = yield* sdk(() => client.callTool({ name: "counts", arguments: { counts: { a: "x" }, n: "5", maybe: true } }))
      assert.isTrue(result.isError)
      const text = (result.content as Array<{ text: string }>)[0]!.text
      // Fails before: Expected "Infinity" | "-Infinity" | "NaN" (twice), Expected number | "Infinity" | "-Infinity" | "NaN" | null
      assert.include(text, `Expected number\n  at ["counts"]["a"]`)
      assert.include(text, `Expected number\n  at ["n"]`)
      assert.include(text, `Expected number | null\n  at ["maybe"]`)
      assert.notInclude(text, "Infinity")
      // The JSON form still decodes: "NaN" is a number.
      const nan = yield* sdk(() => client.callTool({ name: "counts", arguments: { counts: {}, n: "NaN", maybe: null } }))
      assert.deepStrictEqual(nan.content, [{ type: "text", text: "NaN" }])
      // Before 2025-11-25: the same message in a -32602.
      const raw = yield* connectRaw(server, "2025-06-18")
      const answer = yield* Effect.promise(() => raw.request(2, "tools/call", { name: "counts", arguments: { counts: { a: "x" }, n: 1, maybe: 1 } }))
      assert.strictEqual(answer.error.code, -32602)
      assert.include(answer.error.message, `Expected number\n  at ["counts"]["a"]`)
      // A string given to a union with a number: every member is listed, the number as number.
      const auto = McpServer.tool({
        name: "auto",
        parameters: {
          maybe: Schema.NullOr(Schema.Number),
          limit: Schema.Union([Schema.Number, Schema.Literal("auto")]),
          nested: Schema.NullOr(Schema.Union([Schema.Number, Schema.Literal("auto")])),
          either: Schema.Union([Schema.NullOr(Schema.Number), Schema.Boolean])
        },
        handler: () => Effect.succeed("ok")
      })
      const other = yield* serveAndConnect(auto)
      const strings = yield* sdk(() => other.client.callTool({ name: "auto", arguments: { maybe: "x", limit: "x", nested: "x", either: "x" } }))
      const message = (strings.content as Array<{ text: string }>)[0]!.text
      assert.include(message, `Expected number | null\n  at ["maybe"]`)
      assert.include(message, `Expected number | "auto"\n  at ["limit"]`)
      assert.include(message, `Expected number | "auto" | null\n  at ["nested"]`)
      assert.include(message, `Expected number | null | boolean\n  at ["either"]`)
      assert.notInclude(message, "Infinity")
    }))
})
