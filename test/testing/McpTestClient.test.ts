/**
 * The test client (`effect-mcp-server/testing`), as a user's tests would use it: typed calls as
 * Effects, JSON-RPC errors as `RequestFailed`, recorded notifications and `waitFor`, the client's
 * answers to elicitation, sampling and roots, in the 2025-11-25 era (server requests) and the
 * 2026-07-28 era (input-required rounds answered and retried).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { McpTestClient } from "../../src/testing.ts"

class UnknownCity extends Schema.TaggedError<UnknownCity>()("UnknownCity", { city: Schema.String }) {}

const Weather = McpServer.tool({
  name: "weather",
  description: "Current temperature in a city",
  parameters: { city: Schema.String },
  success: Schema.Struct({ city: Schema.String, celsius: Schema.Finite }),
  failure: UnknownCity,
  handler: ({ city }) =>
    Effect.gen(function*() {
      yield* McpContext.log("info", `looking up ${city}`)
      yield* McpContext.progress(1, 2, "halfway")
      if (city !== "Paris") return yield* new UnknownCity({ city })
      return { city, celsius: 21.5 }
    })
})

const Greeting = McpServer.prompt({
  name: "greeting",
  description: "Greets someone",
  arguments: { name: Schema.String },
  complete: { name: (value) => Effect.succeed(["Ada", "Alan", "Grace"].filter((name) => name.startsWith(value))) },
  handler: ({ name }) => Effect.succeed(`Say hello to ${name}.`)
})

const Readme = McpServer.resource({ uri: "docs://readme", name: "readme", read: Effect.succeed("# Hello") })

const AskName = McpServer.tool({
  name: "ask_name",
  description: "Asks the user's name, then the model for a greeting, and lists the roots",
  handler: () =>
    Effect.gen(function*() {
      const answer = yield* McpContext.elicit("What is your name?", Schema.Struct({ name: Schema.String }))
      const name = answer.action === "accept" ? answer.content.name : "nobody"
      const sampled = yield* McpContext.sample({
        messages: [{ role: "user", content: { type: "text", text: `greet ${name}` } }],
        maxTokens: 10
      })
      const roots = yield* McpContext.listRoots
      const content = sampled.content as { readonly type?: string; readonly text?: string }
      const text = content.type === "text" ? content.text : "?"
      return `${text} (${roots.roots.map((root) => root.uri).join(", ")})`
    }).pipe(Effect.orDie)
})

const components = Layer.mergeAll(Weather, Greeting, Readme, AskName)

const answers = {
  elicit: () => Effect.succeed({ action: "accept" as const, content: { name: "Ada" } }),
  sample: (params: { readonly messages: ReadonlyArray<{ readonly content: unknown }> }) =>
    Effect.succeed({
      role: "assistant" as const,
      model: "test",
      content: { type: "text" as const, text: `Hello! (${JSON.stringify((params.messages[0]!.content as { text: string }).text)})` }
    }),
  roots: [{ uri: "file:///work", name: "work" }]
}

describe("McpTestClient", () => {
  it.live("2025-11-25: calls as Effects, errors as RequestFailed, notifications recorded and awaited", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components)
      assert.strictEqual(client.initializeResult?.protocolVersion, "2025-11-25")
      // Typed as the server's answer: before, each field was unknown.
      assert.strictEqual(client.initializeResult?.serverInfo.name, "test-server")
      assert.isDefined(client.initializeResult?.capabilities.tools)
      const tools = yield* client.listTools
      assert.deepStrictEqual(tools.tools.map((tool) => tool.name).sort(), ["ask_name", "weather"])

      const result = yield* client.request("tools/call", { name: "weather", arguments: { city: "Paris" }, _meta: { progressToken: "p1" } })
      assert.deepStrictEqual(result.structuredContent, { city: "Paris", celsius: 21.5 })
      const progress = yield* client.waitFor("notifications/progress")
      assert.deepStrictEqual(progress.params, { progressToken: "p1", progress: 1, total: 2, message: "halfway" })
      const log = yield* client.waitFor("notifications/message", (n) => String(n.params?.data).includes("Paris"))
      assert.strictEqual(log.params?.level, "info")

      const failed = yield* client.callTool("weather", { city: "Rome" })
      assert.isTrue(failed.isError)

      const prompt = yield* client.getPrompt("greeting", { name: "Bo" })
      assert.deepStrictEqual(prompt.messages, [{ role: "user", content: { type: "text", text: "Say hello to Bo." } }])
      const completion = yield* client.complete({ type: "ref/prompt", name: "greeting" }, { name: "name", value: "A" })
      assert.deepStrictEqual(completion.completion.values, ["Ada", "Alan"])
      const readme = yield* client.readResource("docs://readme")
      assert.deepStrictEqual(readme.contents, [{ uri: "docs://readme", text: "# Hello" }])

      const unknown = yield* Effect.flip(client.callTool("nope"))
      assert.instanceOf(unknown, McpTestClient.RequestFailed)
      assert.strictEqual(unknown.code, -32602)
      assert.strictEqual(unknown.method, "tools/call")
      const missing = yield* Effect.flip(client.readResource("docs://missing"))
      assert.strictEqual(missing.code, -32002)
      yield* client.ping
    }))

  // Fails before the fix: the in-memory transport carried the arguments as objects, so an optional
  // argument given as `undefined` reached the server as such ("Invalid arguments for tool search:
  // Expected string | null"), where a real client's JSON leaves it out; a Date was no JSON value.
  for (const protocolVersion of ["2025-11-25", "2026-07-28"] as const) {
    it.live(`${protocolVersion}: arguments reach the server as a client's JSON carries them (undefined left out, a Date as its string)`, () =>
      Effect.gen(function*() {
        const Search = McpServer.tool({
          name: "search",
          parameters: { query: Schema.String, city: Schema.optional(Schema.String), since: Schema.optional(Schema.String) },
          handler: ({ city, query, since }) => Effect.succeed(`${query} in ${city ?? "any city"} since ${since ?? "ever"}`)
        })
        const client = yield* McpTestClient.make(Search, { protocolVersion })
        const city: string | undefined = undefined
        const result = yield* client.callTool("search", { query: "rain", city, since: new Date(0) })
        assert.deepStrictEqual(result.content, [{ type: "text", text: "rain in any city since 1970-01-01T00:00:00.000Z" }])
        assert.isUndefined(result.isError)
        // A value JSON cannot hold fails the test's call at once, as a real client's send throws.
        const exit = yield* Effect.exit(client.callTool("search", { query: 1n as unknown as string }))
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
      }))
  }

  // Fails before the fix: the client recorded the server's messages as the in-memory transport
  // carried them, objects: a log's Error data was the Error itself (a real client gets its name and
  // message), a BigInt a BigInt (a real client gets "5n"), a Date a Date.
  it.live("what it receives is what the server's transports write: a log's data as a real client reads it", () =>
    Effect.gen(function*() {
      const Report = McpServer.tool({
        name: "report",
        handler: () => Effect.as(McpContext.log("error", { error: new Error("disk full"), bytes: 5n, at: new Date(0) }), "reported")
      })
      const client = yield* McpTestClient.make(Report)
      yield* client.callTool("report")
      const log = yield* client.waitFor("notifications/message")
      assert.deepStrictEqual(log.params?.data, { error: { name: "Error", message: "disk full" }, bytes: "5n", at: "1970-01-01T00:00:00.000Z" })
    }))

  // Fails before the fix (type check): listResources and listPrompts were typed with a resource's
  // uri and name and a prompt's name only: no nextCursor (a test could not see that a page
  // followed), no mimeType, description nor arguments, though the server sends them.
  it.live("listResources and listPrompts are typed as the server's results: every field, and nextCursor", () =>
    Effect.gen(function*() {
      const Notes = McpServer.resource({ uri: "docs://notes", name: "notes", description: "Notes", mimeType: "text/markdown", read: Effect.succeed("-") })
      const client = yield* McpTestClient.make(Layer.mergeAll(Readme, Notes, Greeting, Weather), {
        server: { name: "test-server", version: "0.0.0", pageSize: 1 }
      })
      const first = yield* client.listResources
      assert.isString(first.nextCursor)
      const second = yield* client.request("resources/list", { cursor: first.nextCursor })
      const notes = [...first.resources, ...second.resources].find((resource) => resource.uri === "docs://notes")
      assert.deepStrictEqual([notes?.description, notes?.mimeType], ["Notes", "text/markdown"])
      const prompts = yield* client.listPrompts
      assert.isUndefined(prompts.nextCursor)
      assert.deepStrictEqual(prompts.prompts[0]?.arguments, [{ name: "name", required: true }])
      assert.strictEqual(prompts.prompts[0]?.description, "Greets someone")
    }))

  // Fails before the fix (type check, then at run time): complete took no context, so a completer
  // using the arguments already chosen could not be tested with it (the third argument was not
  // sent: every city came).
  it.live("complete sends the arguments already chosen (context.arguments) to the completer", () =>
    Effect.gen(function*() {
      const cities: Record<string, ReadonlyArray<string>> = { FR: ["Paris", "Pau"], PE: ["Lima", "Puno"] }
      const Trip = McpServer.prompt({
        name: "trip",
        arguments: { country: Schema.String, city: Schema.String },
        complete: {
          city: (value, context) =>
            Effect.succeed((cities[context.arguments.country ?? ""] ?? Object.values(cities).flat()).filter((city) => city.startsWith(value)))
        },
        handler: ({ city }) => Effect.succeed(`Go to ${city}.`)
      })
      const client = yield* McpTestClient.make(Trip)
      const ref = { type: "ref/prompt" as const, name: "trip" }
      const inPeru = yield* client.complete(ref, { name: "city", value: "P" }, { arguments: { country: "PE" } })
      assert.deepStrictEqual(inPeru.completion.values, ["Puno"])
      const anywhere = yield* client.complete(ref, { name: "city", value: "P" })
      assert.deepStrictEqual(anywhere.completion.values, ["Paris", "Pau", "Puno"])
    }))

  it.live("2025-11-25: the server's elicitation, sampling and roots requests are answered by the options", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components, answers)
      const result = yield* client.callTool("ask_name")
      assert.deepStrictEqual(result.content, [{ type: "text", text: `Hello! ("greet Ada") (file:///work)` }])
    }))

  it.live("2026-07-28: no handshake; input-required rounds are answered and the request retried", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components, { ...answers, protocolVersion: "2026-07-28" })
      assert.isUndefined(client.initializeResult)
      const result = yield* client.callTool("ask_name")
      assert.deepStrictEqual(result.content, [{ type: "text", text: `Hello! ("greet Ada") (file:///work)` }])
      const weather = yield* client.callTool("weather", { city: "Paris" })
      assert.deepStrictEqual(weather.structuredContent, { city: "Paris", celsius: 21.5 })
    }))

  // A 2026-07-28 request gets log messages only when its `_meta` asks for them (logLevel): the
  // client never asked, so `waitFor("notifications/message")` (the README's example, "or
  // 2026-07-28") timed out in that era.
  for (const protocolVersion of ["2025-11-25", "2026-07-28"] as const) {
    it.live(`${protocolVersion}: log messages are recorded (every level by default, from logLevel up when given)`, () =>
      Effect.gen(function*() {
        const client = yield* McpTestClient.make(components, { protocolVersion })
        yield* client.callTool("weather", { city: "Paris" })
        const log = yield* client.waitFor("notifications/message")
        assert.deepStrictEqual([log.params?.level, log.params?.data], ["info", "looking up Paris"])

        const quiet = yield* McpTestClient.make(components, { protocolVersion, logLevel: "warning" })
        yield* quiet.callTool("weather", { city: "Paris" })
        // The answer comes after the messages the call sent: none was an info message.
        assert.deepStrictEqual(quiet.notifications.filter((n) => n.method === "notifications/message"), [])
      }))
  }

  it.live("a server whose components fail to build fails the client at once, with the cause", () =>
    Effect.gen(function*() {
      const Broken = Layer.effectDiscard(Effect.die(new Error("the database is not there")))
      const started = Date.now()
      const error = yield* Effect.flip(McpTestClient.make(Broken as unknown as Layer.Layer<never>))
      assert.include(error.message, "the database is not there")
      assert.isBelow(Date.now() - started, 2_000, "not after the 5 s timeout")
    }))

  // Fails before the fix: the component's error (or the answer's defect) was only named in the
  // message, as text: `cause` was undefined.
  it.live("a server that fails, and a 2026 answer that dies, fail with their error as the cause", () =>
    Effect.gen(function*() {
      class DatabaseDown extends Data.TaggedError("DatabaseDown")<{ readonly host: string }> {}
      const Broken = Layer.effectDiscard(Effect.fail(new DatabaseDown({ host: "db.local" })))
      const error = yield* Effect.flip(McpTestClient.make(Layer.merge(Weather, Broken)))
      assert.instanceOf(error.cause, DatabaseDown)
      assert.strictEqual((error.cause as DatabaseDown).host, "db.local")
      assert.include(error.message, "DatabaseDown")

      const boom = new Error("boom")
      const client = yield* McpTestClient.make(components, { ...answers, elicit: () => Effect.die(boom), protocolVersion: "2026-07-28" })
      const failed = yield* Effect.flip(client.callTool("ask_name"))
      assert.strictEqual(failed.code, -32603)
      assert.strictEqual(failed.cause, boom)
    }))

  it.live("without an answer for elicitation the capability is not declared: the tool cannot ask", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components)
      const exit = yield* Effect.exit(client.callTool("ask_name"))
      // The handler dies on the missing capability: a masked tool error.
      assert.isTrue(exit._tag === "Success" && exit.value.isError === true)
    }))

  // Fails before the fix: no request asked for progress, so callTool's progress never came
  // (waitFor timed out), and the progress option did not exist.
  it.live("callTool asks for progress (its id as the token) in both eras: waitFor sees the handler's progress; progress: false asks for none", () =>
    Effect.gen(function*() {
      for (const protocolVersion of ["2025-11-25", "2026-07-28"] as const) {
        const client = yield* McpTestClient.make(components, { protocolVersion, timeoutMillis: 1_000 })
        yield* client.callTool("weather", { city: "Paris" })
        const progress = yield* client.waitFor("notifications/progress")
        assert.deepStrictEqual({ ...progress.params, progressToken: typeof progress.params?.progressToken }, {
          progressToken: "number",
          progress: 1,
          total: 2,
          message: "halfway"
        }, protocolVersion)
        const quiet = yield* McpTestClient.make(components, { protocolVersion, progress: false, timeoutMillis: 2_000 })
        yield* quiet.callTool("weather", { city: "Paris" })
        // The call is answered after its progress would have been sent: none was.
        assert.isUndefined(quiet.notifications.find((n) => n.method === "notifications/progress"), protocolVersion)
      }
    }))

  // Fails before the fix: the answer ran with `Effect.runPromise`, so a defect rejected a promise
  // nobody handled (vitest: "Unhandled Rejection: Error: boom") and nothing was sent: the server
  // waited for an answer until the call timed out (RequestFailed "no answer within 2s").
  it.live("2025-11-25: an answer handler that dies is answered with a JSON-RPC error, at once", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components, {
        elicit: () => Effect.die(new Error("boom")),
        timeoutMillis: 2_000
      })
      const result = yield* client.callTool("ask_name")
      // The handler's `elicit` failed (the client answered -32603): a masked tool error.
      assert.isTrue(result.isError)
    }))

  // Fails before the fix: the answer ran with `Effect.runPromise`, outside the client's scope, so
  // an answer still running when the test ended ran on ("the answer was not interrupted").
  it.live("an answer handler still running when the client's scope closes is interrupted", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      yield* Effect.scoped(Effect.gen(function*() {
        const client = yield* McpTestClient.make(components, {
          elicit: () => Deferred.succeed(started, undefined).pipe(Effect.andThen(Effect.never), Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))),
          timeoutMillis: 2_000
        })
        yield* Effect.forkScoped(client.callTool("ask_name"))
        yield* Deferred.await(started)
      }))
      const exit = yield* Effect.exit(Effect.timeout(Deferred.await(interrupted), "1 second"))
      assert.strictEqual(exit._tag, "Success", "the answer was not interrupted")
    }))

  // Fails before the fix (2025-11-25): the server's notifications/cancelled for its elicitation
  // (the call it belonged to cancelled) was recorded only: the answer ran on until the client's
  // scope ended. (In 2026-07-28 the answer runs in the call's own fiber, interrupted with it.)
  for (const protocolVersion of ["2025-11-25", "2026-07-28"] as const) {
    it.live(`${protocolVersion}: an answer the server gives up on (its call cancelled) is interrupted`, () =>
      Effect.gen(function*() {
        const started = yield* Deferred.make<void>()
        const interrupted = yield* Deferred.make<void>()
        const client = yield* McpTestClient.make(components, {
          ...answers,
          protocolVersion,
          elicit: () => Deferred.succeed(started, undefined).pipe(Effect.andThen(Effect.never), Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined)))
        })
        const call = yield* Effect.forkChild(client.callTool("ask_name"))
        yield* Deferred.await(started)
        yield* Fiber.interrupt(call)
        const exit = yield* Effect.exit(Effect.timeout(Deferred.await(interrupted), "2 seconds"))
        assert.strictEqual(exit._tag, "Success", "the answer was not interrupted")
      }))
  }

  // Fails before the fix: the request was sent with its rejection unhandled (vitest: "Unhandled
  // Rejection: the in-memory transport is closed"), then waited for the timeout.
  it.live("a request after the client's scope closed fails at once: the client is closed", () =>
    Effect.gen(function*() {
      const client = yield* Effect.scoped(McpTestClient.make(components, { timeoutMillis: 2_000 }))
      const error = yield* Effect.flip(client.ping)
      assert.deepStrictEqual([error.code, error.message], [-32603, "the client is closed"])
    }))

  // Fails before the fix: a wait after (or across) the end of the client's scope waited for the
  // timeout, then said that nothing came ("no notifications/message within 2s"), and `notify`
  // died with the transport's Error, untyped.
  it.live("after the client's scope closed, waits and notifications fail at once: the client is closed", () =>
    Effect.gen(function*() {
      const waiting = yield* Effect.scoped(Effect.gen(function*() {
        const client = yield* McpTestClient.make(components, { timeoutMillis: 2_000 })
        yield* client.callTool("weather", { city: "Paris" })
        return { client, waiting: yield* Effect.forkChild(client.waitFor("notifications/tools/list_changed")) }
      }))
      const { client } = waiting
      const closed = ["the client is closed", -32603]
      const across = yield* Effect.flip(Fiber.join(waiting.waiting))
      assert.deepStrictEqual([across.message, across.code, across.method], [...closed, "notifications/tools/list_changed"])
      // What came before is still there.
      assert.strictEqual((yield* client.waitFor("notifications/message")).params?.data, "looking up Paris")
      const after = yield* Effect.flip(client.waitForNext("notifications/message"))
      assert.deepStrictEqual([after.message, after.code, after.method], [...closed, "notifications/message"])
      const notified = yield* Effect.flip(client.notify("notifications/roots/list_changed"))
      assert.instanceOf(notified, McpTestClient.RequestFailed)
      assert.deepStrictEqual([notified.message, notified.code, notified.method], [...closed, "notifications/roots/list_changed"])
    }))

  // Fails before the fix: a `where` that threw threw into the transport's delivery, ending the loop
  // that woke the waits: the other wait never saw the message (it timed out, "no
  // notifications/message within 1s") and the throwing one said nothing came, the TypeError lost.
  // An `elicit` that threw (instead of returning an Effect) threw there too: the server waited for
  // an answer until the call timed out.
  it.live("a where or an answer that throws fails its own wait or answer at once, not the others", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components, { timeoutMillis: 1_000 })
      const throwing = yield* Effect.forkChild(client.waitFor("notifications/message", (n) => (n.params as any).missing.length > 0))
      const other = yield* Effect.forkChild(client.waitForNext("notifications/message"))
      yield* Effect.yieldNow // both wait before the message comes
      yield* client.callTool("weather", { city: "Paris" })
      assert.strictEqual((yield* Fiber.join(other)).params?.data, "looking up Paris")
      const died = yield* Effect.exit(Fiber.join(throwing))
      assert.isTrue(Exit.isFailure(died) && Cause.hasDies(died.cause), "the wait did not die")
      assert.include(Cause.pretty((died as Exit.Failure<unknown, unknown>).cause), "TypeError")

      const throwingElicit = () => {
        throw new Error("not an Effect")
      }
      // 2025-11-25: answered -32603 with the error; the tool's `elicit` failed, a masked tool error.
      const legacy = yield* McpTestClient.make(components, { ...answers, elicit: throwingElicit, timeoutMillis: 1_000 })
      assert.isTrue((yield* legacy.callTool("ask_name")).isError)
      // 2026-07-28: the request fails with it, as with an answer that dies.
      const modern = yield* McpTestClient.make(components, { ...answers, elicit: throwingElicit, timeoutMillis: 1_000, protocolVersion: "2026-07-28" })
      const failed = yield* Effect.flip(modern.callTool("ask_name"))
      assert.deepStrictEqual([failed.code, failed.data], [-32603, { inputKey: "elicitation/create-1", inputMethod: "elicitation/create" }])
      assert.include(failed.message, "not an Effect")
    }))

  // A tool that reports progress, then waits until it is interrupted (which it tells).
  const waiting = (interrupted: Deferred.Deferred<void>) =>
    McpServer.tool({
      name: "wait",
      handler: () =>
        McpContext.progress(0, 1).pipe(
          Effect.andThen(Effect.never),
          Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
        )
    })

  // Fails before the fix: nothing told the server the client gave up, so the handler ran on
  // (the wait for its interruption timed out: "the handler was not interrupted").
  for (const protocolVersion of ["2025-11-25", "2026-07-28"] as const) {
    it.live(`${protocolVersion}: a request interrupted, or timed out, is cancelled (notifications/cancelled): the handler is interrupted`, () =>
      Effect.gen(function*() {
        const interrupted = yield* Deferred.make<void>()
        const client = yield* McpTestClient.make(waiting(interrupted), { protocolVersion })
        const call = yield* Effect.forkChild(client.callTool("wait"))
        yield* client.waitFor("notifications/progress")
        yield* Fiber.interrupt(call)
        const exit = yield* Effect.exit(Effect.timeout(Deferred.await(interrupted), "2 seconds"))
        assert.strictEqual(exit._tag, "Success", "the handler was not interrupted")

        const again = yield* Deferred.make<void>()
        const impatient = yield* McpTestClient.make(waiting(again), { protocolVersion, timeoutMillis: 300 })
        const timedOut = yield* Effect.flip(impatient.callTool("wait"))
        assert.strictEqual(timedOut.code, -32001)
        const after = yield* Effect.exit(Effect.timeout(Deferred.await(again), "2 seconds"))
        assert.strictEqual(after._tag, "Success", "the handler was not interrupted after the timeout")
      }))
  }

  // Fails before the fix: the client's timeouts slept on the test's clock, which `it.effect`'s
  // TestClock does not advance: the wait hung until vitest's own timeout ("Test timed out").
  it.effect("the client's timeouts run on the real clock: with it.effect, a wait that cannot end fails with a clear error", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components, { timeoutMillis: 200 })
      const error = yield* Effect.flip(client.waitFor("notifications/tools/list_changed"))
      assert.strictEqual(error.code, -32001)
      assert.strictEqual(error.message, "no notifications/tools/list_changed within 200ms")
      const slow = McpServer.tool({ name: "slow", handler: () => Effect.as(Effect.sleep("1 minute"), "done") })
      const other = yield* McpTestClient.make(slow, { timeoutMillis: 200 })
      const timedOut = yield* Effect.flip(other.callTool("slow"))
      assert.strictEqual(timedOut.message, "no answer within 200ms")
    }), 10_000)

  // A tool that adds another (the tool list changes) and reports the readme updated.
  const Change = McpServer.tool({
    name: "change",
    handler: () =>
      Effect.gen(function*() {
        yield* McpServer.addTool({ name: "added", handler: () => Effect.succeed("hi") })
        yield* McpServer.notifyResourceUpdated("docs://readme")
        return "changed"
      })
  })

  it.live("2026-07-28: listen opens a subscriptions/listen stream, acknowledged, that outlives the timeout; 2025 is refused -32601", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(Layer.mergeAll(Readme, Change), { protocolVersion: "2026-07-28", timeoutMillis: 1_000 })
      const accepted = yield* client.listen({ toolsListChanged: true, promptsListChanged: true, resourceSubscriptions: ["docs://readme", "docs://missing"] })
      // No prompts served, and no resource docs://missing: left out of what the server accepted.
      assert.deepStrictEqual(accepted, { toolsListChanged: true, resourceSubscriptions: ["docs://readme"] })
      // The acknowledgement listen waited for is the test's first, for waitForNext too (before,
      // listen's own wait had returned it: "no notifications/subscriptions/acknowledged within 1s").
      const acknowledged = yield* client.waitForNext("notifications/subscriptions/acknowledged")
      assert.deepStrictEqual(acknowledged.params?.notifications, accepted)
      yield* Effect.sleep("1200 millis") // longer than the timeout: the stream is still open
      yield* client.callTool("change")
      const changed = yield* client.waitFor("notifications/tools/list_changed")
      const updated = yield* client.waitFor("notifications/resources/updated")
      assert.deepStrictEqual(updated.params?.uri, "docs://readme")
      assert.deepStrictEqual(changed.params?._meta, updated.params?._meta)

      const legacy = yield* McpTestClient.make(Layer.mergeAll(Readme, Change))
      const refused = yield* Effect.flip(legacy.listen({ toolsListChanged: true }))
      assert.deepStrictEqual([refused.method, refused.code], ["subscriptions/listen", -32601])
    }))

  it.live("2026-07-28: inputResponses answers a task's input with the options, for tasks/update", () =>
    Effect.gen(function*() {
      const Export = McpServer.tool({
        name: "export",
        execution: { taskSupport: "optional" },
        handler: () =>
          Effect.gen(function*() {
            yield* McpContext.becomeTask // its questions wait in the task, for tasks/update
            const answer = yield* McpContext.elicit("Format?", Schema.Struct({ name: Schema.String }))
            return answer.action === "accept" ? `as ${answer.content.name}` : "declined"
          }).pipe(Effect.orDie)
      })
      const client = yield* McpTestClient.make(Export, {
        ...answers,
        protocolVersion: "2026-07-28",
        server: { name: "test-server", version: "0.0.0", tasks: McpServer.tasks() },
        capabilities: { extensions: { "io.modelcontextprotocol/tasks": {} } }
      })
      const created = yield* client.request("tools/call", { name: "export", arguments: {} })
      assert.strictEqual(created.resultType, "task")
      const read = client.request("tasks/get", { taskId: created.taskId })
      const until = (done: (task: any) => boolean) => Effect.repeat(read, { until: done, schedule: Schedule.spaced("10 millis"), times: 200 })
      const asking = yield* until((task) => task.status !== "working")
      assert.strictEqual(asking.status, "input_required")
      const inputResponses = yield* client.inputResponses(asking.inputRequests)
      assert.deepStrictEqual(inputResponses, { "elicitation/create-1": { action: "accept", content: { name: "Ada" } } })
      yield* client.request("tasks/update", { taskId: created.taskId, inputResponses })
      const done = yield* until((task) => task.status === "completed")
      assert.deepStrictEqual(done.result.content, [{ type: "text", text: "as Ada" }])

      // An elicitation the options have no answer for is declined.
      const bare = yield* McpTestClient.make(Export, { protocolVersion: "2026-07-28" })
      assert.deepStrictEqual(yield* bare.inputResponses(asking.inputRequests), { "elicitation/create-1": { action: "decline" } })
    }))

  // Fails before the fix: inputResponses was not bounded in time: an answer that never came hung
  // the test (here, until the test's own 3 s bound).
  it.live("inputResponses is bounded by the timeout, naming the input it still waits for", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components, { ...answers, elicit: () => Effect.never, protocolVersion: "2026-07-28", timeoutMillis: 300 })
      const error = yield* Effect.flip(client.inputResponses({
        "roots/list-1": { method: "roots/list" },
        "elicitation/create-2": { method: "elicitation/create", params: { message: "Name?", requestedSchema: { type: "object", properties: {} } } }
      })).pipe(Effect.timeout("3 seconds"))
      assert.deepStrictEqual([error.code, error.method, error.data], [-32001, "elicitation/create", { inputKey: "elicitation/create-2", inputMethod: "elicitation/create" }])
      assert.strictEqual(error.message, `the answer to input "elicitation/create-2" (elicitation/create) did not come within 300ms`)
    }))

  // Fails before the fix: in 2026-07-28 a failed answer was sent as `{ action: "decline" }` for
  // every input, which is no sampling result (nor roots list): the server asked again, round after
  // round, and the call failed "more than 16 input rounds" (-32603) instead of with the answer's
  // error. And a hand-declared elicitation without `elicit` was declined in 2026 but -32601 in 2025.
  it.live("a failed answer is its JSON-RPC error in both eras: sent to the server (2025), failing the request (2026)", () =>
    Effect.gen(function*() {
      const noModel = { code: -32000, message: "no model today" }
      const failing = { ...answers, sample: () => Effect.fail(noModel) }
      const modern = yield* McpTestClient.make(components, { ...failing, protocolVersion: "2026-07-28" })
      const failed = yield* Effect.flip(modern.callTool("ask_name"))
      assert.deepStrictEqual(
        [failed.method, failed.code, failed.message, failed.data],
        ["tools/call", -32000, `the answer to input "sampling/createMessage-2" (sampling/createMessage) failed: no model today`, {
          inputKey: "sampling/createMessage-2",
          inputMethod: "sampling/createMessage"
        }]
      )
      // 2025-11-25: the same error answers the server's request; the tool's handler fails on it.
      const legacy = yield* McpTestClient.make(components, failing)
      assert.isTrue((yield* legacy.callTool("ask_name")).isError)

      // Roots declared by hand, without the roots option: no answer to give (-32601) in both eras.
      const { roots: _roots, ...rootless } = answers
      const noRoots = yield* McpTestClient.make(components, { ...rootless, capabilities: { roots: {} }, protocolVersion: "2026-07-28" })
      const missing = yield* Effect.flip(noRoots.callTool("ask_name"))
      assert.deepStrictEqual([missing.code, missing.data], [-32601, { inputKey: "roots/list-3", inputMethod: "roots/list" }])
      const legacyNoRoots = yield* McpTestClient.make(components, { ...rootless, capabilities: { roots: {} } })
      assert.isTrue((yield* legacyNoRoots.callTool("ask_name")).isError)

      // An elicitation declared by hand, without `elicit`: declined, in both eras.
      const { elicit: _elicit, ...silent } = answers
      for (const protocolVersion of ["2025-11-25", "2026-07-28"] as const) {
        const client = yield* McpTestClient.make(components, { ...silent, capabilities: { elicitation: {} }, protocolVersion })
        const result = yield* client.callTool("ask_name")
        assert.deepStrictEqual(result.content, [{ type: "text", text: `Hello! ("greet nobody") (file:///work)` }], protocolVersion)
      }
    }))

  // A tool that becomes a task at once (in 2026-07-28, for a client declaring the tasks extension)
  // and asks a name in it.
  const Export = McpServer.tool({
    name: "export",
    execution: { taskSupport: "optional" },
    handler: () =>
      Effect.gen(function*() {
        yield* McpContext.becomeTask
        const answer = yield* McpContext.elicit("Name?", Schema.Struct({ name: Schema.String }))
        return answer.action === "accept" ? `as ${answer.content.name}` : "declined"
      }).pipe(Effect.orDie)
  })
  const withTasks = { name: "test-server", version: "0.0.0", tasks: McpServer.tasks() }
  const taskExtension = { extensions: { "io.modelcontextprotocol/tasks": {} } }

  // Fails before the fix: a 2026 callTool answered with a task returned the task (typed a tool's
  // result: no content), and there were no callToolAsTask and taskResult.
  it.live("callTool follows a task the server makes to its result; callToolAsTask returns the task and taskResult its result, in both eras", () =>
    Effect.gen(function*() {
      const modern = yield* McpTestClient.make(Export, { ...answers, protocolVersion: "2026-07-28", server: withTasks, capabilities: taskExtension })
      const result = yield* modern.callTool("export")
      assert.deepStrictEqual(result.content, [{ type: "text", text: "as Ada" }])

      for (const protocolVersion of ["2025-11-25", "2026-07-28"] as const) {
        const client = yield* McpTestClient.make(Export, { ...answers, protocolVersion, server: withTasks, capabilities: taskExtension })
        const task = yield* client.callToolAsTask("export", {}, { ttlMillis: 60_000 })
        assert.isString(task.taskId, protocolVersion)
        assert.include(["working", "input_required"], task.status, protocolVersion)
        const done = yield* client.taskResult(task.taskId)
        assert.deepStrictEqual(done.content, [{ type: "text", text: "as Ada" }], protocolVersion)
      }

      // 2026-07-28 without the extension: the server makes no task, and callToolAsTask says so.
      const plain = yield* McpTestClient.make(Export, { ...answers, protocolVersion: "2026-07-28", server: withTasks })
      const refused = yield* Effect.flip(plain.callToolAsTask("export"))
      assert.strictEqual(refused.code, -32603)
      assert.include(refused.message, "tools/call export was answered without a task")
      assert.include(refused.message, `capabilities.extensions["io.modelcontextprotocol/tasks"]`)
    }))

  // Fails before the fix: a test server given no tasks (\`server\` left out, the usual slip) only
  // said "answered without a task", in 2026-07-28 blaming the client's capabilities.
  it.live("callToolAsTask on a test server without tasks says so, and how to give it them, in both eras", () =>
    Effect.gen(function*() {
      for (const protocolVersion of ["2025-11-25", "2026-07-28"] as const) {
        const client = yield* McpTestClient.make(Export, { ...answers, protocolVersion, capabilities: taskExtension })
        const refused = yield* Effect.flip(client.callToolAsTask("export"))
        assert.strictEqual(refused.code, -32603, protocolVersion)
        assert.include(refused.message, "tools/call export was answered without a task: the test server has no tasks", protocolVersion)
        assert.include(refused.message, "{ server: { name, version, tasks: McpServer.tasks() } }", protocolVersion)
      }
    }))

  // Fails before the fix: callTool returned the task at once, left running.
  it.live("2026-07-28: callTool gives up on its task within the timeout, and cancels it", () =>
    Effect.gen(function*() {
      const interrupted = yield* Deferred.make<void>()
      const Forever = McpServer.tool({
        name: "forever",
        execution: { taskSupport: "optional" },
        handler: () => McpContext.becomeTask.pipe(Effect.andThen(Effect.never), Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined)))
      })
      const client = yield* McpTestClient.make(Forever, { protocolVersion: "2026-07-28", server: withTasks, capabilities: taskExtension, timeoutMillis: 1_000 })
      const timedOut = yield* Effect.flip(client.callTool("forever"))
      assert.strictEqual(timedOut.code, -32001)
      assert.match(timedOut.message, /^task .+ did not end within 1s$/)
      const exit = yield* Effect.exit(Effect.timeout(Deferred.await(interrupted), "2 seconds"))
      assert.strictEqual(exit._tag, "Success", "the task was not cancelled")
    }))

  // Fails before the fix: the call and the following of its task each had the timeout, so a task
  // made late in the first ending late in the second was followed to its result (up to twice the
  // timeout); 2026-07-28's input rounds each had it too, where 2025's questions, asked while the
  // call runs, share the call's.
  it.live("callTool, with its task's following or its input rounds, is bounded by one timeout, in both eras", () =>
    Effect.gen(function*() {
      const interrupted = yield* Deferred.make<void>()
      // Answered with a task after 600 ms (not promoted before it asks), done 700 ms later: past
      // the 1 s timeout in all.
      const server = { ...withTasks, tasks: McpServer.tasks({ promoteAfterMillis: 60_000 }) }
      const Late = McpServer.tool({
        name: "late",
        execution: { taskSupport: "optional" },
        handler: () =>
          Effect.sleep("600 millis").pipe(
            Effect.andThen(McpContext.becomeTask),
            Effect.andThen(Effect.sleep("700 millis")),
            Effect.as("done"),
            Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
          )
      })
      const client = yield* McpTestClient.make(Late, { protocolVersion: "2026-07-28", server, capabilities: taskExtension, timeoutMillis: 1_000 })
      const timedOut = yield* Effect.flip(client.callTool("late"))
      assert.strictEqual(timedOut.code, -32001)
      assert.match(timedOut.message, /^task .+ did not end within 1s$/)
      const exit = yield* Effect.exit(Effect.timeout(Deferred.await(interrupted), "2 seconds"))
      assert.strictEqual(exit._tag, "Success", "the call was not cancelled")

      // Two questions, each answered in 600 ms: past the timeout in both eras.
      const TwoQuestions = McpServer.tool({
        name: "two_questions",
        handler: () =>
          Effect.gen(function*() {
            yield* McpContext.elicit("First?", Schema.Struct({ name: Schema.String }))
            yield* McpContext.elicit("Second?", Schema.Struct({ name: Schema.String }))
            return "answered"
          }).pipe(Effect.orDie)
      })
      for (const protocolVersion of ["2025-11-25", "2026-07-28"] as const) {
        const asked = yield* McpTestClient.make(TwoQuestions, {
          protocolVersion,
          timeoutMillis: 1_000,
          elicit: () => Effect.as(Effect.sleep("600 millis"), { action: "accept" as const, content: { name: "Ada" } })
        })
        const slow = yield* Effect.flip(asked.callTool("two_questions"))
        assert.deepStrictEqual([slow.code, slow.message], [-32001, "no answer within 1s"], protocolVersion)
      }
    }))

  // Fails before the fix: there was no waitForNext, and waitFor, asked again, returned the first
  // message again ("looking up Paris" twice).
  it.live("waitForNext returns each notification of a method in turn, however long ago it came; waitFor the first", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components, { timeoutMillis: 1_000 })
      yield* client.callTool("weather", { city: "Paris" })
      yield* client.callTool("weather", { city: "Rome" }) // both messages have come
      const first = yield* client.waitForNext("notifications/message")
      const second = yield* client.waitForNext("notifications/message")
      assert.deepStrictEqual([first.params?.data, second.params?.data], ["looking up Paris", "looking up Rome"])
      assert.strictEqual(yield* client.waitFor("notifications/message"), first)
      const none = yield* Effect.flip(client.waitForNext("notifications/message"))
      assert.strictEqual(none.message, "no notifications/message within 1s (2 received, none after the last one returned)")
      // One still to come is waited for; `where` narrows it.
      const waiting = yield* Effect.forkChild(client.waitForNext("notifications/message", (n) => String(n.params?.data).includes("Oslo")))
      yield* client.callTool("weather", { city: "Lima" })
      yield* client.callTool("weather", { city: "Oslo" })
      assert.strictEqual((yield* Fiber.join(waiting)).params?.data, "looking up Oslo")
    }))

  // Fails before the fix: each wait started from the same position, so both returned the first
  // message ("looking up Paris" twice) and the second message was returned by neither.
  it.live("waitForNext waits at once take a notification each, in the order they started", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components, { timeoutMillis: 1_000 })
      const first = yield* Effect.forkChild(client.waitForNext("notifications/message"))
      const second = yield* Effect.forkChild(client.waitForNext("notifications/message"))
      const oslo = yield* Effect.forkChild(client.waitForNext("notifications/message", (n) => String(n.params?.data).includes("Oslo")))
      yield* Effect.yieldNow // the three are waiting before any message comes
      yield* client.callTool("weather", { city: "Paris" })
      yield* client.callTool("weather", { city: "Rome" })
      yield* client.callTool("weather", { city: "Oslo" })
      const data = yield* Effect.forEach([first, second, oslo], (fiber) => Effect.map(Fiber.join(fiber), (n) => n.params?.data))
      assert.deepStrictEqual(data, ["looking up Paris", "looking up Rome", "looking up Oslo"])
      // Each was returned once: the next one is still to come.
      const none = yield* Effect.flip(client.waitForNext("notifications/message"))
      assert.strictEqual(none.message, "no notifications/message within 1s (3 received, none after the last one returned)")
    }))

  // Fails before the fix: a wait that timed out said "no notifications/message within 1s" when
  // some had come but did not match its `where`, or had been returned: as if none had come.
  it.live("a wait that times out says how many of its method came when some did", () =>
    Effect.gen(function*() {
      const client = yield* McpTestClient.make(components, { timeoutMillis: 500 })
      const nothing = yield* Effect.flip(client.waitFor("notifications/message"))
      assert.strictEqual(nothing.message, "no notifications/message within 500ms")
      yield* client.callTool("weather", { city: "Paris" })
      const unmatched = yield* Effect.flip(client.waitFor("notifications/message", (n) => n.params?.data === "looking up Oslo"))
      assert.strictEqual(unmatched.message, "no notifications/message within 500ms (1 received, none matching where)")
      yield* client.waitForNext("notifications/message")
      const returned = yield* Effect.flip(client.waitForNext("notifications/message", () => true))
      assert.strictEqual(returned.message, "no notifications/message within 500ms (1 received, none matching where after the last one returned)")
    }))
})
