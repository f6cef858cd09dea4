/**
 * MCP 2026-07-28: a URL elicitation a handler requires (`McpError.UrlElicitationRequired`, asked as
 * input there) beside something else, as a stop for input is (`McpError.failureBesideInput`):
 *
 * - beside another failure (a tool's declared failure, another `McpError`), the failure wins,
 *   answered as it would be alone (`McpError.failureBesideUrlElicitation`): asked for the URL
 *   first, the client completed it and retried, and the handler failed again the same way, round
 *   after round (the SDK v2 client gave up after 10), the failure never told;
 * - beside another URL elicitation required (concurrent branches), both are asked, in one round;
 *   the same one (one `elicitationId`) once, in a round as in a task; two different ones under
 *   one id are refused (a `RangeError` defect, -32603, logged); the same one without an id (the
 *   same payload) once too;
 * - a question the handler keys as its URL elicitation is (`inputKey` = `elicitationId`), in the
 *   same round or a later one, is refused (a `RangeError` defect, -32603, logged): the URL's answer
 *   was given to the question (no content: the form invalid), the URL asked again, for ever.
 *
 * The SDK v2 client pinned to 2026-07-28 over Streamable HTTP; raw 2026 requests where the rounds
 * are counted; the 2025 era (the SDK's legacy mode) unchanged: -32042 with the first failure's URLs.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import { McpContext, McpError, McpServer } from "../../src/index.ts"
import { makeMemory, TaskStore } from "../../src/tasks/TaskStore.ts"
import { sdk } from "../e2e/harness.ts"
import { connectModern, metaOf, modern, pollTask, serveHttp, withTasks } from "../extensions/support.ts"
import { startServer } from "./McpServerHarness.ts"

class OutOfStock extends Schema.TaggedError<OutOfStock>()("OutOfStock", { sku: Schema.String }) {}

/** The URLs the user completed (out of band: the client's handler stands for the user). */
const completed = new Set<string>()

const urlRequired = (id: string) =>
  new McpError.UrlElicitationRequired({
    elicitations: [{ mode: "url", elicitationId: id, url: `https://example.com/${id}`, message: `Sign in to ${id}` }],
    message: `Sign in to ${id} first`
  })

/** Fails with the URL elicitation of `id` until the user completed it. */
const signedIn = (id: string) => Effect.suspend(() => completed.has(`https://example.com/${id}`) ? Effect.void : Effect.fail(urlRequired(id)))

/** Both effects run as concurrent branches; their failures combined, a branch's failure with the cause of one that ended with it. */
const bothBranches = (left: Effect.Effect<void, McpError.UrlElicitationRequired>, right: Effect.Effect<void, McpError.UrlElicitationRequired>) =>
  Effect.gen(function*() {
    const exits = yield* Effect.all([Effect.exit(left), Effect.exit(right)], { concurrency: 2 })
    const failed = exits.filter((exit) => exit._tag === "Failure")
    if (failed.length > 0) return yield* Effect.failCause(failed.map((exit) => exit.cause).reduce(Cause.combine))
    return "connected"
  })

const quotaExhausted = () => new McpError.JsonRpcError({ code: 4001, message: "Quota exhausted" })

const components = Layer.mergeAll(
  // Two branches ended together: one needs the user signed in, the other found the item out of
  // stock (their causes combined, as a branch's failure is with the cause of one that ended with it).
  McpServer.tool({
    name: "order",
    failure: OutOfStock,
    formatFailure: (error) => `${error.sku} is out of stock`,
    handler: () => Effect.failCause(Cause.combine(Cause.fail(urlRequired("shop")), Cause.fail(new OutOfStock({ sku: "A1" }))))
  }),
  // The same, the other way round.
  McpServer.tool({
    name: "order_reversed",
    failure: OutOfStock,
    formatFailure: (error) => `${error.sku} is out of stock`,
    handler: () => Effect.failCause(Cause.combine(Cause.fail(new OutOfStock({ sku: "A1" })), Cause.fail(urlRequired("shop"))))
  }),
  // An application's JSON-RPC error beside it.
  McpServer.tool({
    name: "quota",
    handler: () => Effect.failCause(Cause.combine(Cause.fail(urlRequired("shop")), Cause.fail(quotaExhausted())))
  }),
  McpServer.prompt({
    name: "quota_prompt",
    handler: () => Effect.failCause(Cause.combine(Cause.fail(urlRequired("shop")), Cause.fail(quotaExhausted())))
  }),
  // Two branches, each needing its own sign-in.
  McpServer.tool({
    name: "connect_both",
    handler: () => bothBranches(signedIn("mail"), signedIn("files"))
  }),
  // A form question keyed as the URL elicitation beside it is (`inputKey` = `elicitationId`).
  McpServer.tool({
    name: "same_key",
    handler: () =>
      Effect.as(
        Effect.all([
          Effect.orDie(McpContext.elicit("Name?", Schema.Struct({ name: Schema.String }), { inputKey: "sign-in" })),
          signedIn("sign-in")
        ], { concurrency: 2 }),
        "done"
      )
  }),
  // The same collision, one round after the other: the URL first, then the question.
  McpServer.tool({
    name: "same_key_later",
    handler: () =>
      Effect.andThen(
        signedIn("later"),
        Effect.as(Effect.orDie(McpContext.elicit("Name?", Schema.Struct({ name: Schema.String }), { inputKey: "later" })), "done")
      )
  })
)

/** The SDK v2 client (pinned to 2026-07-28, or `legacy`) over HTTP; URL elicitations completed and counted. */
const connect = (url: string, mode: "legacy" | { readonly pin: string } = { pin: "2026-07-28" }) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const client = new Client({ name: "url-beside", version: "2.0.0" }, {
        capabilities: { elicitation: { form: {}, url: {} } },
        versionNegotiation: { mode: mode as never }
      })
      const asked: Array<string> = []
      client.setRequestHandler("elicitation/create", async (request) => {
        const params = request.params as { readonly mode?: string; readonly url?: string; readonly message: string }
        asked.push(params.message)
        if (params.mode === "url") {
          completed.add(params.url!)
          return { action: "accept" }
        }
        return { action: "accept", content: { name: "Ada" } }
      })
      yield* sdk(() => client.connect(new StreamableHTTPClientTransport(new URL(url))))
      return { client, asked }
    }),
    ({ client }) => Effect.promise(() => client.close().catch(() => undefined))
  )

const serve = () => serveHttp({ name: "url-beside", version: "1.0.0" }, components)

const errorOf = <A>(call: () => Promise<A>) => Effect.map(Effect.flip(sdk(call)), (error: any) => ({ code: error.code, message: String(error.message) }))

const urlCaps = metaOf({ elicitation: { form: {}, url: {} } })

/** The capabilities of a client of the tasks extension that can open a URL. */
const urlTaskMeta = withTasks({ elicitation: { form: {}, url: {} } })

/**
 * A call of `name` on `url` answered as a task, polled (bounded: `pollTask`) until `until`: its id,
 * its `tasks/get` and the task seen then.
 */
const callAsTask = (url: string, name: string, until: (task: any) => boolean = (task) => task.status !== "working") =>
  Effect.gen(function*() {
    const call = (yield* Effect.promise(() => modern(url, "tools/call", { name, arguments: {} }, { meta: urlTaskMeta }))).message
    assert.strictEqual(call.result?.resultType, "task", JSON.stringify(call))
    const taskId: string = call.result.taskId
    const get = () => modern(url, "tasks/get", { taskId }, { meta: urlTaskMeta }).then((answer) => answer.message)
    const seen = yield* Effect.promise(() => pollTask(get, until))
    return { taskId, get, seen }
  })

describe("2026-07-28: a failure beside a URL elicitation required wins", () => {
  // Fails before: the URL asked, completed, asked again each round; the SDK gave up (10 rounds).
  it.live("a tool's declared failure (either order): its isError result, no URL asked", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serve()
      const { asked, client } = yield* connect(url)
      for (const name of ["order", "order_reversed"]) {
        const result = yield* sdk(() => client.callTool({ name, arguments: {} }))
        assert.deepStrictEqual(result.content, [{ type: "text", text: "A1 is out of stock" }], JSON.stringify(result))
        assert.isTrue(result.isError)
      }
      assert.deepStrictEqual(asked, [])
    }))

  // Fails before: input_required with the URL (the quota error lost).
  it.live("another McpError, of a tool and of a prompt: that error", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serve()
      const tool = (yield* Effect.promise(() => modern(url, "tools/call", { name: "quota", arguments: {} }, { meta: urlCaps }))).message
      assert.deepStrictEqual(tool.error, { code: 4001, message: "Quota exhausted" }, JSON.stringify(tool))
      const prompt = (yield* Effect.promise(() => modern(url, "prompts/get", { name: "quota_prompt" }, { meta: urlCaps }))).message
      assert.deepStrictEqual(prompt.error, { code: 4001, message: "Quota exhausted" }, JSON.stringify(prompt))
      const { asked, client } = yield* connect(url)
      const sdkError = yield* errorOf(() => client.callTool({ name: "quota", arguments: {} }))
      assert.strictEqual(sdkError.code, 4001, JSON.stringify(sdkError))
      assert.deepStrictEqual(asked, [])
    }))

  // Fails before: the first round listed "mail" alone (the second failure dropped), "files" a round later.
  it.live("two URL elicitations required by concurrent branches: both asked in one round", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serve()
      const first = (yield* Effect.promise(() => modern(url, "tools/call", { name: "connect_both", arguments: {} }, { meta: urlCaps }))).message
      assert.strictEqual(first.result?.resultType, "input_required", JSON.stringify(first))
      assert.deepStrictEqual(Object.keys(first.result.inputRequests).sort(), ["files", "mail"], JSON.stringify(first))
      // One declined: the call ends, naming the failure that required it.
      const declined = (yield* Effect.promise(() =>
        modern(url, "tools/call", {
          name: "connect_both",
          arguments: {},
          inputResponses: { mail: { action: "accept" }, files: { action: "decline" } },
          requestState: first.result.requestState
        }, { meta: urlCaps })
      )).message
      assert.strictEqual(declined.error?.code, -32603, JSON.stringify(declined))
      assert.strictEqual(declined.error.message, "Sign in to files first: the user declined the URL elicitation")
      const { asked, client } = yield* connect(url)
      const result = yield* sdk(() => client.callTool({ name: "connect_both", arguments: {} }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "connected" }], JSON.stringify(result))
      assert.deepStrictEqual([...asked].sort(), ["Sign in to files", "Sign in to mail"])
    }))
})

describe("2026-07-28: a question keyed as a URL elicitation the request requires", () => {
  // Fails before: the URL's answer was given to the form (invalid: no name), the URL asked again,
  // round after round (the SDK gave up after 10); the form never asked.
  it.live("in the same round or a later one: refused, -32603, the defect logged with its message", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serve()
      const { asked, client } = yield* connect(url)
      const same = yield* errorOf(() => client.callTool({ name: "same_key", arguments: {} }))
      assert.strictEqual(same.code, -32603, JSON.stringify(same))
      assert.include(same.message, "Internal error")
      assert.deepStrictEqual(asked, [], "nothing asked")
      // Found as the question is asked, in the handler: a tool's defect, its internal-error result.
      const later = yield* sdk(() => client.callTool({ name: "same_key_later", arguments: {} }))
      assert.deepStrictEqual(later.content, [{ type: "text", text: "Tool same_key_later failed: internal error" }], JSON.stringify(later))
      assert.isTrue(later.isError)
      assert.deepStrictEqual(asked, ["Sign in to later"], "the URL asked, the question refused")
      // What the server logged says why (over an in-memory pair, its log lines kept).
      completed.clear()
      const logged: Array<string> = []
      const logger = Logger.make((entry) => void logged.push(`${String(entry.message)} ${Cause.pretty(entry.cause)}`))
      const server = yield* startServer({}, components)
      const modernClient = yield* connectModern(server, [logger])
      const answer = yield* Effect.promise(() => modernClient.request("tools/call", { name: "same_key", arguments: {} }, urlCaps))
      assert.strictEqual(answer.error?.code, -32603, JSON.stringify(answer))
      assert.isTrue(
        logged.some((line) => line.includes(`inputKey "sign-in" is also the elicitationId of a URL elicitation`)),
        logged.join("\n")
      )
      const later2 = yield* Effect.promise(() => modernClient.request("tools/call", { name: "same_key_later", arguments: {} }, urlCaps))
      completed.add("https://example.com/later")
      yield* Effect.promise(() =>
        modernClient.request("tools/call", {
          name: "same_key_later",
          arguments: {},
          inputResponses: { later: { action: "accept" } },
          requestState: later2.result.requestState
        }, urlCaps)
      )
      assert.isTrue(logged.some((line) => line.includes(`inputKey "later" is also the elicitationId`)), logged.join("\n"))
    }))
})

describe("2025-11-25: unchanged", () => {
  // Passes before and after: -32042 with the first failure's URL elicitations.
  it.live("a URL elicitation required beside another failure is -32042", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serve()
      const { asked, client } = yield* connect(url, "legacy")
      assert.strictEqual(client.getNegotiatedProtocolVersion(), "2025-11-25")
      for (const name of ["order", "order_reversed", "quota"]) {
        const error = yield* errorOf(() => client.callTool({ name, arguments: {} }))
        assert.strictEqual(error.code, -32042, `${name}: ${JSON.stringify(error)}`)
      }
      const prompt = yield* errorOf(() => client.getPrompt({ name: "quota_prompt" }))
      assert.strictEqual(prompt.code, -32042, JSON.stringify(prompt))
      assert.deepStrictEqual(asked, [])
    }))
})

describe("2026-07-28, the tasks extension: a required tool's URL elicitation", () => {
  // Fails before: the call was a task that failed with -32042 (the code 2026-07-28 retired), the
  // URL never asked.
  it.live("asked by multi round-trip first (input_required, no task); completed, the retry is a task", () =>
    Effect.gen(function*() {
      completed.clear()
      const Required = McpServer.tool({
        name: "connect_task",
        execution: { taskSupport: "required" },
        handler: () => Effect.as(signedIn("tasks"), "connected")
      })
      const { url } = yield* serveHttp({ name: "url-beside", version: "1.0.0", tasks: McpServer.tasks() }, Required)
      const meta = withTasks({ elicitation: { form: {}, url: {} } })
      const first = (yield* Effect.promise(() => modern(url, "tools/call", { name: "connect_task", arguments: {} }, { meta }))).message
      assert.strictEqual(first.result?.resultType, "input_required", JSON.stringify(first))
      assert.deepStrictEqual(Object.keys(first.result.inputRequests), ["tasks"])
      completed.add("https://example.com/tasks")
      const retried = (yield* Effect.promise(() =>
        modern(url, "tools/call", {
          name: "connect_task",
          arguments: {},
          inputResponses: { tasks: { action: "accept" } },
          requestState: first.result.requestState
        }, { meta })
      )).message
      assert.strictEqual(retried.result?.resultType, "task", JSON.stringify(retried))
      assert.strictEqual(retried.result.status, "completed", JSON.stringify(retried))
    }))
})

describe("2026-07-28, the tasks extension: a URL elicitation required once the call is a task", () => {
  // Fails before: the task failed -32603 at once (the retired -32042 projected), the URL never
  // asked: nothing the client could complete (and the same call, quicker than promoteAfterMillis,
  // asked by multi round-trip).
  it.live("asked in the task's inputRequests (becomeTask, or promoteAfterMillis); completed, the work runs again and the task completes; declined, it fails -32603", () =>
    Effect.gen(function*() {
      completed.clear()
      const InTask = McpServer.tool({
        name: "connect_in_task",
        execution: { taskSupport: "optional" },
        parameters: { id: Schema.String },
        handler: ({ id }) => Effect.andThen(McpContext.becomeTask, Effect.as(signedIn(id), `connected to ${id}`))
      })
      // Made a task by the server (promoteAfterMillis 50), not by its handler.
      const Slow = McpServer.tool({
        name: "connect_slowly",
        execution: { taskSupport: "optional" },
        parameters: { id: Schema.String },
        handler: ({ id }) => Effect.andThen(Effect.sleep(300), Effect.as(signedIn(id), `connected to ${id}`))
      })
      const { url } = yield* serveHttp(
        { name: "url-in-task", version: "1.0.0", tasks: McpServer.tasks({ promoteAfterMillis: 50 }) },
        Layer.merge(InTask, Slow)
      )
      const meta = withTasks({ elicitation: { form: {}, url: {} } })
      const taskOf = (id: string, name = "connect_in_task") =>
        Effect.gen(function*() {
          const call = (yield* Effect.promise(() => modern(url, "tools/call", { name, arguments: { id } }, { meta }))).message
          assert.strictEqual(call.result?.resultType, "task", JSON.stringify(call))
          const taskId: string = call.result.taskId
          const get = () => modern(url, "tasks/get", { taskId }, { meta }).then((answer) => answer.message)
          const waiting = yield* Effect.promise(() => pollTask(get, (task) => task.status !== "working"))
          assert.strictEqual(waiting.status, "input_required", JSON.stringify(waiting))
          const keys = Object.keys(waiting.inputRequests)
          assert.strictEqual(keys.length, 1, JSON.stringify(waiting))
          assert.deepStrictEqual(waiting.inputRequests[keys[0]!], {
            method: "elicitation/create",
            params: { mode: "url", url: `https://example.com/${id}`, message: `Sign in to ${id}` }
          })
          const answer = (action: string) =>
            Effect.promise(() => modern(url, "tasks/update", { taskId, inputResponses: { [keys[0]!]: { action } } }, { meta }))
          const ended = () => Effect.promise(() => pollTask(get, (task) => task.status !== "working" && task.status !== "input_required"))
          return { answer, ended }
        })
      const accepted = yield* taskOf("drive")
      completed.add("https://example.com/drive")
      yield* accepted.answer("accept")
      const done = yield* accepted.ended()
      assert.strictEqual(done.status, "completed", JSON.stringify(done))
      assert.deepStrictEqual(done.result.content, [{ type: "text", text: "connected to drive" }])
      const declined = yield* taskOf("photos")
      yield* declined.answer("decline")
      const failed = yield* declined.ended()
      assert.strictEqual(failed.status, "failed", JSON.stringify(failed))
      assert.deepStrictEqual(failed.error, { code: -32603, message: "Sign in to photos first: the user declined the URL elicitation" })
      const promoted = yield* taskOf("mail", "connect_slowly")
      completed.add("https://example.com/mail")
      yield* promoted.answer("accept")
      const connected = yield* promoted.ended()
      assert.deepStrictEqual([connected.status, connected.result?.content], ["completed", [{ type: "text", text: "connected to mail" }]], JSON.stringify(connected))
    }))
})

describe("2026-07-28, the tasks extension: a URL elicitation required while the call's task is being created", () => {
  // Fails before: the work ended (taskId still "") as the server's creation was under way; the
  // supervisor waited for the creation and recorded the failure as the new task's end: failed
  // -32603 (the retired -32042 projected), the URL never asked.
  it.live("waits for the task, then is asked in its inputRequests; completed, the work runs again and the task completes", () =>
    Effect.gen(function*() {
      completed.clear()
      const memory = yield* makeMemory()
      const creating = yield* Deferred.make<void>()
      // The in-memory store, its creation taking 300 ms (a store across the network): the handler
      // requires the URL once the server's creation (promoteAfterMillis 20) has started.
      const store = TaskStore.of({
        ...memory,
        create: (input) => Effect.andThen(Deferred.succeed(creating, undefined), Effect.andThen(Effect.sleep(300), memory.create(input)))
      })
      const { url } = yield* serveHttp(
        { name: "url-while-promoted", version: "1.0.0", tasks: McpServer.tasks({ promoteAfterMillis: 20 }) },
        McpServer.tool({
          name: "connect_while_promoted",
          execution: { taskSupport: "optional" },
          handler: () => Effect.andThen(Deferred.await(creating), Effect.as(signedIn("cloud"), "connected to cloud"))
        })
      ).pipe(Effect.provide(Layer.succeed(TaskStore, store)))
      const meta = urlTaskMeta
      const { get, seen: waiting, taskId } = yield* callAsTask(url, "connect_while_promoted")
      assert.strictEqual(waiting.status, "input_required", JSON.stringify(waiting))
      const keys = Object.keys(waiting.inputRequests)
      assert.deepStrictEqual(keys.map((key) => waiting.inputRequests[key].params.url), ["https://example.com/cloud"])
      completed.add("https://example.com/cloud")
      yield* Effect.promise(() => modern(url, "tasks/update", { taskId, inputResponses: { [keys[0]!]: { action: "accept" } } }, { meta }))
      const done = yield* Effect.promise(() => pollTask(get, (task) => task.status !== "working" && task.status !== "input_required"))
      assert.deepStrictEqual([done.status, done.result?.content], ["completed", [{ type: "text", text: "connected to cloud" }]], JSON.stringify(done))
    }))
})

describe("2026-07-28, the tasks extension: two URL elicitations required once the call is a task, one declined", () => {
  // Fails before: the declined answer waited for the other URL's (every elicitation awaited before
  // any answer was looked at): the task stayed input_required with the other URL, which a client
  // whose user declined the sign-in need not answer, until its TTL.
  it.live("the task fails -32603 at once, the other URL no longer asked", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serveHttp(
        { name: "url-in-task-declined", version: "1.0.0", tasks: McpServer.tasks() },
        McpServer.tool({
          name: "connect_both_in_task",
          execution: { taskSupport: "optional" },
          handler: () => Effect.andThen(McpContext.becomeTask, bothBranches(signedIn("mail"), signedIn("files")))
        })
      )
      const meta = urlTaskMeta
      const { get, seen: waiting, taskId } = yield* callAsTask(
        url,
        "connect_both_in_task",
        (task) => task.status === "input_required" && Object.keys(task.inputRequests).length === 2
      )
      const keys = Object.keys(waiting.inputRequests)
      const mail = keys.find((key) => waiting.inputRequests[key].params.url === "https://example.com/mail")!
      yield* Effect.promise(() => modern(url, "tasks/update", { taskId, inputResponses: { [mail]: { action: "decline" } } }, { meta }))
      const failed = yield* Effect.promise(() => pollTask(get, (task) => task.status !== "input_required" && task.status !== "working", 2_000))
      assert.strictEqual(failed.status, "failed", JSON.stringify(failed))
      assert.deepStrictEqual(failed.error, { code: -32603, message: "Sign in to mail first: the user declined the URL elicitation" })
    }))
})

describe("2026-07-28, the tasks extension: a URL elicitation a task's work requires on every run", () => {
  // The bound of 175700dc (maxUrlRounds): asked and completed 10 times, the 11th run's failure is
  // the task's (-32603, the elicitations in data), not asked for ever.
  it.live("is asked 10 times; the 11th run's failure ends the task failed -32603 with the elicitations", () =>
    Effect.gen(function*() {
      let runs = 0
      const { url } = yield* serveHttp(
        { name: "url-every-run", version: "1.0.0", tasks: McpServer.tasks() },
        McpServer.tool({
          name: "never_signed_in",
          execution: { taskSupport: "optional" },
          handler: () => Effect.andThen(McpContext.becomeTask, Effect.suspend(() => {
            runs++
            return Effect.fail(urlRequired("vault"))
          }))
        })
      )
      const meta = urlTaskMeta
      const { get, taskId } = yield* callAsTask(url, "never_signed_in", () => true)
      const answered: Array<string> = []
      let task: any
      // Bounded: at most 12 rounds.
      for (let round = 0; round < 12; round++) {
        task = yield* Effect.promise(() =>
          pollTask(get, (task) => task.status !== "working" && (task.status !== "input_required" || Object.keys(task.inputRequests).some((key) => !answered.includes(key))))
        )
        if (task.status !== "input_required") break
        const key = Object.keys(task.inputRequests).find((key) => !answered.includes(key))!
        answered.push(key)
        yield* Effect.promise(() => modern(url, "tasks/update", { taskId, inputResponses: { [key]: { action: "accept" } } }, { meta }))
      }
      assert.strictEqual(answered.length, 10, JSON.stringify(answered))
      assert.strictEqual(runs, 11)
      assert.strictEqual(task.status, "failed", JSON.stringify(task))
      assert.deepStrictEqual(task.error, {
        code: -32603,
        message: "Sign in to vault first",
        data: { elicitations: [{ mode: "url", elicitationId: "vault", url: "https://example.com/vault", message: "Sign in to vault" }] }
      })
    }))
})

/**
 * The URL elicitation of `id` as {@link signedIn} requires it, required for another reason: another
 * failure (the cause keeps both: `Cause.combine` drops only equal ones), the same elicitation.
 */
const signedInFor = (id: string, reason: string) =>
  Effect.suspend(() =>
    completed.has(`https://example.com/${id}`) ? Effect.void : Effect.fail(
      new McpError.UrlElicitationRequired({ elicitations: urlRequired(id).elicitations, message: `Sign in to ${id} to ${reason}` })
    )
  )

/** The URL elicitation of `id` at another URL than {@link urlRequired}'s (another payload, the same id). */
const urlRequiredElsewhere = (id: string) =>
  new McpError.UrlElicitationRequired({
    elicitations: [{ mode: "url", elicitationId: id, url: `https://example.com/${id}/elsewhere`, message: `Sign in to ${id}` }],
    message: `Sign in to ${id} first`
  })

/**
 * The URL elicitation of `id` as {@link urlRequired} asks it, written otherwise: its keys in another
 * order, and no `mode` (a URL elicitation required is asked with `mode: "url"` whatever it says).
 */
const urlRequiredRewritten = (id: string) =>
  new McpError.UrlElicitationRequired({
    elicitations: [{ message: `Sign in to ${id}`, url: `https://example.com/${id}`, elicitationId: id }],
    message: `Sign in to ${id} to write`
  })

/** The message of the defect of two payloads under one `elicitationId`. */
const twoPayloads = (id: string) => `elicitationId ${JSON.stringify(id)} names two different URL elicitations`

describe("2026-07-28: one URL elicitation required by two concurrent branches (the same elicitationId)", () => {
  // Fails before: the task listed the URL twice (one input request per failure's elicitation),
  // the user asked to complete the same sign-in twice.
  it.live("is asked once, by multi round-trip and in a task's inputRequests", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serveHttp(
        { name: "url-twice", version: "1.0.0", tasks: McpServer.tasks() },
        Layer.merge(
          McpServer.tool({ name: "connect_twice", handler: () => bothBranches(signedIn("shop"), signedInFor("shop", "pay")) }),
          McpServer.tool({
            name: "connect_twice_in_task",
            execution: { taskSupport: "optional" },
            handler: () => Effect.andThen(McpContext.becomeTask, bothBranches(signedIn("vault"), signedInFor("vault", "unlock")))
          })
        )
      )
      // Multi round-trip: one input request, the SDK v2 client asks its user once.
      const first = (yield* Effect.promise(() => modern(url, "tools/call", { name: "connect_twice", arguments: {} }, { meta: urlCaps }))).message
      assert.strictEqual(first.result?.resultType, "input_required", JSON.stringify(first))
      assert.deepStrictEqual(first.result.inputRequests, {
        shop: { method: "elicitation/create", params: { mode: "url", url: "https://example.com/shop", message: "Sign in to shop" } }
      })
      const { asked, client } = yield* connect(url)
      const result = yield* sdk(() => client.callTool({ name: "connect_twice", arguments: {} }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "connected" }], JSON.stringify(result))
      assert.deepStrictEqual(asked, ["Sign in to shop"])
      // A task: one input request; accepted, the work runs again and completes (a second listing of
      // the URL, seen now or later, kept it input_required).
      const meta = urlTaskMeta
      const { get, seen: waiting, taskId } = yield* callAsTask(url, "connect_twice_in_task")
      assert.strictEqual(waiting.status, "input_required", JSON.stringify(waiting))
      const keys = Object.keys(waiting.inputRequests)
      assert.deepStrictEqual(keys.map((key) => waiting.inputRequests[key].params.url), ["https://example.com/vault"], JSON.stringify(waiting))
      completed.add("https://example.com/vault")
      yield* Effect.promise(() => modern(url, "tasks/update", { taskId, inputResponses: { [keys[0]!]: { action: "accept" } } }, { meta }))
      const done = yield* Effect.promise(() =>
        pollTask(get, (task) => task.status !== "working" && (task.status !== "input_required" || Object.keys(task.inputRequests).some((key) => !keys.includes(key))))
      )
      assert.deepStrictEqual([done.status, done.result?.content], ["completed", [{ type: "text", text: "connected" }]], JSON.stringify(done))
    }))

  // Fails before: the payloads were compared as the handlers wrote them (a `mode` left out, which
  // is asked as "url" all the same), refused as two different elicitations (-32603).
  it.live("the same payload written otherwise (its keys in another order, no mode): asked once", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serveHttp(
        { name: "url-rewritten", version: "1.0.0" },
        McpServer.tool({ name: "connect_rewritten", handler: () => bothBranches(signedIn("desk"), Effect.fail(urlRequiredRewritten("desk"))) })
      )
      const first = (yield* Effect.promise(() => modern(url, "tools/call", { name: "connect_rewritten", arguments: {} }, { meta: urlCaps }))).message
      assert.strictEqual(first.result?.resultType, "input_required", JSON.stringify(first))
      assert.deepStrictEqual(first.result.inputRequests, {
        desk: { method: "elicitation/create", params: { mode: "url", url: "https://example.com/desk", message: "Sign in to desk" } }
      })
    }))

  // Fails before: the second payload replaced the first by multi round-trip (the user sent to the
  // other URL), and a task listed both, under two keys.
  it.live("two different payloads under one elicitationId: refused, -32603 (a task failed -32603), the defect logged, nothing asked", () =>
    Effect.gen(function*() {
      completed.clear()
      const Apart = Layer.merge(
        McpServer.tool({ name: "connect_apart", handler: () => bothBranches(signedIn("twin"), Effect.fail(urlRequiredElsewhere("twin"))) }),
        McpServer.tool({
          name: "connect_apart_in_task",
          execution: { taskSupport: "optional" },
          handler: () => Effect.andThen(McpContext.becomeTask, bothBranches(signedIn("twin"), Effect.fail(urlRequiredElsewhere("twin"))))
        })
      )
      const { url } = yield* serveHttp({ name: "url-apart", version: "1.0.0", tasks: McpServer.tasks() }, Apart)
      const answer = (yield* Effect.promise(() => modern(url, "tools/call", { name: "connect_apart", arguments: {} }, { meta: urlCaps }))).message
      assert.strictEqual(answer.error?.code, -32603, JSON.stringify(answer))
      const { asked, client } = yield* connect(url)
      const sdkError = yield* errorOf(() => client.callTool({ name: "connect_apart", arguments: {} }))
      assert.strictEqual(sdkError.code, -32603, JSON.stringify(sdkError))
      assert.deepStrictEqual(asked, [], "nothing asked")
      const { seen: ended } = yield* callAsTask(url, "connect_apart_in_task")
      assert.strictEqual(ended.status, "failed", JSON.stringify(ended))
      assert.strictEqual(ended.error?.code, -32603, JSON.stringify(ended))
      // What the server logged says why (over an in-memory pair, its log lines kept).
      const logged: Array<string> = []
      const logger = Logger.make((entry) => void logged.push(`${String(entry.message)} ${Cause.pretty(entry.cause)}`))
      const server = yield* startServer({}, Apart)
      const modernClient = yield* connectModern(server, [logger])
      const again = yield* Effect.promise(() => modernClient.request("tools/call", { name: "connect_apart", arguments: {} }, urlCaps))
      assert.strictEqual(again.error?.code, -32603, JSON.stringify(again))
      assert.isTrue(logged.some((line) => line.includes(twoPayloads("twin"))), logged.join("\n"))
    }))
})

/** The URL elicitation of `id` without an `elicitationId`, required to `reason` (its failure's message). */
const signedInWithoutId = (id: string, reason: string) =>
  Effect.suspend(() =>
    completed.has(`https://example.com/${id}`) ? Effect.void : Effect.fail(
      new McpError.UrlElicitationRequired({
        elicitations: [{ mode: "url", url: `https://example.com/${id}`, message: `Sign in to ${id}` }],
        message: `Sign in to ${id} to ${reason}`
      })
    )
  )

describe("2026-07-28: one URL elicitation without an elicitationId required by two concurrent branches", () => {
  // Fails before: an elicitation without an id was asked as it is, each time: listed twice (two
  // keys by order, two task inputs), the user sent to the same page twice.
  it.live("is asked once (the same payload, canonical), by multi round-trip and in a task's inputRequests; another payload apart", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serveHttp(
        { name: "url-twice-without-id", version: "1.0.0", tasks: McpServer.tasks() },
        Layer.mergeAll(
          McpServer.tool({ name: "connect_twice_without_id", handler: () => bothBranches(signedInWithoutId("pad", "read"), signedInWithoutId("pad", "write")) }),
          McpServer.tool({ name: "connect_two_without_id", handler: () => bothBranches(signedInWithoutId("pad", "read"), signedInWithoutId("box", "write")) }),
          McpServer.tool({
            name: "connect_twice_without_id_in_task",
            execution: { taskSupport: "optional" },
            handler: () => Effect.andThen(McpContext.becomeTask, bothBranches(signedInWithoutId("safe", "open"), signedInWithoutId("safe", "lock")))
          })
        )
      )
      const first = (yield* Effect.promise(() => modern(url, "tools/call", { name: "connect_twice_without_id", arguments: {} }, { meta: urlCaps }))).message
      assert.strictEqual(first.result?.resultType, "input_required", JSON.stringify(first))
      assert.deepStrictEqual(first.result.inputRequests, {
        "elicitation/create-url-1": { method: "elicitation/create", params: { mode: "url", url: "https://example.com/pad", message: "Sign in to pad" } }
      })
      completed.add("https://example.com/pad")
      const retried = (yield* Effect.promise(() =>
        modern(url, "tools/call", {
          name: "connect_twice_without_id",
          arguments: {},
          inputResponses: { "elicitation/create-url-1": { action: "accept" } },
          requestState: first.result.requestState
        }, { meta: urlCaps })
      )).message
      assert.deepStrictEqual(retried.result?.content, [{ type: "text", text: "connected" }], JSON.stringify(retried))
      // Two payloads: both asked, each under its own key.
      completed.clear()
      const two = (yield* Effect.promise(() => modern(url, "tools/call", { name: "connect_two_without_id", arguments: {} }, { meta: urlCaps }))).message
      assert.deepStrictEqual(
        Object.entries<any>(two.result?.inputRequests ?? {}).map(([key, request]) => [key, request.params.url]),
        [["elicitation/create-url-1", "https://example.com/pad"], ["elicitation/create-url-2", "https://example.com/box"]],
        JSON.stringify(two)
      )
      // A task: one input request; accepted, the work runs again and completes.
      const meta = urlTaskMeta
      const { get, seen: waiting, taskId } = yield* callAsTask(url, "connect_twice_without_id_in_task")
      assert.strictEqual(waiting.status, "input_required", JSON.stringify(waiting))
      const keys = Object.keys(waiting.inputRequests)
      assert.deepStrictEqual(keys.map((key) => waiting.inputRequests[key].params.url), ["https://example.com/safe"], JSON.stringify(waiting))
      completed.add("https://example.com/safe")
      yield* Effect.promise(() => modern(url, "tasks/update", { taskId, inputResponses: { [keys[0]!]: { action: "accept" } } }, { meta }))
      const done = yield* Effect.promise(() =>
        pollTask(get, (task) => task.status !== "working" && (task.status !== "input_required" || Object.keys(task.inputRequests).some((key) => !keys.includes(key))))
      )
      assert.deepStrictEqual([done.status, done.result?.content], ["completed", [{ type: "text", text: "connected" }]], JSON.stringify(done))
    }))
})
