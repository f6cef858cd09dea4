/**
 * `annotations.lastModified` is checked as the SDK clients check it: an ISO 8601 date-time as
 * `z.iso.datetime({ offset: true })` takes it (v1 `@modelcontextprotocol/sdk` and v2
 * `@modelcontextprotocol/client` both use that schema). It was only checked to be a string, and
 * one `lastModified: "yesterday"` made both clients refuse the whole message it was in: v1
 * threw a ZodError (`invalid_format`, `datetime`, at `resources.0.annotations.lastModified`) for
 * the whole `resources/list`, v2 an `SdkError` `INVALID_RESULT`; the same for a tool's result
 * with a content block carrying it (at `content.0.annotations.lastModified`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client as ClientV2 } from "@modelcontextprotocol/client"
import { AnnotationsSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as Scope from "effect/Scope"
import * as fc from "fast-check"
import { Content, InMemory, McpServer } from "../../src/index.ts"
import { connect, sdk, type Server, startServer } from "./McpServerHarness.ts"

const read = Effect.succeed("text")

/** Runs one session of `server` and connects an SDK v2 client to it over an in-memory pair. */
const connectV2 = (server: Server): Effect.Effect<ClientV2, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(server.run(pair.server).pipe(Effect.provide(Logger.layer([]))))
    const client = new ClientV2({ name: "sdk-v2-test-client", version: "2.0.0" }, { capabilities: {} })
    yield* Effect.acquireRelease(
      Effect.promise(() => client.connect(pair.client as never)),
      () => Effect.promise(() => client.close())
    )
    return client
  })

/** Both SDK clients, connected to one server built from `components`. */
const serveBoth = (components: Layer.Layer<never, never, McpServer.McpServer>, options: Partial<McpServer.Options> = {}) =>
  Effect.gen(function*() {
    const server = yield* startServer(options, components)
    const { client: v1 } = yield* connect(server)
    const v2 = yield* connectV2(server)
    return { v1, v2 }
  })

/** Does the SDK v1 schema (the one both clients use) take `lastModified`? */
const sdkAccepts = (lastModified: string) => AnnotationsSchema.safeParse({ lastModified }).success

/** Does the server's check take `lastModified` (a content constructor throws when not)? */
const serverAccepts = (lastModified: string) => {
  try {
    Content.text("t", { annotations: { lastModified } })
    return true
  } catch (error) {
    assert.instanceOf(error, TypeError)
    assert.include((error as TypeError).message, "Content.text: annotations.lastModified must be an ISO 8601 date-time")
    return false
  }
}

/** Forms the clients refuse, each for a different reason. */
const refused = [
  "yesterday",
  "2025-01-12", // a date alone
  "2025-01-12T15:00:58", // no time zone
  "2025-01-12T15:00Z", // no seconds
  "2025-13-01T00:00:00Z", // month 13
  "2025-00-01T00:00:00Z",
  "2025-04-31T00:00:00Z", // April has 30 days
  "2025-02-29T00:00:00Z", // not a leap year
  "1900-02-29T00:00:00Z",
  "2025-01-12T24:00:00Z",
  "2025-01-12T23:59:60Z", // a leap second
  "2025-01-12T15:00:58+0200", // an offset without its colon
  "2025-01-12T15:00:58+24:00",
  "2025-01-12T15:00:58.Z",
  "2025-01-12t15:00:58z",
  "2025-01-12 15:00:58Z",
  "+02025-01-12T15:00:58Z",
  "2025-01-12T15:00:58Z\n",
  ""
]

/** Forms the clients take. */
const accepted = [
  "2025-01-12T15:00:58Z",
  "2025-01-12T15:00:58.123456789Z",
  "2025-01-12T15:00:58+02:00",
  "2025-01-12T15:00:58.5-00:00",
  "2024-02-29T23:59:59Z",
  "2000-02-29T00:00:00+23:59",
  "0000-01-01T00:00:00Z"
]

describe("annotations.lastModified", () => {
  it.live("a registered resource or template with a lastModified clients refuse fails its registration, naming it", () =>
    Effect.gen(function*() {
      const bad: ReadonlyArray<readonly [Layer.Layer<never, never, McpServer.McpServer>, string]> = [
        [
          McpServer.resource({ uri: "x://a", name: "a", annotations: { lastModified: "yesterday" }, read }),
          `Resource x://a: annotations.lastModified must be an ISO 8601 date-time`
        ],
        [
          McpServer.resourceTemplate({
            uriTemplate: "x://t/{id}",
            name: "t",
            annotations: { lastModified: "2025-13-01T00:00:00Z" },
            read: () => read
          }),
          `Resource template x://t/{id}: annotations.lastModified must be an ISO 8601 date-time`
        ]
      ]
      for (const [layer, message] of bad) {
        const exit = yield* Effect.exit(Effect.scoped(startServer({}, layer)))
        assert.isTrue(Exit.isFailure(exit), message)
        const text = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
        assert.include(text, message)
      }
    }))

  it.live("a content block with one is a defect in the handler: both clients get an isError result, not one they refuse", () =>
    Effect.gen(function*() {
      const layer = McpServer.tool({
        name: "t",
        handler: () => Effect.sync(() => [Content.text("hi", { annotations: { lastModified: "yesterday" } })])
      })
      const { v1, v2 } = yield* serveBoth(layer, { maskErrors: false })
      const message = `Content.text: annotations.lastModified must be an ISO 8601 date-time`
      const first = yield* sdk(() => v1.callTool({ name: "t", arguments: {} }))
      assert.isTrue(first.isError)
      assert.include((first.content as Array<{ text: string }>)[0]!.text, message)
      const second = yield* sdk(() => v2.callTool({ name: "t", arguments: {} }))
      assert.isTrue(second.isError)
      assert.include((second.content as Array<{ text: string }>)[0]!.text, message)
    }))

  it.live("a template's list answering one at request time is left out of resources/list (logged) for both clients, not a list they refuse", () =>
    Effect.gen(function*() {
      const layer = McpServer.resourceTemplate({
        uriTemplate: "x://t/{id}",
        name: "t",
        list: Effect.succeed([{ uri: "x://t/1", name: "one", annotations: { lastModified: "2025-02-29T00:00:00Z" } }]),
        read: () => read
      })
      const { v1, v2 } = yield* serveBoth(layer)
      // The template's resources are left out, the list answered (it was -32603 before that).
      assert.deepStrictEqual((yield* sdk(() => v1.listResources())).resources, [])
      assert.deepStrictEqual((yield* sdk(() => v2.listResources())).resources, [])
    }))

  it.live("every form the clients take goes out as given, and both clients accept the list", () =>
    Effect.gen(function*() {
      const layer = Layer.mergeAll(
        McpServer.resource({ uri: "x://0", name: "0", annotations: { lastModified: accepted[0]! }, read }),
        ...accepted.slice(1).map((lastModified, i) =>
          McpServer.resource({ uri: `x://${i + 1}`, name: `${i + 1}`, annotations: { lastModified }, read })
        )
      )
      const { v1, v2 } = yield* serveBoth(layer)
      const sent = (resources: ReadonlyArray<{ readonly annotations?: { readonly lastModified?: string | undefined } | undefined }>) =>
        resources.map((resource) => resource.annotations?.lastModified)
      assert.deepStrictEqual(sent((yield* sdk(() => v1.listResources())).resources), accepted)
      assert.deepStrictEqual(sent((yield* sdk(() => v2.listResources())).resources), accepted)
    }))

  it("the check takes exactly what the clients' schema takes: not stricter, not laxer", () => {
    for (const value of refused) {
      assert.isFalse(sdkAccepts(value), value)
      assert.isFalse(serverAccepts(value), value)
    }
    for (const value of accepted) {
      assert.isTrue(sdkAccepts(value), value)
      assert.isTrue(serverAccepts(value), value)
    }
    // Strings shaped like date-times, each piece mostly right, sometimes wrong in one of many ways.
    const padded = (min: number, max: number) => fc.integer({ min, max }).map((n) => String(n).padStart(2, "0"))
    const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^\\d{${min},${max}}$`))
    const often = <A>(right: fc.Arbitrary<A>, ...wrong: ReadonlyArray<fc.Arbitrary<A>>) =>
      fc.oneof({ arbitrary: right, weight: 6 }, ...wrong.map((arbitrary) => ({ arbitrary, weight: 1 })))
    const candidate = fc.tuple(
      often(fc.constantFrom("2000", "1900", "2024", "2025", "2100", "0000", "0004"), digits(4, 4), digits(2, 6)),
      often(padded(0, 13), digits(1, 3)),
      often(padded(0, 32), digits(1, 3)),
      often(fc.constant("T"), fc.constantFrom("t", " ", "")),
      often(padded(0, 25), digits(1, 3)),
      padded(0, 61),
      often(padded(0, 61).map((n) => `:${n}`), fc.constant("")),
      often(fc.oneof(fc.constant(""), digits(1, 12).map((d) => `.${d}`)), fc.constantFrom(".", ",5", ".5 ")),
      often(
        fc.oneof(
          fc.constant("Z"),
          fc.tuple(fc.constantFrom("+", "-"), padded(0, 25), padded(0, 61)).map(([sign, h, m]) => `${sign}${h}:${m}`)
        ),
        fc.constantFrom("z", "", "+0200", "+2", " Z", "Z\n", "+02:00:00")
      )
    ).map(([y, mo, d, t, h, mi, s, frac, zone]) => `${y}-${mo}-${d}${t}${h}:${mi}${s}${frac}${zone}`)
    const seen = { accepted: 0, refused: 0 }
    fc.assert(
      fc.property(fc.oneof({ arbitrary: candidate, weight: 9 }, { arbitrary: fc.string(), weight: 1 }), (value) => {
        const sdk = sdkAccepts(value)
        seen[sdk ? "accepted" : "refused"]++
        return sdk === serverAccepts(value)
      }),
      { numRuns: 20_000 }
    )
    // Both sides were tried many times (the generator is not all one way).
    assert.isAbove(seen.accepted, 1_000)
    assert.isAbove(seen.refused, 1_000)
  })
})
