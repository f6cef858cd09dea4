/**
 * The client's answers to what a handler asks (`McpContext.elicit`, `sample`, `listRoots`), in
 * both eras: a 2025-11-25 session's answers to server→client requests, and a 2026-07-28 client's
 * `inputResponses` (MRTR). Raw JSON-RPC over an in-memory pair, as a client that misbehaves
 * speaks it.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { InMemory, McpContext, McpServer } from "../../src/index.ts"
import { serveInMemory } from "../support/inMemoryRequests.ts"

/** What the handler got, or the tag of the failure it got. */
const outcome = <A>(effect: Effect.Effect<A, { readonly _tag: string }, McpContext.McpRequestContext>) =>
  Effect.match(effect, { onSuccess: (value) => JSON.stringify(value), onFailure: (error) => error._tag })

const Ask = McpServer.tool({
  name: "ask",
  handler: () => outcome(McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })))
})
const Sample = McpServer.tool({
  name: "sample",
  handler: () =>
    outcome(Effect.map(
      McpContext.sample({ messages: [{ role: "user", content: { type: "text", text: "hi" } }], maxTokens: 5 }),
      (result) => ({ model: result.model, role: result.role })
    ))
})
const Confirm = Schema.Struct({ ok: Schema.Boolean })
/** Two questions under one `inputKey`, one after the other. */
const SameKey = McpServer.tool({
  name: "same_key",
  handler: () =>
    outcome(Effect.gen(function*() {
      const first = yield* McpContext.elicit("Delete the file?", Confirm, { inputKey: "confirm" })
      const second = yield* McpContext.elicit("Delete the backups too?", Confirm, { inputKey: "confirm" })
      return [first, second]
    }))
})
/** Two questions under one `inputKey`, asked together. */
const SameKeyTogether = McpServer.tool({
  name: "same_key_together",
  handler: () =>
    outcome(Effect.all([
      McpContext.elicit("Delete the file?", Confirm, { inputKey: "confirm" }),
      McpContext.elicit("Delete the backups too?", Confirm, { inputKey: "confirm" })
    ], { concurrency: 2 }))
})
/** Two files, each deleted and then its backups, asked about side by side (default keys). */
const confirmDeletion = (question: string) =>
  Effect.match(McpContext.elicit(question, Confirm), {
    onSuccess: (answer) => `${question} ${answer.action === "accept" ? answer.content.ok : answer.action}`,
    onFailure: (error) => `${question} ${error._tag}`
  })
const TwoFiles = McpServer.tool({
  name: "two_files",
  handler: () =>
    Effect.map(
      Effect.all([
        Effect.all([confirmDeletion("Delete file A?"), confirmDeletion("Delete the backups of A?")]),
        Effect.all([confirmDeletion("Delete file B?"), confirmDeletion("Delete the backups of B?")])
      ], { concurrency: 2 }),
      (answers) => JSON.stringify(answers.flat())
    )
})
/** Sends the user to a URL; as a task (tasks extension) when `task` is true. */
const GoTo = McpServer.tool({
  name: "go_to",
  parameters: { task: Schema.Boolean },
  execution: { taskSupport: "optional" },
  handler: ({ task }) =>
    outcome(Effect.gen(function*() {
      if (task) yield* McpContext.becomeTask
      return yield* McpContext.elicitUrl({ message: "Sign in", url: "https://example.com/sign-in" })
    }))
})
/** Asks with the `timeoutMillis` given (as text: JSON has no NaN); a defect is said, not masked. */
const AskWithin = McpServer.tool({
  name: "ask_within",
  parameters: { timeoutMillis: Schema.String },
  handler: ({ timeoutMillis }) =>
    outcome(McpContext.elicit("Name?", Schema.Struct({ name: Schema.String }), { timeoutMillis: Number(timeoutMillis) })).pipe(
      Effect.catchDefect((defect) => Effect.succeed(`defect: ${String(defect)}`))
    )
})
/** A question inside code that catches every cause: `guarded` lets the input stop through, `swallowing` does not. */
const catchingAll = (name: string, guarded: boolean) =>
  McpServer.tool({
    name,
    handler: () =>
      Effect.catchCause(
        Effect.map(McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })), (answer) => JSON.stringify(answer)),
        (cause) => guarded && McpContext.isInputRequired(cause) ? Effect.failCause(cause) : Effect.succeed("caught")
      )
  })

const components = Layer.mergeAll(
  Ask,
  Sample,
  SameKey,
  SameKeyTogether,
  TwoFiles,
  GoTo,
  AskWithin,
  catchingAll("guarded", true),
  catchingAll("swallowing", false)
)

const modern = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { elicitation: {}, sampling: {} }
}

/** A `CreateTaskResult`: what a client answers a task-augmented request with, and only such a request. */
const taskCreated = {
  task: { taskId: "t1", status: "working", createdAt: "2025-11-25T00:00:00Z", lastUpdatedAt: "2025-11-25T00:00:00Z", ttl: null }
}

const textOf = (answer: any): string => answer.result?.content?.[0]?.text

/**
 * A 2025-11-25 session over an in-memory pair, its client declaring elicitation and sampling and
 * answering each server request with `answer(request)` (none when it returns `undefined`); `asked`
 * records the server's requests.
 */
const legacySession = (answer: (request: any) => unknown) =>
  Effect.gen(function*() {
    const pair = InMemory.makePair()
    yield* Effect.forkScoped(McpServer.serve({ name: "answers", version: "1" }, components, pair.server))
    const asked: Array<any> = []
    const answers = new Map<unknown, (message: any) => void>()
    pair.client.onmessage = (message: any) => {
      if ("method" in message) {
        asked.push(message)
        const result = "id" in message ? answer(message) : undefined
        if (result !== undefined) void pair.client.send({ jsonrpc: "2.0", id: message.id, result } as never)
        return
      }
      answers.get(message.id)?.(message)
    }
    let next = 0
    const request = (method: string, params: Record<string, unknown>) =>
      Effect.promise(() =>
        new Promise<any>((resolve) => {
          const id = ++next
          answers.set(id, resolve)
          void pair.client.send({ jsonrpc: "2.0", id, method, params } as never)
        })
      )
    yield* request("initialize", {
      protocolVersion: "2025-11-25",
      capabilities: { elicitation: {}, sampling: {} },
      clientInfo: { name: "c", version: "1" }
    })
    yield* Effect.promise(() => pair.client.send({ jsonrpc: "2.0", method: "notifications/initialized" } as never))
    const call = (name: string, args: Record<string, unknown> = {}) => request("tools/call", { name, arguments: args })
    return { call, asked }
  })

describe("answers to the server's questions", () => {
  // Fails before: the results were decoded as `ElicitResult | CreateTaskResult` (the union the
  // schema gives for task-augmented requests), so the handler got `{ action: undefined }` and a
  // sampling "result" with no model or role, though the server never asked for a task.
  // (Asked again until the answers of the wrong shape became ClientResultInvalid, as in 2025-11-25.)
  it.live("2026-07-28: a CreateTaskResult is no answer to an elicitation or a sampling: ClientResultInvalid", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ name: "answers", version: "1" }, components)
      const asked = yield* request("tools/call", {
        name: "ask",
        arguments: {},
        _meta: modern,
        inputResponses: { "elicitation/create-1": taskCreated }
      })
      assert.strictEqual(textOf(asked), "ClientResultInvalid", JSON.stringify(asked))
      const sampled = yield* request("tools/call", {
        name: "sample",
        arguments: {},
        _meta: modern,
        inputResponses: { "sampling/createMessage-1": taskCreated }
      })
      assert.strictEqual(textOf(sampled), "ClientResultInvalid", JSON.stringify(sampled))
      // A real answer is taken.
      const answered = yield* request("tools/call", {
        name: "ask",
        arguments: {},
        _meta: modern,
        inputResponses: { "elicitation/create-1": { action: "accept", content: { name: "Ada" } } }
      })
      assert.strictEqual(textOf(answered), JSON.stringify({ action: "accept", content: { name: "Ada" } }))
    }))

  // Fails before: as above, over a session (the handler got `{"action":undefined}` → "{}").
  it.live("2025-11-25: a CreateTaskResult answering a request that asked for no task is ClientResultInvalid", () =>
    Effect.gen(function*() {
      // The server's questions: answered with a task they did not ask for.
      const { call } = yield* legacySession(() => taskCreated)
      assert.strictEqual(textOf(yield* call("ask")), "ClientResultInvalid")
      assert.strictEqual(textOf(yield* call("sample")), "ClientResultInvalid")
    }))

  // Fails before: the second question took the key of the first, so it was answered with the
  // first's answer (the backups deleted on the file's "yes", never asked), and, asked together,
  // only one of the two was listed.
  it.live("2026-07-28: two questions asked under one key get keys of their own, each its own answer", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ name: "answers", version: "1" }, components)
      const call = (name: string, round: Record<string, unknown> = {}) =>
        request("tools/call", { name, arguments: {}, _meta: modern, ...round })
      const yes = { action: "accept", content: { ok: true } }
      const no = { action: "accept", content: { ok: false } }
      // (`default_spelled`, a chosen key spelling the server's, is refused now: InputKeyChosen.test.ts.)
      for (const [tool, firstKey] of [["same_key", "confirm"]] as const) {
        const one = (yield* call(tool)).result
        assert.deepStrictEqual(Object.keys(one.inputRequests), [firstKey], tool)
        const two = (yield* call(tool, { inputResponses: { [firstKey]: yes }, requestState: one.requestState })).result
        assert.strictEqual(two.resultType, "input_required", `${tool}: ${JSON.stringify(two)}`)
        const [secondKey] = Object.keys(two.inputRequests)
        assert.notStrictEqual(secondKey, firstKey)
        assert.strictEqual(two.inputRequests[secondKey!].params.message, "Delete the backups too?")
        const three = yield* call(tool, { inputResponses: { [secondKey!]: no }, requestState: two.requestState })
        assert.strictEqual(textOf(three), JSON.stringify([yes, no]), tool)
      }
      const together = (yield* call("same_key_together")).result
      const keys = Object.keys(together.inputRequests)
      assert.strictEqual(keys.length, 2, JSON.stringify(together.inputRequests))
      assert.deepStrictEqual(keys.map((key) => together.inputRequests[key].params.message), ["Delete the file?", "Delete the backups too?"])
      const answered = yield* call("same_key_together", { inputResponses: { [keys[0]!]: no, [keys[1]!]: yes } })
      assert.strictEqual(textOf(answered), JSON.stringify([no, yes]))
    }))

  // Fails before: in round 2 the fiber of file A, its answer in, went on at once to "Delete the
  // backups of A?" and took the key "Delete file B?" had in round 1, with its answer: the backups
  // of A were decided by the user's "no" to file B (never asked about them), and "Delete file B?"
  // was asked again.
  it.live("2026-07-28: questions asked side by side, each followed by another, get their own answers in every round", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ name: "answers", version: "1" }, components)
      const asked: Array<ReadonlyArray<string>> = []
      let round: Record<string, unknown> = {}
      let answer: any
      for (let i = 0; i < 5; i++) {
        answer = yield* request("tools/call", { name: "two_files", arguments: {}, _meta: modern, ...round })
        if (answer.result?.resultType !== "input_required") break
        const questions = Object.entries(answer.result.inputRequests as Record<string, any>)
        asked.push(questions.map(([, input]) => input.params.message))
        // The user agrees to everything about A, to nothing about B.
        const inputResponses = Object.fromEntries(
          questions.map(([key, input]) => [key, { action: "accept", content: { ok: input.params.message.includes(" A?") } }])
        )
        round = { inputResponses, requestState: answer.result.requestState }
      }
      assert.deepStrictEqual(asked, [["Delete file A?", "Delete file B?"], ["Delete the backups of A?", "Delete the backups of B?"]])
      assert.strictEqual(
        textOf(answer),
        JSON.stringify(["Delete file A? true", "Delete the backups of A? true", "Delete file B? false", "Delete the backups of B? false"])
      )
    }))

  // Fails before: the input request carried the `elicitationId` elicitUrl made, a field 2026-07-28
  // removed (a new one each round, so the same question differed from round to round), in a
  // round's input_required and in a task's inputRequests alike.
  it.live("2026-07-28: a URL elicitation's input request has no elicitationId, in a round and in a task", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ name: "answers", version: "1", tasks: McpServer.tasks() }, components)
      const capabilities = { elicitation: { url: {} } }
      const meta = { ...modern, "io.modelcontextprotocol/clientCapabilities": capabilities }
      const wanted = { mode: "url", message: "Sign in", url: "https://example.com/sign-in" }
      const round = (yield* request("tools/call", { name: "go_to", arguments: { task: false }, _meta: meta })).result
      assert.strictEqual(round.resultType, "input_required", JSON.stringify(round))
      assert.deepStrictEqual(Object.values(round.inputRequests), [{ method: "elicitation/create", params: wanted }])
      const key = Object.keys(round.inputRequests)[0]!
      const done = yield* request("tools/call", {
        name: "go_to",
        arguments: { task: false },
        _meta: meta,
        inputResponses: { [key]: { action: "accept" } },
        requestState: round.requestState
      })
      assert.strictEqual(textOf(done), JSON.stringify({ action: "accept" }))
      // As a task of the tasks extension: listed in tasks/get's inputRequests.
      const withTasks = {
        ...modern,
        "io.modelcontextprotocol/clientCapabilities": { ...capabilities, extensions: { "io.modelcontextprotocol/tasks": {} } }
      }
      const created = (yield* request("tools/call", { name: "go_to", arguments: { task: true }, _meta: withTasks })).result
      assert.strictEqual(created.resultType, "task", JSON.stringify(created))
      let waiting: any
      for (let i = 0; i < 200; i++) {
        waiting = (yield* request("tasks/get", { taskId: created.taskId, _meta: withTasks })).result
        if (waiting?.status === "input_required") break
        yield* Effect.sleep(10)
      }
      assert.strictEqual(waiting?.status, "input_required", JSON.stringify(waiting))
      assert.deepStrictEqual(Object.values(waiting.inputRequests), [{ method: "elicitation/create", params: wanted }])
    }))

  // Fails before: the question was sent and given up at once (a notifications/cancelled after
  // it): the handler got ClientRequestTimeout "within NaN ms", as if the user had not answered, or
  // the answer of a client quicker than that (this in-memory one: '{"action":"accept",…').
  it.live("2025-11-25: a timeoutMillis that is not a positive number is a RangeError, and nothing is sent", () =>
    Effect.gen(function*() {
      const { asked, call } = yield* legacySession((request) =>
        request.method === "elicitation/create" ? { action: "accept", content: { name: "Ada" } } : undefined
      )
      for (const timeoutMillis of ["NaN", "0", "-5"]) {
        const text = textOf(yield* call("ask_within", { timeoutMillis }))
        assert.strictEqual(
          text,
          `defect: RangeError: elicitation/create: timeoutMillis must be a positive number of milliseconds (Infinity: no timeout), got ${timeoutMillis}`
        )
      }
      assert.deepStrictEqual(asked.map((message) => message.method), [])
      // A positive timeout, and Infinity, still ask.
      const accepted = JSON.stringify({ action: "accept", content: { name: "Ada" } })
      assert.strictEqual(textOf(yield* call("ask_within", { timeoutMillis: "5000" })), accepted)
      assert.strictEqual(textOf(yield* call("ask_within", { timeoutMillis: "Infinity" })), accepted)
      assert.deepStrictEqual(asked.map((message) => message.method), ["elicitation/create", "elicitation/create"])
    }))

  it.live("2026-07-28: code that catches every cause asks its question only if it lets McpContext.isInputRequired causes through", () =>
    Effect.gen(function*() {
      const { request } = yield* serveInMemory({ name: "answers", version: "1" }, components)
      const call = (name: string, round: Record<string, unknown> = {}) =>
        request("tools/call", { name, arguments: {}, _meta: modern, ...round })
      const asked = (yield* call("guarded")).result
      assert.strictEqual(asked.resultType, "input_required", JSON.stringify(asked))
      const [key] = Object.keys(asked.inputRequests)
      const answer = { action: "accept", content: { name: "Ada" } }
      const answered = yield* call("guarded", { inputResponses: { [key!]: answer }, requestState: asked.requestState })
      assert.strictEqual(textOf(answered), JSON.stringify(answer))
      // What the docs warn of: the stop caught, the question is never asked.
      assert.strictEqual(textOf(yield* call("swallowing")), "caught")
    }))
})
