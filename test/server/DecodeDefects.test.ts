/**
 * A decode that dies is not the client's to read: a transformation or filter of a tool's
 * parameters, a prompt's arguments or a template's variables that throws (a bug of the server,
 * its message possibly a secret), or a recursive parameter schema whose decoder overflows the
 * stack on arguments nested thousands deep. Before, each was answered as invalid arguments
 * quoting the defect's message and stack trace (the server's file paths), and valid deep
 * arguments were refused that way too.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import { McpServer } from "../../src/index.ts"
import { connectRaw, startServer } from "./McpServerHarness.ts"

const secret = "hunter2-db-password"

/** A string parameter whose decoding throws for "boom" (a bug, as untyped code has them). */
const Throwing = Schema.String.pipe(
  Schema.decodeTo(Schema.String, {
    decode: SchemaGetter.transform((s: string) => {
      if (s === "boom") throw new Error(`connection to db://admin:${secret}@db failed`)
      return s
    }),
    encode: SchemaGetter.passthrough()
  })
)

interface Tree {
  readonly name: string
  readonly children: ReadonlyArray<Tree>
}
const Tree: Schema.Codec<Tree> = Schema.Struct({
  name: Schema.String,
  children: Schema.Array(Schema.suspend((): Schema.Codec<Tree> => Tree))
})

/** A tree `depth` levels deep; its leaf's name is `leaf`. */
const deepTree = (depth: number, leaf: unknown): unknown => {
  let tree: unknown = { name: leaf, children: [] }
  for (let i = 0; i < depth; i++) tree = { name: "n", children: [tree] }
  return tree
}

const components = Layer.mergeAll(
  McpServer.tool({ name: "throwing", parameters: { s: Throwing }, handler: ({ s }) => Effect.succeed(s) }),
  McpServer.tool({ name: "tree", parameters: { t: Tree }, handler: () => Effect.succeed("decoded") }),
  McpServer.prompt({ name: "throwing", arguments: { s: Throwing }, handler: ({ s }) => Effect.succeed(s) }),
  McpServer.resourceTemplate({
    uriTemplate: "items://{s}",
    name: "items",
    params: { s: Throwing },
    read: ({ s }) => Effect.succeed(s)
  })
)

const leaks = (answer: unknown): boolean => {
  const text = JSON.stringify(answer)
  return text.includes(secret) || text.includes("RangeError") || text.includes("node_modules") || text.includes("    at ")
}

describe("a decode that dies", () => {
  for (const version of ["2025-11-25", "2025-06-18"]) {
    it.live(`${version}: a tool's parameter that throws is a masked internal error; the message stays in the server`, () =>
      Effect.gen(function*() {
        const raw = yield* connectRaw(yield* startServer({}, components), version)
        const answer = yield* Effect.promise(() => raw.request(1, "tools/call", { name: "throwing", arguments: { s: "boom" } }))
        assert.isFalse(leaks(answer), JSON.stringify(answer).slice(0, 500))
        assert.deepStrictEqual(answer.result, { content: [{ type: "text", text: "Tool throwing failed: internal error" }], isError: true })
        const fine = yield* Effect.promise(() => raw.request(2, "tools/call", { name: "throwing", arguments: { s: "ok" } }))
        assert.deepStrictEqual(fine.result, { content: [{ type: "text", text: "ok" }] })
      }))

    it.live(`${version}: arguments nested too deeply for a recursive schema are invalid arguments, without a stack trace`, () =>
      Effect.gen(function*() {
        const raw = yield* connectRaw(yield* startServer({}, components), version)
        let id = 0
        for (const t of [deepTree(100_000, "leaf"), deepTree(5_000, 5), deepTree(5_000, "leaf")]) {
          const answer = yield* Effect.promise(() => raw.request(++id, "tools/call", { name: "tree", arguments: { t } }))
          assert.isFalse(leaks(answer), JSON.stringify(answer).slice(0, 500))
          const text = version === "2025-11-25" ? answer.result?.content[0].text : answer.error?.message
          if (version === "2025-11-25") assert.isTrue(answer.result?.isError)
          else assert.strictEqual(answer.error?.code, -32602)
          assert.match(text, /^Invalid arguments for tool tree: nested too deeply to be checked/)
        }
        const shallow = yield* Effect.promise(() => raw.request(++id, "tools/call", { name: "tree", arguments: { t: deepTree(100, "leaf") } }))
        assert.deepStrictEqual(shallow.result, { content: [{ type: "text", text: "decoded" }] })
      }))
  }

  it.live("a prompt's argument or a template's variable that throws is -32603 Internal error, the message kept from the client", () =>
    Effect.gen(function*() {
      const raw = yield* connectRaw(yield* startServer({}, components))
      const prompt = yield* Effect.promise(() => raw.request(1, "prompts/get", { name: "throwing", arguments: { s: "boom" } }))
      assert.isFalse(leaks(prompt), JSON.stringify(prompt))
      assert.deepStrictEqual(prompt.error, { code: -32603, message: "Internal error" })
      const read = yield* Effect.promise(() => raw.request(2, "resources/read", { uri: "items://boom" }))
      assert.isFalse(leaks(read), JSON.stringify(read))
      assert.deepStrictEqual(read.error, { code: -32603, message: "Internal error" })
      const fine = yield* Effect.promise(() => raw.request(3, "resources/read", { uri: "items://ok" }))
      assert.strictEqual(fine.result?.contents[0].text, "ok")
    }))
})
