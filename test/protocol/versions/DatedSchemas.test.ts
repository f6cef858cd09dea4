/**
 * What a client of each handshake-era version receives, checked against that version's own wire
 * schemas: a server using every version-dependent feature (titles, icons, output schemas,
 * `structuredContent`, `_meta` on objects, audio, resource links, `lastModified`, tool execution,
 * logging, progress messages, sampling with array content and `includeContext`, elicitation with
 * defaults and titled enums, roots, completion, a middleware that adds to the `initialize` result)
 * is driven by a raw JSON-RPC client over the in-memory pair, and every result, notification and
 * server→client request it receives must decode, with no excess property, with the dated schemas
 * of its version.
 *
 * The dated schemas are Effect's (`effect/ai/internal/mcpSchema/v<date>`, "exact MCP wire schemas"
 * per revision), loaded from the package's files: it does not export them.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as RpcGroup from "effect/rpc/RpcGroup"
import * as Schema from "effect/Schema"
import * as v2024_11_05 from "../../../node_modules/effect/dist/ai/internal/mcpSchema/v2024_11_05.js"
import * as v2025_03_26 from "../../../node_modules/effect/dist/ai/internal/mcpSchema/v2025_03_26.js"
import * as v2025_06_18 from "../../../node_modules/effect/dist/ai/internal/mcpSchema/v2025_06_18.js"
import * as v2025_11_25 from "../../../node_modules/effect/dist/ai/internal/mcpSchema/v2025_11_25.js"
import { Content, InMemory, McpContext, McpServer, Middleware } from "../../../src/index.ts"
import { recorder } from "../../support/recorder.ts"
import { startServer } from "../../server/McpServerHarness.ts"

/** What a dated module holds that this test reads (its declarations do not all say so: some are `@internal`). */
interface Dated {
  readonly ClientRequestRpcs: RpcGroup.RpcGroup<any>
  readonly ServerRequestRpcs: RpcGroup.RpcGroup<any>
  readonly ServerNotificationRpcs: RpcGroup.RpcGroup<any>
}

/** Each version's requests (the success schema is the result's), server→client requests and notifications. */
const dated: Record<string, Dated> = {
  "2024-11-05": v2024_11_05 as unknown as Dated,
  "2025-03-26": v2025_03_26 as unknown as Dated,
  "2025-06-18": v2025_06_18 as unknown as Dated,
  "2025-11-25": v2025_11_25 as unknown as Dated
}

/** The problem of decoding `value` with `schema`, excess properties refused; `undefined` when it decodes. */
const problemOf = (schema: Schema.Top, value: unknown): string | undefined => {
  const decoded = Schema.decodeUnknownExit(schema as Schema.Codec<unknown, unknown>)(value, { onExcessProperty: "error" })
  return decoded._tag === "Success" ? undefined : String(decoded.cause)
}

/**
 * `value` without what a dated schema of Effect 4.1 lacks though its revision has it: the
 * 2025-06-18 `Annotations` has no `lastModified`, which `schema/2025-06-18/schema.ts` defines
 * (2024-11-05 and 2025-03-26 have none: there it must be absent, and is checked).
 */
const withoutSchemaGaps = (version: string, value: unknown): unknown => {
  if (version !== "2025-06-18") return value
  const strip = (node: unknown, key?: string): unknown => {
    if (Array.isArray(node)) return node.map((item) => strip(item))
    if (typeof node !== "object" || node === null) return node
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(node)) {
      if (key === "annotations" && k === "lastModified") continue
      out[k] = strip(v, k)
    }
    return out
  }
  return strip(value)
}

// ---------------------------------------------------------------------------
// A server using every version-dependent feature
// ---------------------------------------------------------------------------

const icons = [{ src: "https://example.com/icon.png", mimeType: "image/png", sizes: ["16x16"] }]
const annotations = { audience: ["user" as const], priority: 0.5, lastModified: "2025-01-01T00:00:00Z" }
const meta = { "example.com/key": 1 }

const Described = McpServer.tool({
  name: "described",
  title: "Described",
  description: "every descriptive field",
  parameters: { x: Schema.optionalKey(Schema.String) },
  success: Schema.Struct({ n: Schema.Number }),
  annotations: { readOnlyHint: true },
  icons,
  meta,
  execution: { taskSupport: "optional" },
  handler: () => Effect.succeed({ n: 1 })
})

const Blocks = McpServer.tool({
  name: "blocks",
  description: "every kind of content block",
  handler: () =>
    Effect.succeed({
      content: [
        Content.text("text", { annotations, meta }),
        Content.image("aGk=", "image/png", { annotations, meta }),
        Content.audio("aGk=", "audio/wav", { annotations, meta }),
        Content.resourceText("test://embedded", "embedded", { mimeType: "text/plain", annotations, meta }),
        Content.resourceLink("test://linked", "linked", { title: "Linked", size: 3, annotations, meta })
      ],
      structuredContent: { ok: true }
    })
})

const Strict = McpServer.tool({
  name: "strict",
  description: "needs a number (invalid arguments: -32602, or a tool error from 2025-11-25)",
  parameters: { n: Schema.Number },
  handler: ({ n }) => Effect.succeed(String(n))
})

/** Whether each of the client's inputs was asked (its tag otherwise), for the test to see what ran. */
const Asks = McpServer.tool({
  name: "asks",
  description: "logs, reports progress and asks the client everything it can",
  handler: () =>
    Effect.gen(function*() {
      yield* McpContext.log("info", "working", "asks")
      yield* McpContext.progress(1, 2, "half way")
      const outcomes: Array<string> = []
      const ask = <A, E extends { readonly _tag: string }, R>(name: string, effect: Effect.Effect<A, E, R>) =>
        Effect.map(Effect.result(effect), (result) => void outcomes.push(`${name}:${result._tag === "Success" ? "ok" : result.failure._tag}`))
      yield* ask(
        "sample",
        McpContext.sample({
          messages: [{ role: "user", content: [{ type: "text", text: "a" }, { type: "image", data: "aGk=", mimeType: "image/png" }] }],
          maxTokens: 5,
          includeContext: "thisServer"
        })
      )
      yield* ask(
        "elicit",
        McpContext.elicit(
          "Who?",
          Schema.Struct({
            name: Schema.String.annotate({ default: "Ada" }),
            age: Schema.Int.annotate({ default: 36 }),
            sure: Schema.Boolean.annotate({ default: true }),
            colour: Schema.Literals(["red", "blue"]).annotate({ default: "red" })
          })
        )
      )
      yield* ask(
        "elicitTitled",
        Effect.flatMap(McpContext.current, (context) =>
          context.elicit({
            message: "Pick",
            requestedSchema: {
              type: "object",
              properties: { pick: { type: "string", oneOf: [{ const: "a", title: "A" }, { const: "b", title: "B" }] } }
            }
          }))
      )
      yield* ask("roots", McpContext.listRoots)
      return outcomes.join(",")
    })
})

const Described_ = McpServer.resource({
  uri: "test://described",
  name: "described",
  title: "Described",
  description: "every descriptive field",
  mimeType: "text/plain",
  size: 7,
  annotations,
  icons,
  meta,
  read: Effect.succeed("content")
})

const Template = McpServer.resourceTemplate({
  uriTemplate: "test://items/{id}",
  name: "items",
  title: "Items",
  annotations,
  icons,
  meta,
  params: { id: Schema.String },
  complete: { id: (value) => Effect.succeed(["1", "2"].filter((id) => id.startsWith(value))) },
  read: ({ id }) => Effect.succeed(`item ${id}`)
})

const Prompt = McpServer.prompt({
  name: "prompt",
  title: "Prompt",
  icons,
  meta,
  arguments: { topic: Schema.String.annotate({ title: "Topic", description: "what about" }) },
  complete: { topic: () => Effect.succeed(["x", "y"]) },
  handler: ({ topic }) =>
    Effect.succeed([
      { role: "user" as const, content: Content.text(topic, { annotations }) },
      { role: "user" as const, content: Content.audio("aGk=", "audio/wav") },
      { role: "assistant" as const, content: Content.resourceLink("test://linked", "linked", { title: "Linked" }) }
    ])
})

/** What a branding middleware adds to `initialize` (2025-11-25 fields). */
const Brand = McpServer.middleware(Middleware.make("brand", {
  onInitialize: (params, _context, next) =>
    Effect.map(next(params), (result) => ({ ...result, serverInfo: { ...result.serverInfo, icons, websiteUrl: "https://example.com" } }))
}))

const All = Layer.mergeAll(Described, Blocks, Strict, Asks, Described_, Template, Prompt, Brand)

/** The client's answers to the server's requests (valid in every version). */
const answers: Record<string, unknown> = {
  "sampling/createMessage": { role: "assistant", model: "m", content: { type: "text", text: "answer" } },
  "elicitation/create": { action: "decline" },
  "roots/list": { roots: [] },
  ping: {}
}

/** The requests the client sends after the handshake, in order. */
const script: ReadonlyArray<readonly [method: string, params?: object]> = [
  ["ping"],
  ["logging/setLevel", { level: "debug" }],
  ["tools/list"],
  ["tools/call", { name: "described", arguments: {} }],
  ["tools/call", { name: "blocks", arguments: {} }],
  ["tools/call", { name: "strict", arguments: { n: "not a number" } }],
  ["tools/call", { name: "asks", arguments: {}, _meta: { progressToken: "p" } }],
  ["resources/list"],
  ["resources/templates/list"],
  ["resources/read", { uri: "test://described" }],
  ["resources/read", { uri: "test://items/1" }],
  ["resources/subscribe", { uri: "test://described" }],
  ["prompts/list"],
  ["prompts/get", { name: "prompt", arguments: { topic: "t" } }],
  ["completion/complete", { ref: { type: "ref/prompt", name: "prompt" }, argument: { name: "topic", value: "" } }],
  ["completion/complete", { ref: { type: "ref/resource", uri: "test://items/{id}" }, argument: { name: "id", value: "" } }]
]

/** Runs the script against a session at `version`: every message received, and the method of each request id. */
const converse = (version: string) =>
  Effect.gen(function*() {
    const server = yield* startServer({ name: "dated", version: "1.0.0", title: "Dated", description: "d", icons }, All)
    const pair = InMemory.makePair()
    const { received, record, waitFor } = recorder()
    pair.client.onmessage = (message: any) => {
      record(message)
      // Answers the server's requests, as a client of every version can.
      if (message.method !== undefined && message.id !== undefined) {
        void pair.client.send({ jsonrpc: "2.0", id: message.id, result: answers[message.method] } as never)
      }
    }
    yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([]))))
    yield* Effect.addFinalizer(() => Effect.promise(() => pair.client.close()))
    const methods = new Map<unknown, string>()
    const request = (id: number, method: string, params?: object) =>
      Effect.promise(async () => {
        methods.set(id, method)
        await pair.client.send({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) } as never)
        return waitFor((message) => message.id === id && message.method === undefined)
      })
    // `includeContext` needs `sampling.context` from 2025-11-25 on (before, no client could declare it).
    const sampling = version >= "2025-11-25" ? { context: {} } : {}
    const capabilities = { sampling, elicitation: {}, roots: { listChanged: true } }
    yield* request(0, "initialize", { protocolVersion: version, capabilities, clientInfo: { name: "raw", version: "0" } })
    yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", method: "notifications/initialized" } as never))
    for (let i = 0; i < script.length; i++) yield* request(i + 1, ...script[i]!)
    return { received, methods }
  })

describe("what each handshake-era version receives decodes with its dated wire schemas", () => {
  for (const version of Object.keys(dated)) {
    it.live(version, () =>
      Effect.gen(function*() {
        const { received, methods } = yield* converse(version)
        const schemas = dated[version]!
        const problems: Array<string> = []
        const check = (what: string, schema: Schema.Top | undefined, value: unknown) => {
          if (schema === undefined) return problems.push(`${what}: the version has no such message`)
          const problem = problemOf(schema, withoutSchemaGaps(version, value))
          if (problem !== undefined) problems.push(`${what}: ${problem}\n${JSON.stringify(value)}`)
        }
        for (const message of received) {
          if (message.method === undefined) {
            const method = methods.get(message.id)!
            if (message.error !== undefined) {
              assert.isTrue(Number.isInteger(message.error.code) && typeof message.error.message === "string", JSON.stringify(message))
              continue
            }
            check(`result of ${method}`, schemas.ClientRequestRpcs.requests.get(method)?.successSchema, message.result)
          } else if (message.id !== undefined) {
            check(`request ${message.method}`, schemas.ServerRequestRpcs.requests.get(message.method)?.payloadSchema, message.params)
          } else {
            check(`notification ${message.method}`, schemas.ServerNotificationRpcs.requests.get(message.method)?.payloadSchema, message.params)
          }
        }
        assert.deepStrictEqual(problems, [])
        // Not vacuous: every answer came, and the client was asked what its version can be asked.
        assert.strictEqual(received.filter((message) => message.method === undefined).length, script.length + 1)
        const asked = received.filter((message) => message.method !== undefined && message.id !== undefined).map((m) => m.method)
        assert.includeMembers(asked, ["sampling/createMessage", "roots/list"])
        if (version >= "2025-06-18") assert.include(asked, "elicitation/create")
      }))
  }
})
