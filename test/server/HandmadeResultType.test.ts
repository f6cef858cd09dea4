/**
 * A result built by hand (proxied, parsed, a cast) whose `resultType` is not `"complete"` (`"weird"`,
 * `"task"` on a read, a number): the framework decides the others (its input rounds, a task's), and
 * the SDK v2 client pinned to 2026-07-28 refused the whole answer ("Unsupported result type"). It is
 * now the handler's defect, answered as a tool's, a prompt's or a read's other malformed results
 * are: the masked tool error, -32603 for a prompt or a read; in every version, so a handler behaves
 * the same for every client. `"complete"` stays valid.
 *
 * Fails before: the value was sent as it was (2026-07-28) and the SDK v2 client refused it.
 */
import { Client as ClientV2 } from "@modelcontextprotocol/client"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { Content, InMemory, McpServer } from "../../src/index.ts"
import * as McpTestClient from "../../src/testing/McpTestClient.ts"

const withType = (resultType: unknown) => ({
  tool: McpServer.tool({
    name: `tool_${String(resultType)}`,
    handler: () => Effect.succeed({ content: [Content.text("hi")], resultType } as never)
  }),
  prompt: McpServer.prompt({
    name: `prompt_${String(resultType)}`,
    handler: () => Effect.succeed({ messages: [{ role: "user", content: Content.text("hi") }], resultType } as never)
  }),
  resource: McpServer.resource({
    uri: `test://r_${String(resultType)}`,
    name: `r_${String(resultType)}`,
    read: Effect.succeed({ contents: [{ uri: `test://r_${String(resultType)}`, text: "hi" }], resultType } as never)
  })
})

const kinds = ["weird", "task", 7, "complete"] as const
const [first, ...rest] = kinds.flatMap((kind) => Object.values(withType(kind)))
const components = Layer.mergeAll(first!, ...rest)

const calls = (kind: unknown) =>
  [
    ["tools/call", { name: `tool_${String(kind)}` }],
    ["prompts/get", { name: `prompt_${String(kind)}` }],
    ["resources/read", { uri: `test://r_${String(kind)}` }]
  ] as const

describe("a hand-built result's resultType", () => {
  for (const version of ["2026-07-28", "2025-11-25"] as const) {
    it.live(`${version}: one other than "complete" is the handler's defect; "complete" is valid`, () =>
      Effect.gen(function*() {
        const client = yield* McpTestClient.make(components, { protocolVersion: version })
        for (const kind of kinds) {
          const [tool, prompt, read] = calls(kind)
          const called = yield* client.request(tool[0], tool[1]).pipe(Effect.exit)
          const got = yield* client.request(prompt[0], prompt[1]).pipe(Effect.exit)
          const readExit = yield* client.request(read[0], read[1]).pipe(Effect.exit)
          if (kind === "complete") {
            assert.isTrue(called._tag === "Success" && called.value.isError !== true, `${version} tool complete`)
            assert.strictEqual(got._tag, "Success", `${version} prompt complete`)
            assert.strictEqual(readExit._tag, "Success", `${version} read complete`)
            continue
          }
          assert.isTrue(called._tag === "Success" && called.value.isError === true, `${version} tool ${kind}: ${JSON.stringify(called)}`)
          assert.strictEqual(got._tag, "Failure", `${version} prompt ${kind}`)
          assert.strictEqual(readExit._tag, "Failure", `${version} read ${kind}`)
        }
      }))
  }

  it.live("the SDK v2 client (2026-07-28) gets an answer it takes for each", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(Layer.provideMerge(components, McpServer.McpServer.layer({ name: "types", version: "1.0.0" })))
      const server = Context.get(context, McpServer.McpServer)
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([]))))
      const client = new ClientV2({ name: "types-v2", version: "1.0.0" }, {
        capabilities: {},
        versionNegotiation: { mode: { pin: "2026-07-28" } as never }
      })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      const settle = (promise: Promise<unknown>) => promise.then((value) => ({ value }), (error: unknown) => ({ error: String(error) }))
      for (const kind of ["weird", "task"]) {
        const called = yield* Effect.promise(() => settle(client.callTool({ name: `tool_${kind}` })))
        assert.deepStrictEqual((called as any).value?.isError, true, `tool ${kind}: ${JSON.stringify(called)}`)
        const got = yield* Effect.promise(() => settle(client.getPrompt({ name: `prompt_${kind}` })))
        assert.match((got as any).error ?? "", /Internal error/, `prompt ${kind}: ${JSON.stringify(got)}`)
        const read = yield* Effect.promise(() => settle(client.readResource({ uri: `test://r_${kind}` })))
        assert.match((read as any).error ?? "", /Internal error/, `read ${kind}: ${JSON.stringify(read)}`)
      }
    }))
})
