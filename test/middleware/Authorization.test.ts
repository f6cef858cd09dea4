/**
 * Authorization with the SDK v1 client: lists filtered by name, URI, template and tag rules;
 * forbidden uses refused with 403 before the handler runs; the three `unauthenticated` modes
 * (the `{ principal }` form reaching handlers through `McpContext.principal`).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Authorization from "../../src/middleware/builtin/Authorization.ts"
import * as ToolInjection from "../../src/middleware/builtin/ToolInjection.ts"
import { Extension, McpContext, McpServer, type Principal, Tool } from "../../src/index.ts"
import { connect, sdk, startServer } from "../server/McpServerHarness.ts"
import { authenticateByClientName, counter, principal, rpcError, text } from "./builtinSupport.ts"

const rules: Authorization.Rules = {
  tools: { write: ["write"], danger: ["write"] },
  resources: { "test://reports/{id}": ["reports"], "test://private": ["write"] },
  prompts: { "admin-prompt": ["admin"] },
  tags: { admin: ["admin"] }
}

const principals = {
  reader: principal("reader"),
  writer: principal("writer", ["write"]),
  admin: principal("admin", ["admin", "write", "reports"])
}

const fixture = () => {
  const hits = counter()
  const tool = (name: string, tags: ReadonlyArray<string> = []) =>
    McpServer.tool({ name, tags, handler: () => Effect.as(hits.hit(name), name) })
  const components = Layer.mergeAll(
    tool("read"),
    tool("write"),
    tool("admin-reset", ["admin"]),
    tool("danger", ["admin"]),
    McpServer.tool({
      name: "whoami",
      handler: () => Effect.map(McpContext.principal, (p) => p === undefined ? "nobody" : `${p.subject} ${p.scopes.join(",")}`)
    }),
    McpServer.resource({ uri: "test://public", name: "public", read: Effect.as(hits.hit("public"), "public") }),
    McpServer.resource({ uri: "test://secret", name: "secret", tags: ["admin"], read: Effect.as(hits.hit("secret"), "secret") }),
    McpServer.resource({ uri: "test://private", name: "private", read: Effect.as(hits.hit("private"), "private") }),
    McpServer.resourceTemplate({
      uriTemplate: "test://reports/{id}",
      name: "report",
      params: { id: Schema.String },
      list: Effect.succeed([{ uri: "test://reports/1", name: "report-1" }]),
      read: ({ id }) => Effect.as(hits.hit("report"), `report ${id}`)
    }),
    McpServer.resourceTemplate({
      uriTemplate: "test://docs/{id}",
      name: "doc",
      params: { id: Schema.String },
      read: ({ id }) => Effect.as(hits.hit("doc"), `doc ${id}`)
    }),
    McpServer.prompt({ name: "hello", handler: () => Effect.as(hits.hit("hello"), "hello") }),
    McpServer.prompt({
      name: "admin-prompt",
      arguments: { topic: Schema.String },
      complete: { topic: () => Effect.succeed(["users", "billing"]) },
      handler: () => Effect.as(hits.hit("admin-prompt"), "admin")
    })
  )
  const start = (unauthenticated: Authorization.Unauthenticated) =>
    startServer(
      {},
      Layer.merge(
        components,
        Layer.unwrap(Effect.map(
          Authorization.make({ rules, unauthenticated }),
          (authorization) => McpServer.middleware(authenticateByClientName(principals), authorization)
        ))
      )
    )
  return { hits, start }
}

const names = <A>(items: ReadonlyArray<A>, key: (a: A) => string) => items.map(key).sort()

describe("Authorization (SDK client)", () => {
  it.live("lists show only what the caller may use, by name, URI, template and tag rules", () =>
    Effect.gen(function*() {
      const { start } = fixture()
      const server = yield* start("deny")
      const expected: Record<keyof typeof principals, {
        tools: Array<string>
        resources: Array<string>
        templates: Array<string>
        prompts: Array<string>
      }> = {
        reader: {
          tools: ["read", "whoami"],
          resources: ["test://public"],
          templates: ["test://docs/{id}"],
          prompts: ["hello"]
        },
        writer: {
          tools: ["read", "whoami", "write"],
          resources: ["test://private", "test://public"],
          templates: ["test://docs/{id}"],
          prompts: ["hello"]
        },
        admin: {
          tools: ["admin-reset", "danger", "read", "whoami", "write"],
          resources: ["test://private", "test://public", "test://reports/1", "test://secret"],
          templates: ["test://docs/{id}", "test://reports/{id}"],
          prompts: ["admin-prompt", "hello"]
        }
      }
      for (const [name, lists] of Object.entries(expected)) {
        const { client } = yield* connect(server, { name })
        assert.deepStrictEqual(names((yield* sdk(() => client.listTools())).tools, (t) => t.name), lists.tools, name)
        assert.deepStrictEqual(names((yield* sdk(() => client.listResources())).resources, (r) => r.uri), lists.resources, name)
        assert.deepStrictEqual(
          names((yield* sdk(() => client.listResourceTemplates())).resourceTemplates, (t) => t.uriTemplate),
          lists.templates,
          name
        )
        assert.deepStrictEqual(names((yield* sdk(() => client.listPrompts())).prompts, (p) => p.name), lists.prompts, name)
      }
    }))

  it.live("a forbidden use fails with 403 and the missing scopes, and the handler does not run", () =>
    Effect.gen(function*() {
      const { hits, start } = fixture()
      const server = yield* start("deny")
      const writer = (yield* connect(server, { name: "writer" })).client
      const reader = (yield* connect(server, { name: "reader" })).client

      // Needs write (name rule) and admin (tag rule); the writer lacks admin only.
      const danger = yield* rpcError(() => writer.callTool({ name: "danger" }))
      assert.strictEqual(danger.code, 403)
      assert.include(danger.message, "Forbidden: tool danger needs scope(s) admin")
      assert.deepStrictEqual(danger.data, { missingScopes: ["admin"] })
      const both = yield* rpcError(() => reader.callTool({ name: "danger" }))
      assert.deepStrictEqual(both.data, { missingScopes: ["write", "admin"] })
      assert.strictEqual(hits.get("danger"), 0)

      const secret = yield* rpcError(() => writer.readResource({ uri: "test://secret" }))
      assert.strictEqual(secret.code, 403)
      assert.include(secret.message, "Forbidden: resource test://secret needs scope(s) admin")
      // A resource read through a template needs the template's scopes.
      const report = yield* rpcError(() => writer.readResource({ uri: "test://reports/7" }))
      assert.deepStrictEqual(report.data, { missingScopes: ["reports"] })
      // The message quotes a long URI clipped, as the server's other errors do.
      const long = yield* rpcError(() => writer.readResource({ uri: `test://reports/${"7".repeat(8_000)}` }))
      assert.strictEqual(long.code, 403)
      assert.include(long.message, `Forbidden: resource test://reports/777`)
      assert.include(long.message, "more characters) needs scope(s) reports")
      assert.isBelow(long.message.length, 400)
      const prompt = yield* rpcError(() => writer.getPrompt({ name: "admin-prompt", arguments: { topic: "x" } }))
      assert.strictEqual(prompt.code, 403)
      assert.include(prompt.message, "Forbidden: prompt admin-prompt needs scope(s) admin")
      const completion = yield* rpcError(() =>
        writer.complete({ ref: { type: "ref/prompt", name: "admin-prompt" }, argument: { name: "topic", value: "u" } })
      )
      assert.strictEqual(completion.code, 403)
      const subscribe = yield* rpcError(() => reader.subscribeResource({ uri: "test://private" }))
      assert.strictEqual(subscribe.code, 403)
      assert.strictEqual(hits.get("secret") + hits.get("report") + hits.get("admin-prompt"), 0)

      // What the caller may use runs.
      assert.strictEqual(text(yield* sdk(() => writer.callTool({ name: "write" }))), "write")
      yield* sdk(() => writer.readResource({ uri: "test://private" }))
      yield* sdk(() => reader.readResource({ uri: "test://docs/1" }))
      assert.strictEqual(hits.get("write") + hits.get("private") + hits.get("doc"), 3)
      const admin = (yield* connect(server, { name: "admin" })).client
      yield* sdk(() => admin.callTool({ name: "danger" }))
      yield* sdk(() => admin.readResource({ uri: "test://reports/7" }))
      yield* sdk(() => admin.getPrompt({ name: "admin-prompt", arguments: { topic: "x" } }))
      const values = yield* sdk(() =>
        admin.complete({ ref: { type: "ref/prompt", name: "admin-prompt" }, argument: { name: "topic", value: "u" } })
      )
      assert.include(values.completion.values, "users")
      assert.strictEqual(hits.get("danger") + hits.get("report") + hits.get("admin-prompt"), 3)
    }))

  // Fails before: the writer got an empty completion (the rules of the ref's tags were not applied:
  // it was judged as a template, of which there is none by that URI).
  it.live("completion/complete of a ref/resource naming a fixed resource needs the resource's scopes, its tags' too", () =>
    Effect.gen(function*() {
      const { start } = fixture()
      const server = yield* start("deny")
      const writer = (yield* connect(server, { name: "writer" })).client
      const complete = (client: typeof writer, uri: string) =>
        client.complete({ ref: { type: "ref/resource", uri }, argument: { name: "x", value: "" } })
      for (const uri of ["test://secret", "TEST://secret", "test://%73ecret"]) {
        const refused = yield* rpcError(() => complete(writer, uri))
        assert.strictEqual(refused.code, 403, uri)
        assert.include(refused.message, `Forbidden: resource ${uri} needs scope(s) admin`)
        assert.deepStrictEqual(refused.data, { missingScopes: ["admin"] })
      }
      // Its own URI rule, as before; and what the caller may use completes to nothing.
      const reader = (yield* connect(server, { name: "reader" })).client
      assert.deepStrictEqual((yield* rpcError(() => complete(reader, "test://private"))).data, { missingScopes: ["write"] })
      assert.deepStrictEqual((yield* sdk(() => complete(writer, "test://private"))).completion.values, [])
      const admin = (yield* connect(server, { name: "admin" })).client
      assert.deepStrictEqual((yield* sdk(() => complete(admin, "test://secret"))).completion.values, [])
      // A template's rules, and an unknown reference, are as before.
      assert.strictEqual((yield* rpcError(() => complete(writer, "test://reports/{id}"))).code, 403)
      assert.strictEqual((yield* rpcError(() => complete(writer, "test://nothing/{id}"))).code, -32602)
    }))

  it.live("unauthenticated \"deny\": without a principal, everything with a rule is hidden and refused", () =>
    Effect.gen(function*() {
      const { hits, start } = fixture()
      const server = yield* start("deny")
      const { client } = yield* connect(server, { name: "anonymous" })
      assert.deepStrictEqual(names((yield* sdk(() => client.listTools())).tools, (t) => t.name), ["read", "whoami"])
      const error = yield* rpcError(() => client.callTool({ name: "write" }))
      assert.strictEqual(error.code, 403)
      assert.deepStrictEqual(error.data, { missingScopes: ["write"] })
      assert.strictEqual((yield* rpcError(() => client.readResource({ uri: "test://secret" }))).code, 403)
      assert.strictEqual(hits.get("write") + hits.get("secret"), 0)
      // Components without rules stay open.
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "read" }))), "read")
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "whoami" }))), "nobody")
    }))

  it.live("unauthenticated \"allow\": without a principal everything is allowed; principals are still checked", () =>
    Effect.gen(function*() {
      const { hits, start } = fixture()
      const server = yield* start("allow")
      const anonymous = (yield* connect(server, { name: "anonymous" })).client
      assert.strictEqual((yield* sdk(() => anonymous.listTools())).tools.length, 5)
      assert.strictEqual(text(yield* sdk(() => anonymous.callTool({ name: "danger" }))), "danger")
      yield* sdk(() => anonymous.readResource({ uri: "test://reports/1" }))
      assert.strictEqual(hits.get("danger") + hits.get("report"), 2)
      const reader = (yield* connect(server, { name: "reader" })).client
      assert.strictEqual((yield* rpcError(() => reader.callTool({ name: "danger" }))).code, 403)
    }))

  it.live("unauthenticated { principal }: that principal is checked and reaches the handlers", () =>
    Effect.gen(function*() {
      const { hits, start } = fixture()
      const local: Principal = principal("local", ["write"])
      const server = yield* start({ principal: local })
      const anonymous = (yield* connect(server, { name: "anonymous" })).client
      assert.strictEqual(text(yield* sdk(() => anonymous.callTool({ name: "whoami" }))), "local write")
      assert.strictEqual(text(yield* sdk(() => anonymous.callTool({ name: "write" }))), "write")
      const error = yield* rpcError(() => anonymous.callTool({ name: "admin-reset" }))
      assert.deepStrictEqual(error.data, { missingScopes: ["admin"] })
      assert.notInclude(names((yield* sdk(() => anonymous.listTools())).tools, (t) => t.name), "admin-reset")
      assert.strictEqual(hits.get("write"), 1)
      assert.strictEqual(hits.get("admin-reset"), 0)
      // An authenticated caller keeps its own principal.
      const admin = (yield* connect(server, { name: "admin" })).client
      assert.strictEqual(text(yield* sdk(() => admin.callTool({ name: "whoami" }))), "admin admin,write,reports")
    }))

  it.live("a principal whose scopes are one string (from configuration) is judged by whole scopes: \"administrator\" is not \"admin\" (was: a substring granted it)", () =>
    Effect.gen(function*() {
      const { hits, start } = fixture()
      const local = { subject: "local", scopes: "write administrator" as unknown as ReadonlyArray<string>, claims: {} }
      const server = yield* start({ principal: local })
      const anonymous = (yield* connect(server, { name: "anonymous" })).client
      assert.strictEqual(text(yield* sdk(() => anonymous.callTool({ name: "write" }))), "write")
      // Fails before: "administrator".includes("admin"): listed and called
      assert.notInclude(names((yield* sdk(() => anonymous.listTools())).tools, (t) => t.name), "admin-reset")
      const error = yield* rpcError(() => anonymous.callTool({ name: "admin-reset" }))
      assert.deepStrictEqual(error.data, { missingScopes: ["admin"] })
      assert.strictEqual(hits.get("admin-reset"), 0)
    }))

  it.live("Authorization.layer registers the middleware; a missing `unauthenticated` is refused at build", () =>
    Effect.gen(function*() {
      const server = yield* startServer(
        {},
        Layer.merge(
          McpServer.tool({ name: "secret", handler: () => Effect.succeed("s") }),
          Authorization.layer({ rules: { tools: { secret: ["s"] } }, unauthenticated: "deny" })
        )
      )
      const { client } = yield* connect(server)
      assert.deepStrictEqual((yield* sdk(() => client.listTools())).tools, [])
      assert.strictEqual((yield* rpcError(() => client.callTool({ name: "secret" }))).code, 403)

      const exit = yield* Effect.exit(
        Effect.provideService(Authorization.make({ rules: {} } as unknown as Authorization.Config), McpServer.McpServer, server)
      )
      assert.isTrue(exit._tag === "Failure")
    }))
})

describe("Authorization rules no type checked", () => {
  it.live("a rule that is not a list of scopes, or a rule table that is not an object, is refused naming it when the middleware is made (was: a string required its letters, a list of names ruled nothing)", () =>
    Effect.gen(function*() {
      const admin = { subject: "ada", scopes: ["admin"], claims: {} }
      const server = yield* startServer({}, McpServer.tool({ name: "delete_all", tags: ["danger"], handler: () => Effect.succeed("deleted") }))
      const made = (rules: unknown) =>
        Effect.flip(Effect.provideService(
          Authorization.make({ rules: rules as Authorization.Rules, unauthenticated: { principal: admin } }),
          McpServer.McpServer,
          server
        )).pipe(Effect.catchDefect((defect) => Effect.succeed(defect as Error)))
      // Fails before: made; the string required the scopes a, d, m, i, n (the admin refused 403),
      // and the list of tags ruled nothing (the tool open to every caller).
      const letters = yield* made({ tools: { delete_all: "admin" } })
      assert.instanceOf(letters, TypeError)
      assert.strictEqual(letters.message, `Authorization: rules.tools.delete_all must be a list of scopes, not "admin"`)
      const names = yield* made({ tags: ["danger"] })
      assert.instanceOf(names, TypeError)
      assert.strictEqual(names.message, "Authorization: rules.tags must be an object of lists of scopes by tag, not an array")
      const map = yield* made({ tools: new Map([["delete_all", ["admin"]]]) })
      assert.instanceOf(map, TypeError)
      assert.include(map.message, "Authorization: rules.tools must be an object of lists of scopes by tool name, not")
      const entry = yield* made({ resources: { "test://a": ["read", 7] } })
      assert.strictEqual(entry.message, "Authorization: rules.resources[\"test://a\"][1] must be a scope (a non-empty string), not 7")
      const table = yield* made("admin")
      assert.strictEqual(table.message, `Authorization: rules must be an object (tools, resources, prompts, tags), not "admin"`)
    }))
})

describe("Authorization cannot be slipped past", () => {
  it.live("a per-URI rule on a templated resource holds for every percent-encoding of that URI", () =>
    Effect.gen(function*() {
      const Users = McpServer.resourceTemplate({
        uriTemplate: "users://{name}",
        name: "user",
        params: { name: Schema.String },
        read: ({ name }) => Effect.succeed(`profile of ${name}`)
      })
      const server = yield* startServer(
        { name: "authz-uri", version: "1" },
        Layer.mergeAll(Users, Authorization.layer({ rules: { resources: { "users://admin": ["admin"] } }, unauthenticated: "deny" }))
      )
      const { client } = yield* connect(server)
      for (const uri of ["users://admin", "users://%61dmin", "users://%61%64%6D%69%6E", "users://adm%69n"]) {
        assert.strictEqual((yield* rpcError(() => client.readResource({ uri }))).code, 403, uri)
      }
      const alice = yield* sdk(() => client.readResource({ uri: "users://alice" }))
      assert.strictEqual((alice.contents[0] as { text: string }).text, "profile of alice")
      assert.strictEqual(Authorization.normalizeUri("x://a%2fb%7E"), "x://a%2Fb~")
    }))

  it.live("a per-URI rule holds for every URI its template reads the same (reserved characters percent-encoded or not)", () =>
    Effect.gen(function*() {
      const Docs = McpServer.resourceTemplate({
        uriTemplate: "docs://{+path}",
        name: "doc",
        params: { path: Schema.String },
        read: ({ path }) => Effect.succeed(`doc ${path}`)
      })
      const Search = McpServer.resourceTemplate({
        uriTemplate: "search://x{?q}",
        name: "search",
        params: { q: Schema.String },
        read: ({ q }) => Effect.succeed(`search ${q}`)
      })
      // A fixed resource shadows the template for its URI as written, not for another spelling.
      const Fixed = McpServer.resource({ uri: "docs://fixed/key", name: "fixed", read: Effect.succeed("fixed") })
      const server = yield* startServer(
        { name: "authz-uri-expansion", version: "1" },
        Layer.mergeAll(
          Docs,
          Search,
          Fixed,
          Authorization.layer({
            // One rule written with the reserved character as is, one percent-encoded.
            rules: { resources: { "docs://secret/key": ["admin"], "search://x?q=a%2Cb": ["admin"], "docs://fixed/key": ["admin"] } },
            unauthenticated: "deny"
          })
        )
      )
      const { client } = yield* connect(server)
      // Fails before: docs://secret%2Fkey (and %2f) read "doc secret/key", search://x?q=a,b read
      // "search a,b", docs://fixed%2Fkey read "doc fixed/key"
      for (
        const uri of [
          "docs://secret/key",
          "docs://secret%2Fkey",
          "docs://secret%2fkey",
          "search://x?q=a%2Cb",
          "search://x?q=a,b",
          "docs://fixed/key",
          "docs://fixed%2Fkey"
        ]
      ) {
        assert.strictEqual((yield* rpcError(() => client.readResource({ uri }))).code, 403, uri)
      }
      const open = yield* sdk(() => client.readResource({ uri: "docs://public/key" }))
      assert.strictEqual((open.contents[0] as { text: string }).text, "doc public/key")
    }))

  it.live("a per-URI rule does not hold for a resource its template reads with other variables (the URIs share a normal form)", () =>
    Effect.gen(function*() {
      // `{+path}` keeps a value's pct-triplets: path `%41` expands to docs://%41, whose normal form
      // is docs://A, and path `%ab` to docs://%ab, that of docs://%AB.
      const Docs = McpServer.resourceTemplate({
        uriTemplate: "docs://{+path}",
        name: "doc",
        params: { path: Schema.String },
        read: ({ path }) => Effect.succeed(`doc ${path}`)
      })
      const server = yield* startServer(
        { name: "authz-uri-identity", version: "1" },
        Layer.mergeAll(
          Docs,
          Authorization.layer({ rules: { resources: { "docs://A": ["admin"], "docs://%25AB": ["admin"] } }, unauthenticated: "deny" })
        )
      )
      const { client } = yield* connect(server)
      // The ruled resources, however written, are refused.
      for (const uri of ["docs://A", "docs://%41", "docs://%25AB", "docs://%25%41B"]) {
        assert.strictEqual((yield* rpcError(() => client.readResource({ uri }))).code, 403, uri)
      }
      // Fails before: 403 (other paths, `%41` and `%ab`, compared as the ruled ones).
      for (const [uri, path] of [["docs://%2541", "%41"], ["docs://%25ab", "%ab"]] as const) {
        const read = yield* sdk(() => client.readResource({ uri }))
        assert.strictEqual((read.contents[0] as { text: string }).text, `doc ${path}`, uri)
      }
    }))

  it.live("a per-URI rule is met through the template that reads its URI, tried in the order reads try them", () =>
    Effect.gen(function*() {
      // Reads try every template on the URI as written, then on its normal form: the ruled
      // docs://secret/%6Bey is read by docs://{+path} (path secret/key), though docs://{a}/key,
      // listed first, matches its normal form (docs://secret/key).
      const Key = McpServer.resourceTemplate({ uriTemplate: "docs://{a}/key", name: "key", read: ({ a }) => Effect.succeed(`key ${a}`) })
      const Docs = McpServer.resourceTemplate({ uriTemplate: "docs://{+path}", name: "doc", read: ({ path }) => Effect.succeed(`doc ${path}`) })
      const server = yield* startServer(
        { name: "authz-template-order", version: "1" },
        Layer.mergeAll(Key, Docs, Authorization.layer({ rules: { resources: { "docs://secret/%6Bey": ["admin"] } }, unauthenticated: "deny" }))
      )
      const { client } = yield* connect(server)
      // Met through docs://{a}/key alone, docs://secret%2Fkey would read "doc secret/key".
      for (const uri of ["docs://secret/%6Bey", "docs://secret%2Fkey", "docs://secret%2F%6Bey"]) {
        assert.strictEqual((yield* rpcError(() => client.readResource({ uri }))).code, 403, uri)
      }
      assert.strictEqual((yield* sdk(() => client.readResource({ uri: "docs://public%2Fkey" }))).contents.length, 1)
    }))

  it.live("a per-URI rule holds for every template that reads the ruled URI alike, not only the one listed first", () =>
    Effect.gen(function*() {
      // docs://secret/key is read by docs://{a}/key (listed first); docs://{+path} would read it
      // with path secret/key, as it reads docs://secret%2Fkey: that read meets the rule too.
      const Key = McpServer.resourceTemplate({ uriTemplate: "docs://{a}/key", name: "key", read: ({ a }) => Effect.succeed(`key ${a}`) })
      const Docs = McpServer.resourceTemplate({ uriTemplate: "docs://{+path}", name: "doc", read: ({ path }) => Effect.succeed(`doc ${path}`) })
      const server = yield* startServer(
        { name: "authz-every-template", version: "1" },
        Layer.mergeAll(Key, Docs, Authorization.layer({ rules: { resources: { "docs://secret/key": ["admin"] } }, unauthenticated: "deny" }))
      )
      const { client } = yield* connect(server)
      // Met through docs://{a}/key alone, docs://secret%2Fkey would read "doc secret/key".
      for (const uri of ["docs://secret/key", "docs://secret%2Fkey", "docs://secret%2F%6Bey"]) {
        assert.strictEqual((yield* rpcError(() => client.readResource({ uri }))).code, 403, uri)
      }
      // Other variables of either are not ruled.
      assert.strictEqual((yield* sdk(() => client.readResource({ uri: "docs://public%2Fkey" }))).contents.length, 1)
      assert.strictEqual((yield* sdk(() => client.readResource({ uri: "docs://public/key" }))).contents.length, 1)
    }))

  it.live("tools a middleware injects into a server without tools are still authorized", () =>
    Effect.gen(function*() {
      // Made first, so outside the injection (middleware Layers stack in the order they are made).
      const Authz = Authorization.layer({ rules: { tools: { admin_flush: ["admin"] } }, unauthenticated: "deny" })
      const Admin = ToolInjection.layer({ name: "admin_flush", handler: () => Effect.succeed("flushed!") })
      const server = yield* startServer({ name: "authz-injected", version: "1" }, Layer.mergeAll(Authz, Admin))
      const { client } = yield* connect(server)
      assert.deepStrictEqual((yield* sdk(() => client.listTools())).tools, [])
      assert.strictEqual((yield* rpcError(() => client.callTool({ name: "admin_flush", arguments: {} }))).code, 403)
    }))

  it.live("an injected tool is judged by its own tags, also when it shadows a registered tool", () =>
    Effect.gen(function*() {
      const hits = counter()
      // Made first, so outside the injection.
      const Authz = Authorization.layer({ rules: { tags: { admin: ["admin"] } }, unauthenticated: "deny" })
      const Injected = ToolInjection.layer(
        { name: "admin_flush", tags: ["admin"], handler: () => Effect.as(hits.hit("admin_flush"), "flushed!") },
        { name: "report", tags: ["admin"], handler: () => Effect.as(hits.hit("injected report"), "secret report") },
        { name: "status", handler: () => Effect.succeed("up") }
      )
      const Report = McpServer.tool({ name: "report", handler: () => Effect.succeed("public report") })
      const server = yield* startServer({ name: "authz-injected-tags", version: "1" }, Layer.mergeAll(Authz, Injected, Report))
      const { client } = yield* connect(server)
      assert.deepStrictEqual((yield* sdk(() => client.listTools())).tools.map((tool) => tool.name), ["status"])
      for (const name of ["admin_flush", "report"]) {
        const refused = yield* rpcError(() => client.callTool({ name, arguments: {} }))
        assert.strictEqual(refused.code, 403, name)
        assert.deepStrictEqual(refused.data.missingScopes, ["admin"], name)
      }
      assert.strictEqual(hits.get("admin_flush") + hits.get("injected report"), 0)
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "status", arguments: {} }))), "up")
    }))

  it.live("tools of ToolInjection.middleware used directly (not its Layer) are judged by their own tags too", () =>
    Effect.gen(function*() {
      const hits = counter()
      const compile = (definition: ToolInjection.AnyDefinition) => Tool.compile(definition, Context.empty() as Context.Context<any>, { maskErrors: true })
      // Made first, so outside the injections.
      const Authz = Authorization.layer({ rules: { tags: { admin: ["admin"] } }, unauthenticated: "deny" })
      // Given to McpServer.middleware as it is, and spread into a middleware of one's own.
      const Direct = McpServer.middleware(ToolInjection.middleware([
        compile({ name: "admin_flush", tags: ["admin"], handler: () => Effect.as(hits.hit("admin_flush"), "flushed!") }),
        compile({ name: "status", handler: () => Effect.succeed("up") })
      ]))
      const Spread = McpServer.middleware({
        ...ToolInjection.middleware([
          compile({ name: "admin_drop", tags: ["admin"], handler: () => Effect.as(hits.hit("admin_drop"), "dropped!") })
        ]),
        name: "my-admin-tools"
      })
      // An extension's middleware (innermost: after every middleware Layer).
      const Ext = McpServer.extension(Extension.make({
        id: "example.com/admin",
        middleware: [
          ToolInjection.middleware([
            compile({ name: "admin_purge", tags: ["admin"], handler: () => Effect.as(hits.hit("admin_purge"), "purged!") })
          ])
        ]
      }))
      const server = yield* startServer({ name: "authz-injected-direct", version: "1" }, Layer.mergeAll(Authz, Direct, Spread, Ext))
      const { client } = yield* connect(server)
      assert.deepStrictEqual((yield* sdk(() => client.listTools())).tools.map((tool) => tool.name), ["status"])
      for (const name of ["admin_flush", "admin_drop", "admin_purge"]) {
        const refused = yield* rpcError(() => client.callTool({ name, arguments: {} }))
        assert.strictEqual(refused.code, 403, name)
        assert.deepStrictEqual(refused.data.missingScopes, ["admin"], name)
      }
      assert.strictEqual(hits.get("admin_flush") + hits.get("admin_drop") + hits.get("admin_purge"), 0)
      assert.strictEqual(text(yield* sdk(() => client.callTool({ name: "status", arguments: {} }))), "up")
    }))
})
