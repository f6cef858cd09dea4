/**
 * MCP 2026-07-28 (SEP-2106): a tool's `outputSchema` may have any JSON Schema root and its
 * `structuredContent` may be any JSON value. Earlier versions (2025-06-18, 2025-11-25) require an
 * object at both: there, a tool whose `success` is not an object is listed with its schema wrapped
 * as `{ type: "object", properties: { result: <schema> }, required: ["result"] }` and answers
 * `{ result: <value> }` (as the SDK v2 server and FastMCP do); a hand-built result's non-object
 * `structuredContent` is sent alike. Checked with the clients that validate `structuredContent`
 * against the listed `outputSchema`: SDK v2 pinned to 2026-07-28, SDK v1 and SDK v2 at 2025-11-25.
 *
 * Fails before: every version got the wrapped schema and value (a 2026-07-28 client never saw the
 * tool's own shape), and a hand-built non-object `structuredContent` was refused as the handler's
 * defect ("internal error") in every version, 2026-07-28 too.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport as HttpV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Exit from "effect/Exit"
import { Content, InMemory, McpServer, Middleware, StreamableHttp, Tool } from "../../src/index.ts"
import { LowLevelServer } from "../../src/lowlevel.ts"
import { connectModern, modern, pollTask, serveHttp, withTasks } from "../extensions/support.ts"
import { answerOf, on, openSession, post, serveOnAnyPort } from "../http/support.ts"
import { fourWays } from "../middleware/fourWays.ts"
import { serveBoth } from "./bothClients.ts"
import { connectRaw, startServer } from "./McpServerHarness.ts"

const Names = McpServer.tool({
  name: "names",
  success: Schema.Array(Schema.String),
  handler: () => Effect.succeed(["a", "b"])
})
const Answer = McpServer.tool({ name: "answer", success: Schema.Int, handler: () => Effect.succeed(42) })
// A root that is not an object type, whose value is an object: wrapped too before 2026-07-28,
// as the listed schema is.
const Either = McpServer.tool({
  name: "either",
  success: Schema.Union([Schema.Struct({ n: Schema.Int }), Schema.Array(Schema.Int)]),
  handler: () => Effect.succeed({ n: 1 })
})
const Point = McpServer.tool({
  name: "point",
  success: Schema.Struct({ x: Schema.Int }),
  handler: () => Effect.succeed({ x: 1 })
})
const Handmade = McpServer.tool({
  name: "handmade",
  handler: () => Effect.succeed({ content: [Content.text("[1,2]")], structuredContent: [1, 2] })
})
const HandmadeNull = McpServer.tool({
  name: "handmade_null",
  handler: () => Effect.succeed({ content: [Content.text("nothing")], structuredContent: null })
})

// A recursive schema: its definition stays under `$defs`, at the root of the wrapped schema too.
interface Node {
  readonly name: string
  readonly children: ReadonlyArray<Node>
}
const Node: Schema.Codec<Node> = Schema.Struct({
  name: Schema.String,
  children: Schema.Array(Schema.suspend((): Schema.Codec<Node> => Node))
}).annotate({ identifier: "Node" })
const Tree = McpServer.tool({
  name: "tree",
  success: Schema.Array(Node),
  handler: () => Effect.succeed([{ name: "root", children: [{ name: "leaf", children: [] }] }])
})

const tools = Layer.mergeAll(Names, Answer, Either, Point, Handmade, HandmadeNull, Tree)

const nodeDefinition = {
  type: "object",
  properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/Node" } } },
  required: ["name", "children"]
}

const natural = {
  names: { type: "array", items: { type: "string" } },
  answer: { type: "integer" },
  either: {
    anyOf: [
      { type: "object", properties: { n: { type: "integer" } }, required: ["n"] },
      { type: "array", items: { type: "integer" } }
    ]
  },
  point: { type: "object", properties: { x: { type: "integer" } }, required: ["x"] },
  tree: { type: "array", items: { $ref: "#/$defs/Node" }, $defs: { Node: nodeDefinition } }
} as const

const wrapped = (schema: unknown) => ({ type: "object", properties: { result: schema }, required: ["result"] })

const legacySchemas = {
  names: wrapped(natural.names),
  answer: wrapped(natural.answer),
  either: wrapped(natural.either),
  point: natural.point,
  tree: { ...wrapped({ type: "array", items: { $ref: "#/$defs/Node" } }), $defs: { Node: nodeDefinition } }
}

const tree = [{ name: "root", children: [{ name: "leaf", children: [] }] }]

const values = { names: ["a", "b"], answer: 42, either: { n: 1 }, point: { x: 1 }, handmade: [1, 2], handmade_null: null, tree }

const legacyValues = {
  names: { result: ["a", "b"] },
  answer: { result: 42 },
  either: { result: { n: 1 } },
  point: { x: 1 },
  handmade: { result: [1, 2] },
  handmade_null: { result: null },
  tree: { result: tree }
}

const outputSchemas = (listed: { readonly tools: ReadonlyArray<{ readonly name: string; readonly outputSchema?: unknown }> }) =>
  Object.fromEntries(listed.tools.filter((tool) => tool.outputSchema !== undefined).map((tool) => [tool.name, tool.outputSchema]))

describe("SEP-2106: any outputSchema root and any structuredContent in 2026-07-28, wrapped before", () => {
  for (const way of fourWays) {
    it.live(`${way.name}: the listed outputSchema and the structuredContent the client validates against it`, () =>
      Effect.gen(function*() {
        const client = yield* way.connect(tools)
        const modern = client.version() === "2026-07-28"
        // Listed first: the clients validate the results of the tools they know the outputSchema of.
        const listed = yield* Effect.promise(() => client.listTools())
        assert.deepStrictEqual(outputSchemas(listed), modern ? natural : legacySchemas)
        for (const [name, value] of Object.entries(modern ? values : legacyValues)) {
          const result = yield* Effect.promise(() => client.callTool(name))
          assert.isUndefined(result.isError, `${name}: ${JSON.stringify(result)}`)
          assert.deepStrictEqual(result.structuredContent, value, name)
        }
        // The JSON in the text block is the structuredContent sent (for a model, or a client
        // without structured output).
        const names = yield* Effect.promise(() => client.callTool("names"))
        assert.deepStrictEqual(names.content, [{ type: "text", text: JSON.stringify(modern ? values.names : legacyValues.names) }])
      }), 30_000)
  }

  it.live("SDK v1 and SDK v2 at 2025-11-25 (initialize): wrapped schemas and values, validated by both", () =>
    Effect.gen(function*() {
      const { logged, v1, v2 } = yield* serveBoth(tools)
      for (const client of [v1, v2] as ReadonlyArray<typeof v1>) {
        const listed = yield* Effect.promise(() => client.listTools())
        assert.deepStrictEqual(outputSchemas(listed as never), legacySchemas)
        for (const [name, value] of Object.entries(legacyValues)) {
          const result = yield* Effect.promise(() => client.callTool({ name, arguments: {} }))
          assert.isUndefined(result.isError, `${name}: ${JSON.stringify(result)}`)
          assert.deepStrictEqual(result.structuredContent, value, name)
        }
      }
      assert.deepStrictEqual(logged.filter((line) => line.includes("failed")), [])
    }))

  it.live("a stateless HTTP endpoint: wrapped for a 2025-11-25 request, as it is for a 2026-07-28 one", () =>
    Effect.gen(function*() {
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "sep-2106", version: "1.0.0" }, tools, StreamableHttp.make({ host: "127.0.0.1", port, stateless: true }))
      )
      const legacy = (id: string, method: string, params: Record<string, unknown>) =>
        Effect.promise(() =>
          post(url, { jsonrpc: "2.0", id, method, params }, { "mcp-protocol-version": "2025-11-25" }).then(answerOf)
        ).pipe(Effect.map((answer) => answer.result))
      assert.deepStrictEqual(outputSchemas(yield* legacy("l1", "tools/list", {})), legacySchemas)
      const names = yield* legacy("l2", "tools/call", { name: "names", arguments: {} })
      assert.deepStrictEqual(names.structuredContent, legacyValues.names)
      const listed = yield* Effect.promise(() => modern(url, "tools/list"))
      assert.deepStrictEqual(outputSchemas(listed.message.result), natural)
      const called = yield* Effect.promise(() => modern(url, "tools/call", { name: "names", arguments: {} }))
      assert.deepStrictEqual(called.message.result.structuredContent, values.names)
    }))

  it.live("a background task's result: wrapped in 2025-11-25 (tasks/result), as it is in 2026-07-28 (the extension)", () =>
    Effect.gen(function*() {
      const NamesTask = McpServer.tool({
        name: "names_task",
        success: Schema.Array(Schema.String),
        execution: { taskSupport: "required" },
        handler: () => Effect.as(Effect.sleep(100), ["a", "b"])
      })
      const { url } = yield* serveHttp({ name: "sep-2106", version: "1.0.0", tasks: McpServer.tasks() }, NamesTask)
      const sessionId = yield* Effect.promise(() => openSession(url))
      let next = 0
      const legacy = (method: string, params: Record<string, unknown>) =>
        Effect.promise(() => post(url, { jsonrpc: "2.0", id: `t${next++}`, method, params }, on(sessionId)).then(answerOf))
      const created = yield* legacy("tools/call", { name: "names_task", arguments: {}, task: { ttl: 60_000 } })
      const taskId = created.result?.task?.taskId as string
      assert.isString(taskId, JSON.stringify(created))
      const payload = yield* legacy("tasks/result", { taskId })
      assert.deepStrictEqual(payload.result?.structuredContent, { result: ["a", "b"] }, JSON.stringify(payload))
      const meta = withTasks()
      const task = yield* Effect.promise(() => modern(url, "tools/call", { name: "names_task", arguments: {} }, { meta }))
      assert.strictEqual(task.message.result?.resultType, "task", JSON.stringify(task.message))
      const done = yield* Effect.promise(() =>
        pollTask(
          () => modern(url, "tasks/get", { taskId: task.message.result.taskId }, { meta }).then((answer) => answer.message),
          (task) => task.status !== "working",
          5_000,
          20
        )
      )
      assert.strictEqual(done.status, "completed", JSON.stringify(done))
      assert.deepStrictEqual(done.result.structuredContent, ["a", "b"])
    }))

  // Fails before at 2025-03-26 and 2024-11-05: the text was the wrapper's JSON, `{"result":["a","b"]}`
  // (a wrapper made for a schema those versions are never listed), and so was the text the
  // projection makes of a hand-built result's `structuredContent` when it has no content block.
  it.live("2025-06-18 (raw): wrapped; 2025-03-26 and 2024-11-05: neither outputSchema nor structuredContent, the value's JSON in the text", () =>
    Effect.gen(function*() {
      const Bare = McpServer.tool({ name: "bare", handler: () => Effect.succeed({ content: [], structuredContent: [1, 2] }) })
      const server = yield* startServer({}, Layer.merge(tools, Bare))
      for (const version of ["2025-06-18", "2025-03-26", "2024-11-05"]) {
        const raw = yield* connectRaw(server, version)
        const call = (id: string, method: string, params: unknown) =>
          Effect.promise(() => raw.request(id, method, params)).pipe(Effect.map((answer) => answer.result))
        const listed = yield* call("list", "tools/list", {})
        assert.deepStrictEqual(outputSchemas(listed), version === "2025-06-18" ? legacySchemas : {}, version)
        const names = yield* call("names", "tools/call", { name: "names", arguments: {} })
        if (version === "2025-06-18") assert.deepStrictEqual(names.structuredContent, { result: ["a", "b"] })
        else assert.notProperty(names, "structuredContent")
        const text = (value: unknown) => [{ type: "text", text: JSON.stringify(value) }]
        // The JSON of the structuredContent sent where one is (the spec's fallback), else the value's.
        assert.deepStrictEqual(names.content, text(version === "2025-06-18" ? { result: ["a", "b"] } : ["a", "b"]), version)
        const either = yield* call("either", "tools/call", { name: "either", arguments: {} })
        assert.deepStrictEqual(either.content, text(version === "2025-06-18" ? { result: { n: 1 } } : { n: 1 }), version)
        const handmade = yield* call("handmade", "tools/call", { name: "handmade", arguments: {} })
        if (version === "2025-06-18") assert.deepStrictEqual(handmade.structuredContent, { result: [1, 2] }, version)
        else assert.notProperty(handmade, "structuredContent")
        assert.isUndefined(handmade.isError, version)
        const bare = yield* call("bare", "tools/call", { name: "bare", arguments: {} })
        if (version === "2025-06-18") assert.deepStrictEqual(bare, { content: [], structuredContent: { result: [1, 2] } }, version)
        else assert.deepStrictEqual(bare, { content: text([1, 2]) }, version)
      }
    }))

  // Fails before: the low-level server wrapped the values of the tools it listed with a schema
  // whose root is not an object type for every version before 2026-07-28; 2025-03-26 and
  // 2024-11-05, which get neither that schema nor `structuredContent`, read the wrapper's JSON
  // (`{"result":[1,2]}`) in the text the projection makes of it.
  it.live("a LowLevelServer's tool whose schema root is not an object type at 2025-03-26 and 2024-11-05 (raw): the value's JSON in the text, not the wrapper's", () =>
    Effect.gen(function*() {
      const values: Record<string, unknown> = { numbers: [1, 2], either: { n: 1 }, point: { x: 1 } }
      const schemas: Record<string, object> = {
        numbers: { type: "array", items: { type: "integer" } },
        either: { anyOf: [{ type: "object" }, { type: "array" }] },
        point: { type: "object" }
      }
      const server = LowLevelServer.make({
        serverInfo: { name: "low-old", version: "1" },
        handlers: {
          "tools/list": () =>
            Exit.succeed({
              tools: Object.entries(schemas).map(([name, outputSchema]) => ({ name, inputSchema: { type: "object" }, outputSchema }))
            } as never),
          "tools/call": (params) => Exit.succeed({ content: [], structuredContent: values[params.name] } as never)
        }
      })
      for (const version of ["2025-03-26", "2024-11-05", "2025-06-18"]) {
        const raw = yield* connectRaw(server as never, version)
        const listed = yield* Effect.promise(() => raw.request("list", "tools/list", {}))
        if (version !== "2025-06-18") assert.deepStrictEqual(outputSchemas(listed.result), {}, version)
        for (const name of Object.keys(values)) {
          const answer = yield* Effect.promise(() => raw.request(name, "tools/call", { name, arguments: {} }))
          const expected = version === "2025-06-18"
            ? { content: [], structuredContent: name === "point" ? values[name] : { result: values[name] } }
            : { content: [{ type: "text", text: JSON.stringify(values[name]) }] }
          assert.deepStrictEqual(answer.result, expected, `${version} ${name}`)
        }
      }
    }))

  // Fails before: the projection wrapped the listed schema for 2025-era clients whatever served
  // it, but only McpServer's Tool wrapped the value; the SDK v1 client refused the call
  // ("Structured content does not match the tool's output schema").
  it.live("a LowLevelServer's non-object structuredContent: sent as { result } where its schema is wrapped (SDK v1 at 2025-11-25, raw 2025-06-18), as it is at 2026-07-28", () =>
    Effect.gen(function*() {
      const schemas: Record<string, object> = {
        numbers: { type: "array", items: { type: "integer" } },
        answer: { type: "integer" },
        nothing: { type: ["string", "null"] },
        point: { type: "object", properties: { x: { type: "integer" } }, required: ["x"] }
      }
      const values: Record<string, unknown> = { numbers: [1, 2], answer: 42, nothing: null, point: { x: 1 } }
      const server = LowLevelServer.make({
        serverInfo: { name: "low", version: "1" },
        handlers: {
          "tools/list": () =>
            Exit.succeed({
              tools: Object.entries(schemas).map(([name, outputSchema]) => ({ name, inputSchema: { type: "object" }, outputSchema }))
            } as never),
          "tools/call": (params) =>
            Exit.succeed({ content: [Content.text(JSON.stringify(values[params.name]))], structuredContent: values[params.name] } as never)
        }
      })
      const wrapped = (name: string) => name === "point" ? values[name] : { result: values[name] }
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(server.run(pair.server))
      const client = new Client({ name: "v1", version: "1" }, { capabilities: {} })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      assert.strictEqual(client.getServerVersion()?.name, "low")
      yield* Effect.promise(() => client.listTools())
      for (const name of Object.keys(values)) {
        const result = yield* Effect.promise(() => client.callTool({ name, arguments: {} }))
        assert.deepStrictEqual(result.structuredContent, wrapped(name), name)
      }
      const raw = yield* connectRaw(server as never, "2025-06-18")
      const modernClient = yield* connectModern(server as never)
      for (const name of Object.keys(values)) {
        const legacy = yield* Effect.promise(() => raw.request(name, "tools/call", { name, arguments: {} }))
        assert.deepStrictEqual(legacy.result.structuredContent, wrapped(name), `2025-06-18 ${name}`)
        const answer = yield* Effect.promise(() => modernClient.request("tools/call", { name, arguments: {} }))
        assert.deepStrictEqual(answer.result.structuredContent, values[name], `2026-07-28 ${name}`)
      }
    }))

  // Fails before: at 2025-11-25 the `tools/call` answer's non-object `structuredContent` was
  // wrapped, but a task's result fetched by `tasks/result` was sent as the handler made it: the
  // SDK v1 client refused it ("Structured content does not match the tool's output schema").
  it.live("a LowLevelServer task's non-object structuredContent: sent as { result } by tasks/result at 2025-11-25 (SDK v1 callToolStream, raw)", () =>
    Effect.gen(function*() {
      const related = { "io.modelcontextprotocol/related-task": { taskId: "t1" } }
      const task = (status: string) => ({
        taskId: "t1",
        status,
        createdAt: "2026-01-01T00:00:00.000Z",
        lastUpdatedAt: "2026-01-01T00:00:00.000Z",
        ttl: 60_000
      })
      const server = LowLevelServer.make({
        serverInfo: { name: "low-tasks", version: "1" },
        taskRequests: ["tools/call"],
        handlers: {
          "tools/list": () =>
            Exit.succeed({
              tools: [{
                name: "numbers",
                inputSchema: { type: "object" },
                outputSchema: { type: "array", items: { type: "integer" } },
                execution: { taskSupport: "required" }
              }]
            } as never),
          "tools/call": () => Exit.succeed({ task: task("working") } as never),
          "tasks/get": () => Exit.succeed(task("completed") as never),
          "tasks/result": () =>
            Exit.succeed({ content: [Content.text("[1,2]")], structuredContent: [1, 2], _meta: related } as never)
        }
      })
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(server.run(pair.server))
      const client = new Client({ name: "v1", version: "1" }, { capabilities: {} })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      yield* Effect.promise(() => client.listTools())
      const messages = yield* Effect.promise(async () => {
        const seen: Array<any> = []
        for await (const message of client.experimental.tasks.callToolStream({ name: "numbers", arguments: {} })) {
          seen.push(message)
          if (seen.length > 10) break
        }
        return seen
      })
      const last = messages.at(-1)
      assert.strictEqual(last?.type, "result", JSON.stringify(messages))
      assert.deepStrictEqual(last.result.structuredContent, { result: [1, 2] })
      const raw = yield* connectRaw(server as never, "2025-11-25")
      const payload = yield* Effect.promise(() => raw.request("r", "tasks/result", { taskId: "t1" }))
      assert.deepStrictEqual(payload.result, { content: [{ type: "text", text: "[1,2]" }], structuredContent: { result: [1, 2] }, _meta: related })
    }))
  // Fails before: the listed schema of a root that is not an object type was wrapped for 2025-era
  // clients, but an object value was sent as it was made (only values that are not objects were
  // wrapped): the SDK v1 client refused the call ("data must have required property 'result'"),
  // and a task's result fetched by tasks/result alike.
  it.live("a LowLevelServer's object structuredContent under a schema whose root is not an object type: sent as { result } where the schema is wrapped (SDK v1 at 2025-11-25, raw 2025-06-18 and tasks/result), as it is at 2026-07-28", () =>
    Effect.gen(function*() {
      const object = { type: "object", properties: { n: { type: "integer" } }, required: ["n"] }
      const schemas: Record<string, object> = {
        either: { anyOf: [object, { type: "array", items: { type: "integer" } }] },
        maybe: { type: ["object", "null"] },
        anything: {},
        referenced: { $ref: "#/definitions/K", definitions: { K: { type: "object", properties: { k: { type: "integer" } }, required: ["k"] } } },
        numbers: { type: "array", items: { type: "integer" } },
        point: { type: "object", properties: { x: { type: "integer" } }, required: ["x"] }
      }
      const values: Record<string, unknown> = { either: { n: 1 }, maybe: { x: 1 }, anything: { k: 1 }, referenced: { k: 1 }, numbers: [1, 2], point: { x: 1 } }
      const related = { "io.modelcontextprotocol/related-task": { taskId: "t1" } }
      const task = (status: string) => ({
        taskId: "t1",
        status,
        createdAt: "2026-01-01T00:00:00.000Z",
        lastUpdatedAt: "2026-01-01T00:00:00.000Z",
        ttl: 60_000
      })
      const server = LowLevelServer.make({
        serverInfo: { name: "low-objects", version: "1" },
        taskRequests: ["tools/call"],
        handlers: {
          "tools/list": () =>
            Exit.succeed({
              tools: [
                ...Object.entries(schemas).map(([name, outputSchema]) => ({ name, inputSchema: { type: "object" }, outputSchema })),
                { name: "either_task", inputSchema: { type: "object" }, outputSchema: schemas.either, execution: { taskSupport: "required" } }
              ]
            } as never),
          "tools/call": (params) =>
            Exit.succeed(
              (params.name === "either_task"
                ? { task: task("working") }
                : { content: [Content.text(JSON.stringify(values[params.name]))], structuredContent: values[params.name] }) as never
            ),
          "tasks/get": () => Exit.succeed(task("completed") as never),
          "tasks/result": () => Exit.succeed({ content: [Content.text("{\"n\":1}")], structuredContent: { n: 1 }, _meta: related } as never)
        }
      })
      const wrapped = (name: string) => name === "point" ? values[name] : { result: values[name] }
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(server.run(pair.server))
      const client = new Client({ name: "v1", version: "1" }, { capabilities: {} })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      yield* Effect.promise(() => client.listTools())
      for (const name of Object.keys(values)) {
        const result = yield* Effect.promise(() => client.callTool({ name, arguments: {} }).catch((error) => ({ error: String(error) })))
        assert.deepStrictEqual((result as { structuredContent?: unknown }).structuredContent, wrapped(name), `${name}: ${JSON.stringify(result)}`)
      }
      const messages = yield* Effect.promise(async () => {
        const seen: Array<any> = []
        for await (const message of client.experimental.tasks.callToolStream({ name: "either_task", arguments: {} })) {
          seen.push(message)
          if (seen.length > 10) break
        }
        return seen
      })
      const last = messages.at(-1)
      assert.strictEqual(last?.type, "result", JSON.stringify(messages))
      assert.deepStrictEqual(last.result.structuredContent, { result: { n: 1 } })
      const raw = yield* connectRaw(server as never, "2025-06-18")
      const modernClient = yield* connectModern(server as never)
      for (const name of Object.keys(values)) {
        const legacy = yield* Effect.promise(() => raw.request(name, "tools/call", { name, arguments: {} }))
        assert.deepStrictEqual(legacy.result.structuredContent, wrapped(name), `2025-06-18 ${name}`)
        const answer = yield* Effect.promise(() => modernClient.request("tools/call", { name, arguments: {} }))
        assert.deepStrictEqual(answer.result.structuredContent, values[name], `2026-07-28 ${name}`)
      }
    }))
})

// Tools a middleware lists (`onListTools`) and answers itself (`onCallTool`), with an
// `outputSchema` whose root is not an object type: listed wrapped to 2025-era clients, as any.
const middlewareSchemas: Record<string, object> = {
  m_either: { anyOf: [{ type: "object", properties: { n: { type: "integer" } }, required: ["n"] }, { type: "array" }] },
  m_maybe: { type: ["object", "null"] },
  m_numbers: { type: "array", items: { type: "integer" } },
  m_point: { type: "object", properties: { x: { type: "integer" } }, required: ["x"] }
}
const middlewareValues: Record<string, unknown> = { m_either: { n: 1 }, m_maybe: { k: "v" }, m_numbers: [1, 2], m_point: { x: 1 } }
const middlewareTools = Middleware.make("extra-tools", {
  onListTools: (params, _context, next) =>
    Effect.map(next(params), (result) => ({
      ...result,
      tools: [
        ...result.tools,
        ...Object.entries(middlewareSchemas).map(([name, outputSchema]) => ({ name, inputSchema: { type: "object" as const }, outputSchema }))
      ]
    }) as never),
  onCallTool: (params, _context, next) =>
    Object.hasOwn(middlewareValues, params.name)
      ? Effect.succeed({
        content: [Content.text(JSON.stringify(middlewareValues[params.name]))],
        structuredContent: middlewareValues[params.name]
      } as never)
      : next(params)
})

/** What each 2025-06-18 / 2025-11-25 client must get: the value wrapped where its schema is. */
const asListedValue = (name: string, value: unknown) => name === "m_point" || name === "point" ? value : { result: value }

/** Calls every tool with an SDK v1 client (2025-11-25) after listing them; a refusal as `{ error }`. */
const callAllV1 = (server: { readonly run: LowLevelServer.LowLevelServer["run"] }, names: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(server.run(pair.server))
    const client = new Client({ name: "v1", version: "1" }, { capabilities: {} })
    yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
    yield* Effect.promise(() => client.listTools())
    const answers: Record<string, unknown> = {}
    for (const name of names) {
      answers[name] = yield* Effect.promise(() =>
        client.callTool({ name, arguments: {} }).then(
          (result) => result.structuredContent,
          (error) => ({ error: String(error) })
        )
      )
    }
    return answers
  })

describe("SEP-2106: tools a middleware lists by hand", () => {
  // Fails before: only the values of the tools the server's own handler listed were wrapped (a
  // LowLevelServer's) or none but `Tool`'s (McpServer): the SDK v1 client refused an object
  // value under a wrapped schema ("data must have required property 'result'").
  it.live("McpServer: a middleware's own tools' values as listed (SDK v1 at 2025-11-25, raw 2025-06-18 and 2025-03-26, 2026-07-28), its Tools' wrapped once", () =>
    Effect.gen(function*() {
      const server = yield* startServer({ middleware: [middlewareTools] }, Layer.mergeAll(Names, Either, Point))
      const expected = { ...middlewareValues, names: ["a", "b"], either: { n: 1 }, point: { x: 1 } }
      const answers = yield* callAllV1(server, Object.keys(expected))
      for (const [name, value] of Object.entries(expected)) assert.deepStrictEqual(answers[name], asListedValue(name, value), name)
      const raw = yield* connectRaw(server, "2025-06-18")
      yield* Effect.promise(() => raw.request("list", "tools/list", {}))
      const old = yield* connectRaw(server, "2025-03-26")
      yield* Effect.promise(() => old.request("list", "tools/list", {}))
      const modernClient = yield* connectModern(server as never)
      for (const [name, value] of Object.entries(middlewareValues)) {
        const legacy = yield* Effect.promise(() => raw.request(name, "tools/call", { name, arguments: {} }))
        assert.deepStrictEqual(legacy.result.structuredContent, asListedValue(name, value), `2025-06-18 ${name}`)
        const older = yield* Effect.promise(() => old.request(name, "tools/call", { name, arguments: {} }))
        assert.deepStrictEqual(older.result, { content: [{ type: "text", text: JSON.stringify(value) }] }, `2025-03-26 ${name}`)
        const answer = yield* Effect.promise(() => modernClient.request("tools/call", { name, arguments: {} }))
        assert.deepStrictEqual(answer.result.structuredContent, value, `2026-07-28 ${name}`)
      }
    }))

  // Fails before: the server `McpServer` rebuilt after a component change had forgotten what the
  // listing before taught, and sent `m_either`'s object value unwrapped, which the SDK v1 client
  // (its schema listed wrapped) refused: "Structured content does not match the tool's output schema".
  it.live("McpServer over stateless HTTP: a middleware's tools' values as listed after a component change rebuilt the server (SDK v1)", () =>
    Effect.gen(function*() {
      let server: McpServer.McpServer["Service"] | undefined
      const capture = Layer.effectDiscard(Effect.map(Effect.service(McpServer.McpServer), (made) => void (server = made)))
      const { url } = yield* serveOnAnyPort((port) =>
        McpServer.serve(
          { name: "rebuilt", version: "1.0.0", middleware: [middlewareTools] },
          Layer.mergeAll(Point, capture),
          StreamableHttp.make({ host: "127.0.0.1", port, stateless: true })
        ),
        { loggers: [] }
      )
      const client = new Client({ name: "v1", version: "1" }, { capabilities: {} })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(new HttpV1(new URL(url)))),
        () => Effect.promise(() => client.close())
      )
      const call = (name: string) =>
        Effect.promise(() =>
          client.callTool({ name, arguments: {} }).then((result) => result.structuredContent, (error) => ({ error: String(error) }))
        )
      yield* Effect.promise(() => client.listTools())
      assert.deepStrictEqual(yield* call("m_either"), { result: { n: 1 } }, "before the change")
      // A component added: the next request is answered by a server built anew.
      yield* Effect.provideService(McpServer.addTool({ name: "added", handler: () => Effect.succeed("added") }), McpServer.McpServer, server!)
      for (const [name, value] of Object.entries(middlewareValues)) {
        assert.deepStrictEqual(yield* call(name), asListedValue(name, value), `after the change: ${name}`)
      }
      assert.deepStrictEqual(yield* call("point"), { x: 1 })
      const listed = yield* Effect.promise(() => client.listTools())
      assert.include(listed.tools.map((tool) => tool.name), "added")
      assert.deepStrictEqual(yield* call("m_either"), { result: { n: 1 } }, "listed again")
    }))

  // Fails before: the server built anew (sharing `latest`) did not know the task of a tool listed
  // with a non-object root, made before: its `tasks/result` value went unwrapped.
  it.live("LowLevelServer: servers sharing `latest` share what the listings taught, tasks too (stateless HTTP, 2025-11-25)", () =>
    Effect.gen(function*() {
      const task = {
        taskId: "t1",
        status: "completed",
        createdAt: "2026-01-01T00:00:00.000Z",
        lastUpdatedAt: "2026-01-01T00:00:00.000Z",
        ttl: 60_000
      }
      let now: LowLevelServer.LowLevelServer | undefined
      // One function for both servers: the same server over time.
      const latest = () => now!
      const build = (name: string) =>
        LowLevelServer.make({
          serverInfo: { name, version: "1" },
          taskRequests: ["tools/call"],
          latest,
          handlers: {
            "tools/list": () =>
              Exit.succeed({
                tools: [
                  { name: "either", inputSchema: { type: "object" }, outputSchema: middlewareSchemas["m_either"] },
                  { name: "either_task", inputSchema: { type: "object" }, outputSchema: middlewareSchemas["m_either"], execution: { taskSupport: "optional" } }
                ]
              } as never),
            "tools/call": (params) =>
              Exit.succeed((params.name === "either_task" ? { task } : { content: [Content.text("{\"n\":1}")], structuredContent: { n: 1 } }) as never),
            "tasks/get": () => Exit.succeed(task as never),
            "tasks/result": () => Exit.succeed({ content: [Content.text("{\"n\":1}")], structuredContent: { n: 1 } } as never)
          }
        })
      now = build("first")
      const { url } = yield* serveOnAnyPort((port) =>
        Layer.launch(StreamableHttp.make({ host: "127.0.0.1", port, stateless: true }).listen((transport, options) => now!.run(transport, options))),
        { loggers: [] }
      )
      let next = 0
      const legacy = (method: string, params: Record<string, unknown>) =>
        Effect.promise(() =>
          post(url, { jsonrpc: "2.0", id: `r${next++}`, method, params }, { "mcp-protocol-version": "2025-11-25" }).then(answerOf)
        )
      yield* legacy("tools/list", {})
      const made = yield* legacy("tools/call", { name: "either_task", arguments: {}, task: { ttl: 60_000 } })
      assert.strictEqual(made.result?.task?.taskId, "t1", JSON.stringify(made))
      now = build("second")
      const called = yield* legacy("tools/call", { name: "either", arguments: {} })
      assert.deepStrictEqual(called.result?.structuredContent, { result: { n: 1 } }, JSON.stringify(called))
      const payload = yield* legacy("tasks/result", { taskId: "t1" })
      assert.deepStrictEqual(payload.result?.structuredContent, { result: { n: 1 } }, JSON.stringify(payload))
    }))

  it.live("LowLevelServer: a middleware's own tools' values as listed beside its handler's (SDK v1 at 2025-11-25)", () =>
    Effect.gen(function*() {
      const server = LowLevelServer.make({
        serverInfo: { name: "low-middleware", version: "1" },
        middleware: [middlewareTools],
        handlers: {
          "tools/list": () =>
            Exit.succeed({ tools: [{ name: "own", inputSchema: { type: "object" }, outputSchema: { type: "array" } }] } as never),
          "tools/call": () => Exit.succeed({ content: [Content.text("[1]")], structuredContent: [1] } as never)
        }
      })
      const answers = yield* callAllV1(server, ["own", ...Object.keys(middlewareValues)])
      assert.deepStrictEqual(answers, {
        own: { result: [1] },
        ...Object.fromEntries(Object.entries(middlewareValues).map(([name, value]) => [name, asListedValue(name, value)]))
      })
    }))

  // Fails before: the low-level server wrapped the values of every tool it listed with such a
  // schema, a compiled `Tool`'s too, which wraps its own: `{ result: { result: [...] } }`, which
  // the SDK v1 client refused.
  it.live("LowLevelServer serving compiled Tools: their values wrapped once (SDK v1 at 2025-11-25)", () =>
    Effect.gen(function*() {
      const masking = { maskErrors: true }
      const compiled = [
        Tool.compile({ name: "names", success: Schema.Array(Schema.String), handler: () => Effect.succeed(["a", "b"]) }, Context.empty(), masking),
        Tool.compile({
          name: "either",
          success: Schema.Union([Schema.Struct({ n: Schema.Int }), Schema.Array(Schema.Int)]),
          handler: () => Effect.succeed({ n: 1 })
        }, Context.empty(), masking)
      ]
      const byName = new Map(compiled.map((tool) => [tool.name, tool]))
      const server = LowLevelServer.make({
        serverInfo: { name: "low-compiled", version: "1" },
        handlers: {
          "tools/list": () => Exit.succeed({ tools: compiled.map((tool) => tool.wire) }),
          "tools/call": (params, context) => byName.get(params.name)!.call(params.arguments, context)
        }
      })
      const answers = yield* callAllV1(server, ["names", "either"])
      assert.deepStrictEqual(answers, { names: { result: ["a", "b"] }, either: { result: { n: 1 } } })
    }))
})

describe("SEP-2106: what an SDK v1 client negotiated down to 2025-03-26 or 2024-11-05 reads", () => {
  // Fails before: the text read `{"result":["a","b"]}`, the wrapper made for 2025-06-18.
  for (const version of ["2025-03-26", "2024-11-05"] as const) {
    it.live(`${version}: the value's JSON, McpServer's Tools and a LowLevelServer's tool alike`, () =>
      Effect.gen(function*() {
        const mcp = yield* startServer({ supportedVersions: [version] }, tools)
        const low = LowLevelServer.make({
          serverInfo: { name: "low-v1", version: "1" },
          supportedVersions: [version],
          handlers: {
            "tools/list": () =>
              Exit.succeed({ tools: [{ name: "numbers", inputSchema: { type: "object" }, outputSchema: { type: "array" } }] } as never),
            "tools/call": () => Exit.succeed({ content: [], structuredContent: [1, 2] } as never)
          }
        })
        for (const [server, name, value] of [[mcp, "names", ["a", "b"]], [mcp, "either", { n: 1 }], [low, "numbers", [1, 2]]] as const) {
          const pair = InMemory.makePair()
          yield* Effect.forkScoped((server as { readonly run: LowLevelServer.LowLevelServer["run"] }).run(pair.server))
          // The SDK tells its transport the version it negotiated.
          let negotiated: string | undefined
          Object.assign(pair.client, { setProtocolVersion: (v: string) => void (negotiated = v) })
          const client = new Client({ name: "v1", version: "1" }, { capabilities: {} })
          yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
          assert.strictEqual(negotiated, version)
          const listed = yield* Effect.promise(() => client.listTools())
          assert.isUndefined(listed.tools.find((tool) => tool.name === name)?.outputSchema, name)
          const result = yield* Effect.promise(() => client.callTool({ name, arguments: {} }))
          assert.deepStrictEqual(result, { content: [{ type: "text", text: JSON.stringify(value) }] }, name)
        }
      }))
  }
})
