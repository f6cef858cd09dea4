/**
 * McpServer resources and resource templates over the in-memory pair with the SDK v1 client:
 * reads (text, bytes), listing, -32002, Schema-decoded template variables, template listing,
 * and subscriptions with `McpServer.notifyResourceUpdated`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client as ClientV2 } from "@modelcontextprotocol/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import { InMemory, McpContext, McpError, McpServer } from "../../src/index.ts"
import { connect, sdk, sdkError, serveAndConnect, settle, startServer, using } from "./McpServerHarness.ts"

const logoBytes = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 0, 255])

const Greeting = McpServer.resource({
  uri: "test://greeting",
  name: "greeting",
  title: "Greeting",
  description: "A friendly text",
  mimeType: "text/plain",
  read: Effect.succeed("hello, world")
})

const Logo = McpServer.resource({
  uri: "test://logo.png",
  name: "logo",
  mimeType: "image/png",
  size: logoBytes.length,
  annotations: { audience: ["user"], priority: 0.2 },
  read: Effect.succeed(logoBytes)
})

const Whoami = McpServer.resource({
  uri: "test://whoami",
  name: "whoami",
  // Not yet complete: runs in a fiber with the request context.
  read: Effect.map(Effect.andThen(Effect.sleep(1), McpContext.clientInfo), (info) => `you are ${info?.name}`)
})

const seenIds: Array<unknown> = []
const Items = McpServer.resourceTemplate({
  uriTemplate: "test://items/{id}",
  name: "item",
  title: "Item",
  description: "An item by numeric id",
  mimeType: "application/json",
  params: { id: Schema.NumberFromString },
  list: Effect.succeed([
    { uri: "test://items/1", name: "item-1" },
    { uri: "test://items/2", name: "item-2", mimeType: "application/json" }
  ]),
  read: ({ id }) => {
    seenIds.push(id)
    return id === 404
      ? Effect.fail(new McpError.ResourceNotFound({ uri: `test://items/${id}` }))
      : Effect.succeed(JSON.stringify({ id, type: typeof id }))
  }
})

// Effect 4's NumberFromString admits NaN ("abc" → NaN): a template that must reject non-numbers
// uses FiniteFromString.
const seenPages: Array<unknown> = []
const Pages = McpServer.resourceTemplate({
  uriTemplate: "test://pages/{page}",
  name: "page",
  params: { page: Schema.FiniteFromString },
  read: ({ page }) => Effect.sync(() => {
    seenPages.push(page)
    return `page ${page + 1}`
  })
})

const All = Layer.mergeAll(Greeting, Logo, Whoami, Items, Pages)

/** An SDK v2 client pinned to 2026-07-28 on one quiet session of `server`. */
const connectV2 = (server: McpServer.McpServer["Service"]) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([]))))
    const client = new ClientV2({ name: "v2", version: "2.0.0" }, {
      capabilities: {},
      versionNegotiation: { mode: { pin: "2026-07-28" } as never }
    })
    yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
    return client
  })

describe("McpServer resources", () => {
  it.live("advertises resources with subscribe and listChanged", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      assert.deepStrictEqual(client.getServerCapabilities()?.resources, { subscribe: true, listChanged: true })
    }))

  it.live("static text and binary resources are read (bytes → base64 blob)", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      const text = yield* sdk(() => client.readResource({ uri: "test://greeting" }))
      assert.deepStrictEqual(text, { contents: [{ uri: "test://greeting", mimeType: "text/plain", text: "hello, world" }] })
      const binary = yield* sdk(() => client.readResource({ uri: "test://logo.png" }))
      assert.deepStrictEqual(binary, {
        contents: [{ uri: "test://logo.png", mimeType: "image/png", blob: Buffer.from(logoBytes).toString("base64") }]
      })
      assert.deepStrictEqual(
        new Uint8Array(Buffer.from((binary.contents[0] as { blob: string }).blob, "base64")),
        logoBytes
      )
      const whoami = yield* sdk(() => client.readResource({ uri: "test://whoami" }))
      assert.deepStrictEqual(whoami.contents, [{ uri: "test://whoami", text: "you are sdk-test-client" }])
    }))

  it.live("resources/list has name, title, description, mimeType, size, annotations; then the template's resources", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      const list = yield* sdk(() => client.listResources())
      assert.deepStrictEqual(list.resources, [
        {
          uri: "test://greeting",
          name: "greeting",
          title: "Greeting",
          description: "A friendly text",
          mimeType: "text/plain"
        },
        {
          uri: "test://logo.png",
          name: "logo",
          mimeType: "image/png",
          size: logoBytes.length,
          annotations: { audience: ["user"], priority: 0.2 }
        },
        { uri: "test://whoami", name: "whoami" },
        { uri: "test://items/1", name: "item-1" },
        { uri: "test://items/2", name: "item-2", mimeType: "application/json" }
      ])
      assert.isUndefined(list.nextCursor)
    }))

  it.live("a missing resource is -32002", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      const error = yield* sdkError(() => client.readResource({ uri: "test://missing" }))
      assert.strictEqual(error.code, -32002)
      // A URI that looks like the template but does not match it (extra segment) is missing too.
      const nested = yield* sdkError(() => client.readResource({ uri: "test://items/1/more" }))
      assert.strictEqual(nested.code, -32002)
    }))
})

describe("McpServer resource templates", () => {
  it.live("a registered resource wins over a template matching the same URI", () =>
    Effect.gen(function*() {
      const Special = McpServer.resource({ uri: "test://items/7", name: "special", read: Effect.succeed("special seven") })
      const { client } = yield* serveAndConnect(Layer.mergeAll(All, Special))
      const special = yield* sdk(() => client.readResource({ uri: "test://items/7" }))
      assert.deepStrictEqual(special.contents, [{ uri: "test://items/7", text: "special seven" }])
      const other = yield* sdk(() => client.readResource({ uri: "test://items/8" }))
      assert.strictEqual((other.contents[0] as { text: string }).text, "{\"id\":8,\"type\":\"number\"}")
    }))

  it.live("a parameter whose Schema takes no string (URI variables are strings) is refused at registration, naming it", () =>
    Effect.gen(function*() {
      const template = (param: Schema.Top) =>
        McpServer.resourceTemplate({
          uriTemplate: "typed://{id}{/rest*}",
          name: "typed",
          params: { id: param as typeof Schema.String, rest: Schema.optionalKey(Schema.Array(Schema.String)) },
          read: ({ id }) => Effect.succeed(`typed ${id}`)
        })
      for (const param of [Schema.Number, Schema.Boolean, Schema.Struct({ a: Schema.String })]) {
        const exit = yield* Effect.exit(Effect.scoped(startServer({}, template(param))))
        assert.isTrue(Exit.isFailure(exit))
        assert.include(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "", "Resource template typed://{id}{/rest*}: parameter id must decode from a string")
      }
      // Fails before: `Schema.Defect` given uncalled stopped the start with an unnamed TypeError
      // ("Cannot read properties of undefined").
      const uncalled = yield* Effect.exit(Effect.scoped(startServer({}, template(Schema.Defect as unknown as Schema.Top))))
      assert.include(Exit.isFailure(uncalled) ? Cause.pretty(uncalled.cause) : "", "Resource template typed://{id}{/rest*}: parameter id is not a Schema")
      const { client } = yield* serveAndConnect(template(Schema.FiniteFromString))
      const read = yield* sdk(() => client.readResource({ uri: "typed://7/a/b" }))
      assert.deepStrictEqual(read.contents, [{ uri: "typed://7/a/b", text: "typed 7" }])
    }))

  it.live("a parameter that is not a variable of the template (which every read would refuse) is refused at registration, naming it", () =>
    Effect.gen(function*() {
      const template = (params: Record<string, typeof Schema.String>) =>
        McpServer.resourceTemplate({
          uriTemplate: "users://{id}{?fields}",
          name: "user",
          params,
          read: (_, uri) => Effect.succeed(`user ${uri}`)
        })
      // `ID` for `{id}`: before, registered, and every read answered -32602 "Missing key".
      const exit = yield* Effect.exit(Effect.scoped(startServer({}, template({ ID: Schema.String }))))
      assert.isTrue(Exit.isFailure(exit))
      assert.include(
        Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "",
        "Resource template users://{id}{?fields}: parameter ID is not a variable of the template (its variables: id, fields)"
      )
      const { client } = yield* serveAndConnect(template({ id: Schema.String }))
      const read = yield* sdk(() => client.readResource({ uri: "users://7?fields=name" }))
      assert.deepStrictEqual(read.contents, [{ uri: "users://7?fields=name", text: "user users://7?fields=name" }])
    }))

  it.live("an exploded variable's parameter must take a list of strings, any other's a string (else every read is refused): registration says which", () =>
    Effect.gen(function*() {
      const template = (path: Schema.Top, owner: Schema.Top) =>
        McpServer.resourceTemplate({
          uriTemplate: "repo://{owner}/files{/path*}",
          name: "files",
          params: { owner: owner as typeof Schema.String, path: path as Schema.$Array<typeof Schema.String> },
          read: ({ owner, path }) => Effect.succeed(`${owner}: ${path.join("|")}`)
        })
      const refused: ReadonlyArray<readonly [Schema.Top, Schema.Top, string]> = [
        // Before, registered: every read answered -32602 ("Expected string, got an array").
        [Schema.String, Schema.String, "parameter path must decode from a list of strings (an exploded variable gives one)"],
        // Before, registered: every read answered -32602 ("Expected array, got a string").
        [Schema.Array(Schema.String), Schema.Array(Schema.String), "parameter owner must decode from a string"]
      ]
      for (const [path, owner, problem] of refused) {
        const exit = yield* Effect.exit(Effect.scoped(startServer({}, template(path, owner))))
        assert.isTrue(Exit.isFailure(exit), problem)
        assert.include(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "", `Resource template repo://{owner}/files{/path*}: ${problem}`)
      }
      const { client } = yield* serveAndConnect(template(Schema.Array(Schema.String), Schema.String))
      const read = yield* sdk(() => client.readResource({ uri: "repo://acme/files/src/a.ts" }))
      assert.deepStrictEqual(read.contents, [{ uri: "repo://acme/files/src/a.ts", text: "acme: src|a.ts" }])
    }))

  it.live("a URI matching two templates is read by the earlier one; one added again moves last", () =>
    Effect.gen(function*() {
      const template = (uriTemplate: string, name: string) =>
        ({ uriTemplate, name, read: (_: unknown, uri: string) => Effect.succeed(`${name} ${uri}`) }) as const
      const { client, server } = yield* serveAndConnect(
        Layer.mergeAll(McpServer.resourceTemplate(template("docs://{+path}", "any")), McpServer.resourceTemplate(template("docs://{dir}/{file}", "pair")))
      )
      const read = (uri: string) => Effect.map(sdk(() => client.readResource({ uri })), (r) => (r.contents[0] as { text: string }).text)
      assert.strictEqual(yield* read("docs://a/b"), "any docs://a/b")
      yield* using(server, McpServer.addResourceTemplate(template("docs://{+path}", "any")))
      assert.strictEqual(yield* read("docs://a/b"), "pair docs://a/b")
      assert.strictEqual(yield* read("docs://a/b/c"), "any docs://a/b/c")
    }))

  it.live("a defect in a read is a masked -32603", () =>
    Effect.gen(function*() {
      const Broken = McpServer.resource({
        uri: "test://broken",
        name: "broken",
        read: Effect.andThen(Effect.sleep(1), Effect.die(new Error("secret-resource-defect")))
      })
      const BrokenTemplate = McpServer.resourceTemplate({
        uriTemplate: "test://broken/{x}",
        name: "broken-template",
        read: () => Effect.die(new Error("secret-template-defect"))
      })
      const { client } = yield* serveAndConnect(Layer.mergeAll(Broken, BrokenTemplate))
      for (const uri of ["test://broken", "test://broken/1"]) {
        const error = yield* sdkError(() => client.readResource({ uri }))
        assert.strictEqual(error.code, -32603, uri)
        assert.notInclude(error.message, "secret", uri)
      }
    }))

  it.live("a read that succeeds with no contents (undefined, a number, a plain object: untyped code) is -32603, not a result without contents", () =>
    Effect.gen(function*() {
      const odd: ReadonlyArray<readonly [string, unknown]> = [["undefined", undefined], ["number", 42], ["object", { foo: 1 }]]
      const layers = odd.map(([name, value]) =>
        McpServer.resource({ uri: `test://odd/${name}`, name, read: Effect.succeed(value as string) })
      )
      const Template = McpServer.resourceTemplate({
        uriTemplate: "test://odd-template/{x}",
        name: "odd-template",
        read: () => Effect.sleep(1).pipe(Effect.as(undefined as unknown as string))
      })
      const { client } = yield* serveAndConnect(Layer.mergeAll(Template, ...layers))
      for (const uri of ["test://odd/undefined", "test://odd/number", "test://odd/object", "test://odd-template/1"]) {
        const error = yield* sdkError(() => client.readResource({ uri }))
        assert.strictEqual(error.code, -32603, uri)
      }
    }))

  it.live("variables are decoded by the params schema: the read sees a number", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      seenIds.length = 0
      const read = yield* sdk(() => client.readResource({ uri: "test://items/42" }))
      assert.deepStrictEqual(read.contents, [
        { uri: "test://items/42", mimeType: "application/json", text: "{\"id\":42,\"type\":\"number\"}" }
      ])
      assert.deepStrictEqual(seenIds, [42])
    }))

  it.live("a non-numeric variable is -32602 and the read does not run; a read's own McpError is its code", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      seenPages.length = 0
      const error = yield* sdkError(() => client.readResource({ uri: "test://pages/abc" }))
      assert.strictEqual(error.code, -32602)
      assert.include(error.message, "test://pages/{page}")
      assert.deepStrictEqual(seenPages, [])
      const ok = yield* sdk(() => client.readResource({ uri: "test://pages/2" }))
      assert.deepStrictEqual(ok.contents, [{ uri: "test://pages/2", text: "page 3" }])
      assert.deepStrictEqual(seenPages, [2])
      const notFound = yield* sdkError(() => client.readResource({ uri: "test://items/404" }))
      assert.strictEqual(notFound.code, -32002)
    }))

  it.live("resources/templates/list describes the template", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      const list = yield* sdk(() => client.listResourceTemplates())
      assert.deepStrictEqual(list.resourceTemplates, [{
        uriTemplate: "test://items/{id}",
        name: "item",
        title: "Item",
        description: "An item by numeric id",
        mimeType: "application/json"
      }, { uriTemplate: "test://pages/{page}", name: "page" }])
    }))

  it.live("a server with only a template serves resources/list and resources/read", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(Items)
      const list = yield* sdk(() => client.listResources())
      assert.deepStrictEqual(list.resources.map((r) => r.uri), ["test://items/1", "test://items/2"])
      const read = yield* sdk(() => client.readResource({ uri: "test://items/7" }))
      assert.strictEqual((read.contents[0] as { text: string }).text, "{\"id\":7,\"type\":\"number\"}")
    }))
})

describe("a template whose list fails", () => {
  const secret = "S".repeat(50_000)
  const Down = McpServer.resourceTemplate({
    uriTemplate: "down://{id}",
    name: "down",
    list: Effect.fail(new McpError.InternalError({ message: `the store is down ${secret}` })),
    read: ({ id }) => Effect.succeed(String(id))
  })
  const Dies = McpServer.resourceTemplate({
    uriTemplate: "dies://{id}",
    name: "dies",
    list: Effect.die(new Error("list bug")),
    read: ({ id }) => Effect.succeed(String(id))
  })
  // A listed resource without a scheme: clients would refuse the whole page.
  const Bad = McpServer.resourceTemplate({
    uriTemplate: "bad://{id}",
    name: "bad",
    list: Effect.succeed([{ uri: "no-scheme", name: "x" }]),
    read: ({ id }) => Effect.succeed(String(id))
  })

  it.live("is left out of resources/list (logged once per failure, clipped); the others are listed, for SDK v1 and v2 clients", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, Layer.mergeAll(Greeting, Down, Items, Dies, Bad))
      const logged: Array<string> = []
      const capture = Logger.make((entry) => void logged.push(`${String(entry.message)} ${Cause.pretty(entry.cause)}`))
      const pair = InMemory.makePair()
      yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([capture]))))
      const client = new Client({ name: "v1", version: "1.0.0" }, { capabilities: {} })
      yield* Effect.acquireRelease(Effect.promise(() => client.connect(pair.client as never)), () => Effect.promise(() => client.close()))
      // Fails before: -32603 (the whole list failed with the first template's error)
      const list = yield* sdk(() => client.listResources())
      assert.deepStrictEqual(list.resources.map((resource) => resource.uri), ["test://greeting", "test://items/1", "test://items/2"])
      const failures = logged.filter((line) => line.includes("failed to list its resources"))
      assert.strictEqual(failures.length, 3)
      assert.include(failures[0]!, "resource template down://{id} failed to list its resources; resources/list lists the others")
      assert.include(failures[0]!, "the store is down SSS")
      assert.isBelow(failures[0]!.length, 10_000)
      assert.include(failures[1]!, "resource template dies://{id}")
      assert.include(failures[1]!, "list bug")
      assert.include(failures[2]!, "resource template bad://{id}")
      assert.include(failures[2]!, "no-scheme")
      // Each listing logs its own failures once.
      yield* sdk(() => client.listResources())
      assert.strictEqual(logged.filter((line) => line.includes("failed to list its resources")).length, 6)
      // The v2 client (2026-07-28) takes the list too.
      const modern = yield* connectV2(server)
      const listed = yield* Effect.promise(() => modern.listResources())
      assert.deepStrictEqual(listed.resources.map((resource) => resource.uri), ["test://greeting", "test://items/1", "test://items/2"])
    }))
})

describe("McpServer resource subscriptions", () => {
  const updates = (notifications: (method: string) => Array<any>) =>
    notifications("notifications/resources/updated").map((m) => m.params)

  it.live("notifyResourceUpdated reaches the subscribed session only, and stops after unsubscribe", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const a = yield* connect(server, { name: "a" })
      const b = yield* connect(server, { name: "b" })
      yield* sdk(() => a.client.subscribeResource({ uri: "test://greeting" }))
      yield* sdk(() => b.client.subscribeResource({ uri: "test://logo.png" }))

      yield* using(server, McpServer.notifyResourceUpdated("test://greeting"))
      yield* Effect.promise(() => a.waitFor((m) => m.method === "notifications/resources/updated"))
      yield* settle()
      assert.deepStrictEqual(updates(a.notifications), [{ uri: "test://greeting" }])
      assert.deepStrictEqual(updates(b.notifications), [])

      // A URI nobody subscribed to reaches nobody.
      yield* using(server, McpServer.notifyResourceUpdated("test://whoami"))
      yield* settle()
      assert.strictEqual(updates(a.notifications).length, 1)
      assert.strictEqual(updates(b.notifications).length, 0)

      yield* sdk(() => a.client.unsubscribeResource({ uri: "test://greeting" }))
      yield* using(server, McpServer.notifyResourceUpdated("test://greeting"))
      yield* using(server, McpServer.notifyResourceUpdated("test://logo.png"))
      yield* Effect.promise(() => b.waitFor((m) => m.method === "notifications/resources/updated"))
      yield* settle()
      assert.strictEqual(updates(a.notifications).length, 1)
      assert.deepStrictEqual(updates(b.notifications), [{ uri: "test://logo.png" }])
    }))

  it.live("a session that closed is no longer notified, the others still are", () =>
    Effect.gen(function*() {
      const server = yield* startServer({}, All)
      const a = yield* connect(server, { name: "a" })
      const b = yield* connect(server, { name: "b" })
      yield* sdk(() => a.client.subscribeResource({ uri: "test://greeting" }))
      yield* sdk(() => b.client.subscribeResource({ uri: "test://greeting" }))
      yield* Effect.promise(() => a.client.close())
      yield* settle()
      assert.strictEqual(server.sessions.size, 1)
      yield* using(server, McpServer.notifyResourceUpdated("test://greeting"))
      yield* Effect.promise(() => b.waitFor((m) => m.method === "notifications/resources/updated"))
      assert.deepStrictEqual(updates(a.notifications), [])
    }))
})
