/**
 * McpServer list pagination over the in-memory pair with the SDK v1 client: page sizes, stable
 * cursors across changes between pages, invalid cursors.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { McpServer } from "../../src/index.ts"
import { Pagination } from "../../src/lowlevel.ts"
import { components, type Connected, connect, connectRaw, sdk, sdkError, startServer, using } from "./McpServerHarness.ts"

const tool = (name: string) => ({ name, handler: () => Effect.succeed(name) })
const fiveTools = components(["t1", "t2", "t3", "t4", "t5"].map((name) => McpServer.tool(tool(name))))

const page = (client: Connected, cursor?: string) =>
  Effect.map(
    sdk(() => client.client.listTools(cursor === undefined ? {} : { cursor })),
    (result) => ({ names: result.tools.map((t) => t.name), nextCursor: result.nextCursor })
  )

/** Follows cursors to the end; `between` runs after each page but the last. */
const walk = (client: Connected, between: (pageIndex: number) => Effect.Effect<void> = () => Effect.void) =>
  Effect.gen(function*() {
    const pages: Array<Array<string>> = []
    let cursor: string | undefined
    do {
      const next = yield* page(client, cursor)
      pages.push(next.names)
      cursor = next.nextCursor
      if (cursor !== undefined) yield* between(pages.length - 1)
    } while (cursor !== undefined && pages.length < 20)
    return pages
  })

describe("McpServer pagination", () => {
  it.live("pageSize 2 with 5 tools gives pages of 2, 2 and 1, linked by nextCursor", () =>
    Effect.gen(function*() {
      const client = yield* connect(yield* startServer({ pageSize: 2 }, fiveTools))
      const first = yield* page(client)
      assert.deepStrictEqual(first.names, ["t1", "t2"])
      assert.isString(first.nextCursor)
      const second = yield* page(client, first.nextCursor)
      assert.deepStrictEqual(second.names, ["t3", "t4"])
      assert.isString(second.nextCursor)
      const third = yield* page(client, second.nextCursor)
      assert.deepStrictEqual(third.names, ["t5"])
      assert.isUndefined(third.nextCursor)
      // Cursors can be reused: the same cursor gives the same page.
      assert.deepStrictEqual(yield* page(client, first.nextCursor), second)
    }))

  it.live("an exact multiple of the page size ends without an empty page; no pageSize means one page", () =>
    Effect.gen(function*() {
      const four = components(["t1", "t2", "t3", "t4"].map((name) => McpServer.tool(tool(name))))
      const client = yield* connect(yield* startServer({ pageSize: 2 }, four))
      assert.deepStrictEqual(yield* walk(client), [["t1", "t2"], ["t3", "t4"]])
      const unpaged = yield* connect(yield* startServer({}, fiveTools))
      const all = yield* page(unpaged)
      assert.deepStrictEqual(all, { names: ["t1", "t2", "t3", "t4", "t5"], nextCursor: undefined })
    }))

  it.live("a cursor stays valid when items are removed between pages (no survivor skipped or repeated)", () =>
    Effect.gen(function*() {
      const server = yield* startServer({ pageSize: 2 }, fiveTools)
      const client = yield* connect(server)
      // After page 1 (t1, t2): remove t2 (the item the cursor points after) and t1.
      const pages = yield* walk(client, (index) =>
        index === 0
          ? Effect.asVoid(using(server, Effect.all([McpServer.remove("tool", "t2"), McpServer.remove("tool", "t1")])))
          : Effect.void)
      assert.deepStrictEqual(pages, [["t1", "t2"], ["t3", "t4"], ["t5"]])
    }))

  it.live("removing a later item between pages shifts nothing: the survivors come once each", () =>
    Effect.gen(function*() {
      const server = yield* startServer({ pageSize: 2 }, fiveTools)
      const client = yield* connect(server)
      const pages = yield* walk(client, (index) =>
        index === 0 ? Effect.asVoid(using(server, McpServer.remove("tool", "t3"))) : Effect.void)
      assert.deepStrictEqual(pages, [["t1", "t2"], ["t4", "t5"]])
      const seen = pages.flat()
      assert.strictEqual(new Set(seen).size, seen.length)
    }))

  it.live("disabling items and adding new ones between pages keeps the walk consistent", () =>
    Effect.gen(function*() {
      const server = yield* startServer({ pageSize: 2 }, fiveTools)
      const client = yield* connect(server)
      const pages = yield* walk(client, (index) =>
        index === 0
          ? Effect.asVoid(using(
            server,
            Effect.all([McpServer.setEnabled("tool", "t2", false), McpServer.setEnabled("tool", "t4", false), McpServer.addTool(tool("t6"))])
          ))
          : Effect.void)
      assert.deepStrictEqual(pages, [["t1", "t2"], ["t3", "t5"], ["t6"]])
    }))

  it.live("a cursor after which everything was removed gives an empty last page", () =>
    Effect.gen(function*() {
      const server = yield* startServer({ pageSize: 2 }, fiveTools)
      const client = yield* connect(server)
      const first = yield* page(client)
      yield* using(server, Effect.all(["t3", "t4", "t5"].map((name) => McpServer.remove("tool", name))))
      assert.deepStrictEqual(yield* page(client, first.nextCursor), { names: [], nextCursor: undefined })
    }))

  it.live("an invalid cursor is -32602 on every list", () =>
    Effect.gen(function*() {
      const server = yield* startServer(
        { pageSize: 2 },
        Layer.mergeAll(
          fiveTools,
          McpServer.prompt({ name: "p", handler: () => Effect.succeed("p") }),
          McpServer.resource({ uri: "test://r", name: "r", read: Effect.succeed("r") }),
          McpServer.resourceTemplate({ uriTemplate: "test://t/{x}", name: "t", read: () => Effect.succeed("t") })
        )
      )
      const client = yield* connect(server)
      const invalid = [
        "not-a-cursor",
        Buffer.from("v1:abc").toString("base64url"),
        Buffer.from("v1:-1").toString("base64url"),
        Buffer.from("v2:3").toString("base64url"),
        ""
      ]
      for (const cursor of invalid) {
        for (
          const call of [
            () => client.client.listTools({ cursor }) as Promise<unknown>,
            () => client.client.listPrompts({ cursor }),
            () => client.client.listResources({ cursor }),
            () => client.client.listResourceTemplates({ cursor })
          ]
        ) {
          const error = yield* sdkError(call)
          assert.strictEqual(error.code, -32602, `cursor ${JSON.stringify(cursor)}`)
        }
      }
      // A cursor the server gave is accepted.
      const ours = yield* page(client, (yield* page(client)).nextCursor)
      assert.deepStrictEqual(ours.names, ["t3", "t4"])
    }))

  it.live("a cursor is its list's and its server's: one of another list method or of another server is -32602; a replica's is taken", () =>
    Effect.gen(function*() {
      const two = (kind: string) => [1, 2].map((n) => `${kind}${n}`)
      const everything = Layer.mergeAll(
        components(two("t").map((name) => McpServer.tool(tool(name)))),
        components(two("p").map((name) => McpServer.prompt({ name, handler: () => Effect.succeed(name) }))),
        components(two("r").map((name) => McpServer.resource({ uri: `test://${name}`, name, read: Effect.succeed(name) }))),
        components(two("u").map((name) => McpServer.resourceTemplate({ uriTemplate: `test://${name}/{x}`, name, read: () => Effect.succeed(name) })))
      )
      const named = (items: ReadonlyArray<{ readonly name: string }>, nextCursor: string | undefined) => ({
        names: items.map((item) => item.name),
        nextCursor
      })
      const params = (cursor?: string) => cursor === undefined ? {} : { cursor }
      // Each list's pages, by the first letter of its items' names.
      const lists = (client: Connected): Record<string, (cursor?: string) => Promise<ReturnType<typeof named>>> => ({
        t: (cursor) => client.client.listTools(params(cursor)).then((r) => named(r.tools, r.nextCursor)),
        p: (cursor) => client.client.listPrompts(params(cursor)).then((r) => named(r.prompts, r.nextCursor)),
        r: (cursor) => client.client.listResources(params(cursor)).then((r) => named(r.resources, r.nextCursor)),
        u: (cursor) => client.client.listResourceTemplates(params(cursor)).then((r) => named(r.resourceTemplates, r.nextCursor))
      })
      const of = lists(yield* connect(yield* startServer({ name: "one", pageSize: 1 }, everything)))
      const cursors: Record<string, string> = {}
      for (const [kind, list] of Object.entries(of)) {
        const first = yield* sdk(() => list())
        assert.deepStrictEqual(first.names, [`${kind}1`])
        cursors[kind] = first.nextCursor!
      }
      for (const [kind, list] of Object.entries(of)) {
        // Its own cursor: the second page. Another list's was taken, and named a place in this one.
        assert.deepStrictEqual(yield* sdk(() => list(cursors[kind])), { names: [`${kind}2`], nextCursor: undefined })
        for (const [from, cursor] of Object.entries(cursors)) {
          if (from !== kind) assert.strictEqual((yield* sdkError(() => list(cursor))).code, -32602, `${from}'s cursor on ${kind}`)
        }
      }
      // Another server's cursor (another name) is not ours; a replica's (the same name) is.
      const other = lists(yield* connect(yield* startServer({ name: "other", pageSize: 1 }, everything)))
      const replica = lists(yield* connect(yield* startServer({ name: "one", pageSize: 1 }, everything)))
      assert.strictEqual((yield* sdkError(() => other["t"]!(cursors["t"]))).code, -32602)
      assert.deepStrictEqual((yield* sdk(() => replica["t"]!(cursors["t"]))).names, ["t2"])
    }))

  it.live("the order is that of the component Layers, however long each takes to build: replicas list alike and take each other's cursors", () =>
    Effect.gen(function*() {
      // Each tool's Layer waits for a service that takes its time (I/O); each replica's take
      // another time, so that `Layer.mergeAll` sees the registrations end in opposite orders.
      class Delays extends Context.Service<Delays, Readonly<Record<string, number>>>()("test/Delays") {}
      const slow = (name: string) =>
        McpServer.tool(tool(name)).pipe(Layer.provide(Layer.effectDiscard(Effect.flatMap(Effect.service(Delays), (delays) => Effect.sleep(delays[name]!)))))
      const replicated = Layer.mergeAll(slow("t1"), slow("t2"), slow("t3"), slow("t4"))
      const replica = (delays: Record<string, number>) =>
        Effect.flatMap(startServer({ name: "one", pageSize: 2 }, replicated.pipe(Layer.provide(Layer.succeed(Delays, delays)))), connect)
      const first = yield* replica({ t1: 60, t2: 40, t3: 20, t4: 0 })
      const second = yield* replica({ t1: 0, t2: 20, t3: 40, t4: 60 })
      assert.deepStrictEqual(yield* walk(first), [["t1", "t2"], ["t3", "t4"]])
      assert.deepStrictEqual(yield* walk(second), [["t1", "t2"], ["t3", "t4"]])
      // A client whose next page reaches the other replica goes on where it was.
      const start = yield* page(first)
      assert.deepStrictEqual(yield* page(second, start.nextCursor), { names: ["t3", "t4"], nextCursor: undefined })
    }))

  it.live("a component Layer built again while the server runs (hot swap) takes its place back; run-time additions come after", () =>
    Effect.gen(function*() {
      const [t1, t2, t3] = ["t1", "t2", "t3"].map((name) => McpServer.tool(tool(name)))
      const server = yield* startServer({ pageSize: 2 }, components([t1!, t3!]))
      yield* using(server, McpServer.addTool(tool("added")))
      const client = yield* connect(server)
      const buildT2 = Effect.gen(function*() {
        const scope = yield* Scope.make()
        yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
        yield* using(server, Layer.buildWithScope(t2!, scope))
        return scope
      })
      // Built last, t2 is listed where its Layer was made: between t1 and t3, before what addTool added.
      const swap = yield* buildT2
      const first = yield* page(client)
      assert.deepStrictEqual(first.names, ["t1", "t2"])
      // Swapped out and in again between two pages: back in its place, not listed twice.
      yield* Scope.close(swap, Exit.void)
      yield* buildT2
      assert.deepStrictEqual((yield* page(client, first.nextCursor)).names, ["t3", "added"])
      assert.deepStrictEqual(yield* walk(client), [["t1", "t2"], ["t3", "added"]])
    }))

  it.live("prompts, resources and templates are paginated too; template-listed resources come on the last page", () =>
    Effect.gen(function*() {
      const server = yield* startServer(
        { pageSize: 2 },
        components([
          ...["p1", "p2", "p3"].map((name) => McpServer.prompt({ name, handler: () => Effect.succeed(name) })),
          ...["r1", "r2", "r3"].map((name) =>
            McpServer.resource({ uri: `test://${name}`, name, read: Effect.succeed(name) })
          ),
          ...["a", "b", "c"].map((name) =>
            McpServer.resourceTemplate({
              uriTemplate: `test://${name}/{x}`,
              name,
              list: Effect.succeed([{ uri: `test://${name}/1`, name: `${name}1` }]),
              read: () => Effect.succeed(name)
            })
          )
        ])
      )
      const raw = yield* connectRaw(server)
      const walkRaw = (method: string, key: string) =>
        Effect.promise(async () => {
          const pages: Array<Array<string>> = []
          let cursor: string | undefined
          let id = 0
          do {
            const response = await raw.request(`${method}-${id++}`, method, cursor === undefined ? {} : { cursor })
            const result = response.result
            pages.push(result[key].map((item: any) => item.name))
            cursor = result.nextCursor
          } while (cursor !== undefined && id < 20)
          return pages
        })
      assert.deepStrictEqual(yield* walkRaw("prompts/list", "prompts"), [["p1", "p2"], ["p3"]])
      assert.deepStrictEqual(yield* walkRaw("resources/templates/list", "resourceTemplates"), [["a", "b"], ["c"]])
      assert.deepStrictEqual(yield* walkRaw("resources/list", "resources"), [["r1", "r2"], ["r3", "a1", "b1", "c1"]])
    }))
})

describe("McpServer pageSize validation", () => {
  it.live("a page size that is not a positive integer is rejected when the server is built", () =>
    Effect.gen(function*() {
      for (const pageSize of [0, -1, 1.5, Number.NaN]) {
        const exit = yield* Effect.exit(Effect.scoped(Layer.build(McpServer.McpServer.layer({ name: "p", version: "1", pageSize }))))
        assert.strictEqual(exit._tag, "Failure")
        if (exit._tag === "Failure") assert.include(String(Cause.squash(exit.cause)), "McpServer: pageSize must be an integer >= 1")
      }
      const ok = yield* Effect.exit(Effect.scoped(Layer.build(McpServer.McpServer.layer({ name: "p", version: "1", pageSize: 1 }))))
      assert.strictEqual(ok._tag, "Success")
    }))

  it.live("tasks given as plain options (the form before McpServer.tasks) are refused with the fix named", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(McpServer.McpServer.layer({ name: "p", version: "1", tasks: {} as never }))))
      assert.strictEqual(exit._tag, "Failure")
      if (exit._tag === "Failure") assert.include(String(Cause.squash(exit.cause)), "write tasks: McpServer.tasks() where it was tasks: {}")
      const ok = yield* Effect.exit(Effect.scoped(Layer.build(McpServer.McpServer.layer({ name: "p", version: "1", tasks: McpServer.tasks() }))))
      assert.strictEqual(ok._tag, "Success")
    }))
})

describe("Pagination cursors", () => {
  it("only cursors the server wrote decode: forged variants are refused", () => {
    const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64url")
    assert.strictEqual(Pagination.decodeCursor(Pagination.encodeCursor(0)), 0)
    assert.strictEqual(Pagination.decodeCursor(Pagination.encodeCursor(1234)), 1234)
    for (const forged of ["v1:", "v1: 0x1 ", "v1:1e3", "v1:01", "v1:-1", "v1:1.5", "v2:1"]) {
      assert.isUndefined(Pagination.decodeCursor(b64(forged)), forged)
    }
    // Base64 padding or other spellings of a valid cursor are not ours either.
    assert.isUndefined(Pagination.decodeCursor(Pagination.encodeCursor(5) + "="))
  })

  it("a cursor of a scope decodes in that scope only", () => {
    const tools = Pagination.encodeCursor(7, "tools.x")
    assert.strictEqual(Pagination.decodeCursor(tools, "tools.x"), 7)
    // Another list's scope, another server's, none; and a cursor of none in a scope.
    const refused: ReadonlyArray<readonly [string, string]> = [
      [tools, "prompts.x"],
      [tools, "tools.y"],
      [tools, ""],
      [Pagination.encodeCursor(7), "tools.x"]
    ]
    for (const [cursor, scope] of refused) {
      assert.isUndefined(Pagination.decodeCursor(cursor, scope), `${cursor} in ${JSON.stringify(scope)}`)
    }
    const page = Pagination.paginate([{ seq: 1 }, { seq: 2 }], undefined, 1, "s")
    assert.strictEqual(page._tag, "Success")
    if (page._tag === "Success") assert.strictEqual(Pagination.decodeCursor(page.success.nextCursor!, "s"), 1)
    assert.strictEqual(Pagination.paginate([{ seq: 1 }, { seq: 2 }], Pagination.encodeCursor(1), 1, "s")._tag, "Failure")
  })
})
