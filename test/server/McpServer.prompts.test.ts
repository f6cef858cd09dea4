/**
 * McpServer prompts over the in-memory pair with the SDK v1 client: Schema-typed arguments on the
 * wire, messages of every content kind, and the -32602 answers.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { Content, McpContext, McpError, McpServer } from "../../src/index.ts"
import { connectRaw, sdk, sdkError, serveAndConnect, startServer } from "./McpServerHarness.ts"

const Review = McpServer.prompt({
  name: "review",
  title: "Code review",
  description: "Reviews a piece of code",
  icons: [{ src: "https://example.com/review.svg", mimeType: "image/svg+xml" }],
  meta: { "example.com/kind": "review" },
  arguments: {
    code: Schema.String.annotate({ description: "The code to review" }),
    language: Schema.optionalKey(Schema.String.annotate({ description: "Its language" })),
    focus: Schema.optionalKey(Schema.String.annotate({ title: "Focus", description: "What to look at" }))
  },
  handler: ({ code, language, focus }) =>
    Effect.succeed(`Review this ${language ?? "code"}${focus === undefined ? "" : ` for ${focus}`}:\n${code}`)
})

const seenCounts: Array<unknown> = []
const Repeat = McpServer.prompt({
  name: "repeat",
  arguments: { word: Schema.String, times: Schema.FiniteFromString },
  handler: ({ word, times }) => {
    seenCounts.push(times)
    return Effect.succeed({ role: "user" as const, content: Content.text(Array.from({ length: times }, () => word).join(" ")) })
  }
})

const imageBytes = new Uint8Array([1, 2, 3, 4, 250])
const Media = McpServer.prompt({
  name: "media",
  description: "Every kind of content",
  handler: () =>
    Effect.succeed({
      description: "media prompt",
      messages: [
        { role: "user", content: Content.text("look at this") },
        { role: "user", content: Content.image(imageBytes, "image/png") },
        { role: "assistant", content: Content.audio("UklGRg==", "audio/wav") },
        { role: "user", content: Content.resourceText("test://doc", "doc text", { mimeType: "text/plain" }) },
        { role: "user", content: Content.resourceBlob("test://bin", imageBytes) },
        { role: "assistant", content: Content.resourceLink("test://more", "more") }
      ]
    })
})

const Contextual = McpServer.prompt({
  name: "contextual",
  handler: () =>
    Effect.gen(function*() {
      yield* Effect.sleep(1)
      const info = yield* McpContext.clientInfo
      const meta = yield* McpContext.meta
      return [
        { role: "user" as const, content: Content.text(`client ${info?.name}`) },
        { role: "assistant" as const, content: Content.text(`meta ${JSON.stringify(meta)}`) }
      ]
    })
})

const Failing = McpServer.prompt({
  name: "failing",
  handler: () => Effect.fail(new McpError.JsonRpcError({ code: 4001, message: "prompt unavailable" }))
})

const All = Layer.mergeAll(Review, Repeat, Media, Contextual, Failing)

describe("McpServer prompts", () => {
  it.live("prompts/list shows arguments with descriptions, titles and required flags", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      assert.deepStrictEqual(client.getServerCapabilities()?.prompts, { listChanged: true })
      const { prompts } = yield* sdk(() => client.listPrompts())
      assert.deepStrictEqual(prompts.map((p) => p.name), ["review", "repeat", "media", "contextual", "failing"])
      assert.deepStrictEqual(prompts[0], {
        name: "review",
        title: "Code review",
        description: "Reviews a piece of code",
        icons: [{ src: "https://example.com/review.svg", mimeType: "image/svg+xml" }],
        _meta: { "example.com/kind": "review" },
        arguments: [
          { name: "code", description: "The code to review", required: true },
          { name: "language", description: "Its language" },
          // The SDK v1 client's PromptArgument has no `title` (it is stripped): see the raw check below.
          { name: "focus", description: "What to look at" }
        ]
      })
      assert.deepStrictEqual(prompts[1]!.arguments, [{ name: "word", required: true }, { name: "times", required: true }])
      // A prompt without arguments lists none.
      assert.isUndefined(prompts[2]!.arguments)
      assert.deepStrictEqual(prompts[2]!.description, "Every kind of content")
    }))

  it.live("an argument's title annotation is on the wire (raw client)", () =>
    Effect.gen(function*() {
      const raw = yield* connectRaw(yield* startServer({}, All))
      const response = yield* Effect.promise(() => raw.request(1, "prompts/list"))
      assert.deepStrictEqual(response.result.prompts[0].arguments[2], {
        name: "focus",
        title: "Focus",
        description: "What to look at"
      })
    }))

  it.live("prompts/get decodes the arguments (optional ones may be absent) and a string is one user message", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      const minimal = yield* sdk(() => client.getPrompt({ name: "review", arguments: { code: "x = 1" } }))
      assert.deepStrictEqual(minimal.messages, [{ role: "user", content: { type: "text", text: "Review this code:\nx = 1" } }])
      const full = yield* sdk(() =>
        client.getPrompt({ name: "review", arguments: { code: "x = 1", language: "python", focus: "style" } })
      )
      assert.deepStrictEqual(full.messages, [
        { role: "user", content: { type: "text", text: "Review this python for style:\nx = 1" } }
      ])
      seenCounts.length = 0
      const repeated = yield* sdk(() => client.getPrompt({ name: "repeat", arguments: { word: "hi", times: "3" } }))
      assert.deepStrictEqual(repeated.messages, [{ role: "user", content: { type: "text", text: "hi hi hi" } }])
      assert.deepStrictEqual(seenCounts, [3])
    }))

  it.live("messages carry text, image, audio, embedded resources and resource links", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      const result = yield* sdk(() => client.getPrompt({ name: "media" }))
      const base64 = Buffer.from(imageBytes).toString("base64")
      assert.deepStrictEqual(result, {
        description: "media prompt",
        messages: [
          { role: "user", content: { type: "text", text: "look at this" } },
          { role: "user", content: { type: "image", data: base64, mimeType: "image/png" } },
          { role: "assistant", content: { type: "audio", data: "UklGRg==", mimeType: "audio/wav" } },
          {
            role: "user",
            content: { type: "resource", resource: { uri: "test://doc", mimeType: "text/plain", text: "doc text" } }
          },
          { role: "user", content: { type: "resource", resource: { uri: "test://bin", blob: base64 } } },
          { role: "assistant", content: { type: "resource_link", uri: "test://more", name: "more" } }
        ]
      })
    }))

  it.live("an asynchronous handler sees the request context (client info, _meta)", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      const result = yield* sdk(() => client.getPrompt({ name: "contextual", _meta: { trace: "t-1" } }))
      assert.deepStrictEqual(result.messages, [
        { role: "user", content: { type: "text", text: "client sdk-test-client" } },
        { role: "assistant", content: { type: "text", text: "meta {\"trace\":\"t-1\"}" } }
      ])
    }))

  it.live("a missing required argument is -32602 and the handler does not run", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      const noArgs = yield* sdkError(() => client.getPrompt({ name: "review" }))
      assert.strictEqual(noArgs.code, -32602)
      assert.include(noArgs.message, "review")
      seenCounts.length = 0
      const missing = yield* sdkError(() => client.getPrompt({ name: "repeat", arguments: { word: "hi" } }))
      assert.strictEqual(missing.code, -32602)
      const undecodable = yield* sdkError(() => client.getPrompt({ name: "repeat", arguments: { word: "hi", times: "lots" } }))
      assert.strictEqual(undecodable.code, -32602)
      assert.deepStrictEqual(seenCounts, [])
    }))

  it.live("an argument whose Schema takes no string (arguments are strings on the wire) is refused at registration, naming it", () =>
    Effect.gen(function*() {
      const prompt = (argument: Schema.Top) =>
        McpServer.prompt({ name: "typed", arguments: { count: argument as typeof Schema.String }, handler: () => Effect.succeed("x") })
      for (const argument of [Schema.Number, Schema.Boolean, Schema.Literals([1, 2]), Schema.Struct({ a: Schema.String }), Schema.optionalKey(Schema.Int)]) {
        const exit = yield* Effect.exit(Effect.scoped(startServer({}, prompt(argument))))
        assert.isTrue(Exit.isFailure(exit))
        assert.include(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "", "Prompt typed: argument count must decode from a string")
      }
      // Fails before: `Schema.Defect` given uncalled stopped the start with an unnamed TypeError
      // ("Cannot read properties of undefined").
      const uncalled = yield* Effect.exit(Effect.scoped(startServer({}, prompt(Schema.Defect as unknown as Schema.Top))))
      assert.include(Exit.isFailure(uncalled) ? Cause.pretty(uncalled.cause) : "", "Prompt typed: argument count is not a Schema")
      const accepted = [
        Schema.String,
        Schema.FiniteFromString,
        Schema.Literals(["a", "b"]),
        Schema.optionalKey(Schema.String),
        Schema.optional(Schema.NonEmptyString),
        Schema.Union([Schema.Number, Schema.String])
      ]
      for (const argument of accepted) {
        const { client } = yield* serveAndConnect(prompt(argument))
        const listed = yield* sdk(() => client.listPrompts())
        assert.strictEqual(listed.prompts[0]?.arguments?.[0]?.name, "count")
      }
    }))

  it.live("an unknown prompt is -32602; a handler's McpError keeps its code", () =>
    Effect.gen(function*() {
      const { client } = yield* serveAndConnect(All)
      const unknown = yield* sdkError(() => client.getPrompt({ name: "nope" }))
      assert.strictEqual(unknown.code, -32602)
      assert.include(unknown.message, "nope")
      const failing = yield* sdkError(() => client.getPrompt({ name: "failing" }))
      assert.strictEqual(failing.code, 4001)
      assert.include(failing.message, "prompt unavailable")
    }))
})
