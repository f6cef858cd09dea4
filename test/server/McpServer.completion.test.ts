/**
 * McpServer argument completion over the in-memory pair with the SDK v1 client: prompt arguments
 * and template variables, the context of already chosen arguments, truncation at 100 values.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { sdk, sdkError, serveAndConnect, startServer } from "./McpServerHarness.ts"

const frameworks: Record<string, ReadonlyArray<string>> = {
  python: ["django", "flask", "fastapi"],
  typescript: ["effect", "express", "fastify"]
}

const Scaffold = McpServer.prompt({
  name: "scaffold",
  arguments: { language: Schema.String, framework: Schema.String, name: Schema.optionalKey(Schema.String) },
  complete: {
    language: (value) => Effect.succeed(Object.keys(frameworks).filter((language) => language.startsWith(value))),
    framework: (value, context) =>
      Effect.succeed((frameworks[context.arguments.language ?? ""] ?? []).filter((f) => f.startsWith(value)))
  },
  handler: ({ language, framework }) => Effect.succeed(`${language}/${framework}`)
})

const Plain = McpServer.prompt({
  name: "plain",
  arguments: { topic: Schema.String },
  handler: ({ topic }) => Effect.succeed(topic)
})

const numbers = (count: number) => Array.from({ length: count }, (_, i) => `n${String(i).padStart(3, "0")}`)

const Repos = McpServer.resourceTemplate({
  uriTemplate: "test://repos/{owner}/{repo}",
  name: "repo",
  complete: {
    owner: (value) =>
      // Asynchronous, with the request context.
      Effect.map(Effect.andThen(Effect.sleep(1), McpContext.clientInfo), (info) =>
        ["effect-ts", "modelcontextprotocol", info?.name ?? "?"].filter((owner) => owner.startsWith(value))),
    repo: (value, context) =>
      Effect.succeed(
        context.arguments.owner === "effect-ts"
          ? ["effect", "effect-smol", "website"].filter((repo) => repo.startsWith(value))
          : []
      )
  },
  read: ({ owner, repo }) => Effect.succeed(`${owner}/${repo}`)
})

const Many = McpServer.resourceTemplate({
  uriTemplate: "test://many/{n}",
  name: "many",
  complete: {
    n: (value) => Effect.succeed(value === "exact" ? numbers(100) : numbers(150))
  },
  read: (_, uri) => Effect.succeed(uri)
})

const Readme = McpServer.resource({ uri: "test://readme", name: "readme", read: Effect.succeed("# Readme") })

const All = Layer.mergeAll(Scaffold, Plain, Repos, Many, Readme)

describe("McpServer completion", () => {
  it.live("completions are advertised when a completer exists, and only then", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      assert.deepStrictEqual(client.getServerCapabilities()?.completions, {})
      const none = yield* serveAndConnect(Plain)
      assert.isUndefined(none.client.getServerCapabilities()?.completions)
    }))

  it.live("a completer for an argument or variable the prompt or template does not have (never called) is refused at registration, naming it", () =>
    Effect.gen(function*() {
      const failure = (components: Layer.Layer<never, never, McpServer.McpServer>) =>
        Effect.map(Effect.exit(Effect.scoped(startServer({}, components))), (exit) => Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "")
      // A template without `params` takes completers of any name (it compiles): `nmae` for `{name}`
      // was registered, and completion of `name` answered nothing, silently.
      const misspelt = McpServer.resourceTemplate({
        uriTemplate: "docs://{name}{?lang}",
        name: "doc",
        complete: { nmae: (value) => Effect.succeed([value]) },
        read: (variables) => Effect.succeed(`doc ${String(variables.name)}`)
      })
      assert.include(
        yield* failure(misspelt),
        "Resource template docs://{name}{?lang}: complete names nmae, which is not a variable of the template (its variables: name, lang)"
      )
      // A prompt's argument, where types are not checked.
      const prompt = McpServer.prompt({
        name: "greet",
        arguments: { who: Schema.String },
        complete: { whom: (value: string) => Effect.succeed([value]) } as never,
        handler: ({ who }) => Effect.succeed(`hi ${who}`)
      })
      assert.include(yield* failure(prompt), "Prompt greet: complete names whom, which is not an argument of the prompt (its arguments: who)")
      // Names it has, and names given no completer (`undefined`), are registered as before.
      const fine = McpServer.resourceTemplate({
        uriTemplate: "docs://{name}{?lang}",
        name: "doc",
        complete: { name: (value) => Effect.succeed([value]), other: undefined },
        read: (variables) => Effect.succeed(`doc ${String(variables.name)}`)
      })
      const { client } = yield* serveAndConnect(fine)
      const completed = yield* sdk(() => client.complete({ ref: { type: "ref/resource", uri: "docs://{name}{?lang}" }, argument: { name: "name", value: "a" } }))
      assert.deepStrictEqual(completed.completion.values, ["a"])
    }))

  it.live("completers that are none (`complete: {}`, every argument's undefined) advertise nothing: completion/complete is -32601", () =>
    Effect.gen(function*() {
      const EmptyPrompt = McpServer.prompt({
        name: "empty",
        arguments: { a: Schema.String },
        complete: {},
        handler: () => Effect.succeed("empty")
      })
      const UndefinedTemplate = McpServer.resourceTemplate({
        uriTemplate: "test://undefined/{n}",
        name: "undefined",
        complete: { n: undefined },
        read: (_, uri) => Effect.succeed(uri)
      })
      const { client } = yield* serveAndConnect(Layer.merge(EmptyPrompt, UndefinedTemplate))
      assert.isUndefined(client.getServerCapabilities()?.completions)
      const error = yield* sdkError(() => client.complete({ ref: { type: "ref/prompt", name: "empty" }, argument: { name: "a", value: "" } }))
      assert.strictEqual(error.code, -32601)
      // One completer among them is enough.
      const { client: completing } = yield* serveAndConnect(Layer.mergeAll(EmptyPrompt, UndefinedTemplate, Scaffold))
      assert.deepStrictEqual(completing.getServerCapabilities()?.completions, {})
    }))

  it.live("a completer that succeeds with values that are not strings (untyped code) is -32603, not values sent on", () =>
    Effect.gen(function*() {
      const Odd = McpServer.prompt({
        name: "odd",
        arguments: { a: Schema.String, b: Schema.String },
        complete: {
          a: () => Effect.succeed([1, null, {}] as unknown as ReadonlyArray<string>),
          b: () => Effect.succeed(undefined as unknown as ReadonlyArray<string>)
        },
        handler: () => Effect.succeed("odd")
      })
      const { client } = yield* serveAndConnect(Odd)
      for (const name of ["a", "b"]) {
        const error = yield* sdkError(() => client.complete({ ref: { type: "ref/prompt", name: "odd" }, argument: { name, value: "" } }))
        assert.strictEqual(error.code, -32603, name)
      }
    }))

  it.live("argument names that are Object.prototype members complete to nothing (no -32603)", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
        const result = yield* sdk(() => client.complete({ ref: { type: "ref/prompt", name: "scaffold" }, argument: { name, value: "" } }))
        assert.deepStrictEqual(result.completion.values, [], name)
      }
    }))

  it.live("a prompt argument's completer gets the partial value and the other arguments", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      const language = yield* sdk(() =>
        client.complete({ ref: { type: "ref/prompt", name: "scaffold" }, argument: { name: "language", value: "ty" } })
      )
      assert.deepStrictEqual(language.completion, { values: ["typescript"], total: 1, hasMore: false })
      const framework = yield* sdk(() =>
        client.complete({
          ref: { type: "ref/prompt", name: "scaffold" },
          argument: { name: "framework", value: "f" },
          context: { arguments: { language: "typescript" } }
        })
      )
      assert.deepStrictEqual(framework.completion, { values: ["fastify"], total: 1, hasMore: false })
      const python = yield* sdk(() =>
        client.complete({
          ref: { type: "ref/prompt", name: "scaffold" },
          argument: { name: "framework", value: "f" },
          context: { arguments: { language: "python" } }
        })
      )
      assert.deepStrictEqual(python.completion.values, ["flask", "fastapi"])
      const noContext = yield* sdk(() =>
        client.complete({ ref: { type: "ref/prompt", name: "scaffold" }, argument: { name: "framework", value: "" } })
      )
      assert.deepStrictEqual(noContext.completion.values, [])
    }))

  it.live("a template variable's completer gets the partial value and the other variables", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      const ref = { type: "ref/resource" as const, uri: "test://repos/{owner}/{repo}" }
      const owner = yield* sdk(() => client.complete({ ref, argument: { name: "owner", value: "" } }))
      assert.deepStrictEqual(owner.completion, {
        values: ["effect-ts", "modelcontextprotocol", "sdk-test-client"],
        total: 3,
        hasMore: false
      })
      const repo = yield* sdk(() =>
        client.complete({ ref, argument: { name: "repo", value: "effect" }, context: { arguments: { owner: "effect-ts" } } })
      )
      assert.deepStrictEqual(repo.completion.values, ["effect", "effect-smol"])
      const read = yield* sdk(() => client.readResource({ uri: "test://repos/effect-ts/effect" }))
      assert.deepStrictEqual(read.contents, [{ uri: "test://repos/effect-ts/effect", text: "effect-ts/effect" }])
    }))

  it.live("more than 100 candidates are truncated to 100 with hasMore and total", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      const ref = { type: "ref/resource" as const, uri: "test://many/{n}" }
      const many = yield* sdk(() => client.complete({ ref, argument: { name: "n", value: "" } }))
      assert.strictEqual(many.completion.values.length, 100)
      assert.deepStrictEqual(many.completion.values, numbers(100))
      assert.strictEqual(many.completion.total, 150)
      assert.isTrue(many.completion.hasMore)
      const exact = yield* sdk(() => client.complete({ ref, argument: { name: "n", value: "exact" } }))
      assert.strictEqual(exact.completion.values.length, 100)
      assert.strictEqual(exact.completion.total, 100)
      assert.isFalse(exact.completion.hasMore)
    }))

  it.live("no completer gives empty values; an unknown reference is -32602", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      const noArgumentCompleter = yield* sdk(() =>
        client.complete({ ref: { type: "ref/prompt", name: "scaffold" }, argument: { name: "name", value: "a" } })
      )
      assert.deepStrictEqual(noArgumentCompleter.completion.values, [])
      assert.notStrictEqual(noArgumentCompleter.completion.hasMore, true)
      const noCompleters = yield* sdk(() =>
        client.complete({ ref: { type: "ref/prompt", name: "plain" }, argument: { name: "topic", value: "a" } })
      )
      assert.deepStrictEqual(noCompleters.completion.values, [])
      const unknownPrompt = yield* sdkError(() =>
        client.complete({ ref: { type: "ref/prompt", name: "nope" }, argument: { name: "x", value: "" } })
      )
      assert.strictEqual(unknownPrompt.code, -32602)
      const unknownTemplate = yield* sdkError(() =>
        client.complete({ ref: { type: "ref/resource", uri: "test://nope/{x}" }, argument: { name: "x", value: "" } })
      )
      assert.strictEqual(unknownTemplate.code, -32602)
      assert.include(unknownTemplate.message, "test://nope/{x}")
    }))

  it.live("a fixed resource's URI as the reference (\"the URI or URI template of the resource\") completes to nothing, not -32602", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      const fixed = yield* sdk(() =>
        client.complete({ ref: { type: "ref/resource", uri: "test://readme" }, argument: { name: "x", value: "a" } })
      )
      assert.deepStrictEqual(fixed.completion.values, [])
      const missing = yield* sdkError(() =>
        client.complete({ ref: { type: "ref/resource", uri: "test://readme2" }, argument: { name: "x", value: "a" } })
      )
      assert.strictEqual(missing.code, -32602)
    }))

  // Fails before: -32602 "Unknown resource template: TEST://readme" (looked up as written only).
  it.live("a fixed resource's URI written otherwise, as resources/read serves it, completes to nothing, not -32602", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      for (const uri of ["TEST://readme", "test://%72eadme", "Test://r%65adme"]) {
        const read = yield* sdk(() => client.readResource({ uri }))
        assert.strictEqual((read.contents[0] as { readonly text?: string }).text, "# Readme", uri)
        const fixed = yield* sdk(() =>
          client.complete({ ref: { type: "ref/resource", uri }, argument: { name: "x", value: "a" } })
        )
        assert.deepStrictEqual(fixed.completion.values, [], uri)
      }
      const missing = yield* sdkError(() =>
        client.complete({ ref: { type: "ref/resource", uri: "TEST://readme2" }, argument: { name: "x", value: "a" } })
      )
      assert.strictEqual(missing.code, -32602)
    }))
})
