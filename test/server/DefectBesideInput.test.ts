/**
 * MCP 2026-07-28: a handler stopped for input (its `elicit` has no answer yet) whose cause also
 * holds a defect of the server's (a branch that died, combined with `Cause.combine` as Effect
 * itself combines a finalizer's death with the failure before it). The defect is the server's bug
 * and must win (`McpError.hasServerDefect`): the masked -32603 (a tool's internal-error result),
 * the defect logged with its stack, not `input_required` with the defect lost.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import { InMemory, McpContext, McpError, McpServer, type Middleware } from "../../src/index.ts"
import { ErrorMapping } from "../../src/middleware/index.ts"
import { requestsOver } from "../support/inMemoryRequests.ts"

/** The other branch's defect: its message and a frame of this file in its stack. */
const branchDied = () => new Error("the cache branch died")

/** Asks for a name; stopped for it (no answer yet), its stop combined with the branch's defect. */
const both = Effect.flatMap(Effect.exit(Effect.orDie(McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })))), (exit) =>
  exit._tag === "Failure"
    ? Effect.failCause(Cause.combine(exit.cause, Cause.die(branchDied())))
    : Effect.succeed("answered"))

/** The stop alone (the control: input_required as before). */
const asks = Effect.as(Effect.orDie(McpContext.elicit("Name?", Schema.Struct({ name: Schema.String }))), "answered")

const Ask = McpServer.tool({ name: "ask", handler: () => both })
const AskPrompt = McpServer.prompt({ name: "ask", handler: () => both })
const AskOnly = McpServer.tool({ name: "ask_only", handler: () => asks })
const AskResource = McpServer.resource({ uri: "memo://ask", name: "ask", read: both })
const AskResourceOnly = McpServer.resource({ uri: "memo://ask-only", name: "ask_only", read: asks })

/** A prompt asking for a URL elicitation (2025-11-25's -32042, asked as input in 2026-07-28), beside a branch's defect. */
const urlRequired = new McpError.UrlElicitationRequired({
  elicitations: [{ mode: "url", elicitationId: "sign-in", url: "https://example.com/in", message: "Sign in" }]
})
const UrlPrompt = McpServer.prompt({
  name: "url",
  handler: () => Effect.failCause(Cause.combine(Cause.fail(urlRequired), Cause.die(branchDied())))
})
const UrlPromptOnly = McpServer.prompt({ name: "url_only", handler: () => Effect.fail(urlRequired) })

const meta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { elicitation: {} }
}

/** A server on an in-memory pair, what it logs kept (level, message and cause). */
const serveWith = (middleware?: ReadonlyArray<Middleware.Middleware>) => Effect.gen(function*() {
  const logged: Array<{ readonly level: string; readonly text: string }> = []
  const capture = Logger.make((entry) =>
    void logged.push({ level: entry.logLevel, text: `${String(entry.message)} ${Cause.pretty(entry.cause)}` })
  )
  const pair = InMemory.makePair()
  yield* Effect.forkScoped(
    McpServer.serve({ name: "defects", version: "1", middleware }, Layer.mergeAll(Ask, AskPrompt, AskOnly, AskResource, AskResourceOnly, UrlPrompt, UrlPromptOnly), pair.server).pipe(
      Effect.provide(Logger.layer([capture]))
    )
  )
  return { ...requestsOver(pair.client), logged }
})
const serve = serveWith()

/** The error lines logged that carry the branch's defect with its stack (a frame of this file). */
const defectLines = (logged: ReadonlyArray<{ readonly level: string; readonly text: string }>) =>
  logged.filter(({ level, text }) => level === "Error" && text.includes("the cache branch died") && text.includes("DefectBesideInput.test.ts"))

describe("2026-07-28: a defect beside a handler's stop for input", () => {
  // Fails before: answered input_required, nothing logged (the defect lost).
  it.live("a tool: its internal-error result, the defect logged with its stack", () =>
    Effect.gen(function*() {
      const { logged, request } = yield* serve
      const control = (yield* request("tools/call", { name: "ask_only", arguments: {}, _meta: meta })).result
      assert.strictEqual(control?.resultType, "input_required", JSON.stringify(control))
      const answered = yield* request("tools/call", { name: "ask", arguments: {}, _meta: meta })
      assert.deepInclude(answered.result, {
        content: [{ type: "text", text: "Tool ask failed: internal error" }],
        isError: true
      }, JSON.stringify(answered))
      assert.notStrictEqual(answered.result?.resultType, "input_required")
      assert.strictEqual(defectLines(logged).length, 1, JSON.stringify(logged))
    }))

  // Fails before: answered input_required, nothing logged.
  it.live("a prompt: the masked -32603, the defect logged with its stack", () =>
    Effect.gen(function*() {
      const { logged, request } = yield* serve
      const answered = yield* request("prompts/get", { name: "ask", _meta: meta })
      assert.deepStrictEqual(answered.error, { code: -32603, message: "Internal error" }, JSON.stringify(answered))
      assert.strictEqual(defectLines(logged).length, 1, JSON.stringify(logged))
    }))

  // The other paths that read the stop (LowLevelServer's inputRequiredOr): a resource's read, and a
  // URL elicitation asked the 2026 way; each alone (the control) still input_required.
  it.live("a resource, and a prompt's URL elicitation: the masked -32603, the defect logged; each alone still input_required", () =>
    Effect.gen(function*() {
      const { logged, request } = yield* serve
      const meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": { elicitation: { form: {}, url: {} } }
      }
      for (const [method, params] of [["resources/read", { uri: "memo://ask-only" }], ["prompts/get", { name: "url_only" }]] as const) {
        const control = (yield* request(method, { ...params, _meta: meta })).result
        assert.strictEqual(control?.resultType, "input_required", `${method} ${JSON.stringify(control)}`)
      }
      let expected = 0
      for (const [method, params] of [["resources/read", { uri: "memo://ask" }], ["prompts/get", { name: "url" }]] as const) {
        const answered = yield* request(method, { ...params, _meta: meta })
        assert.deepStrictEqual(answered.error, { code: -32603, message: "Internal error" }, `${method} ${JSON.stringify(answered)}`)
        assert.strictEqual(defectLines(logged).length, ++expected, JSON.stringify(logged))
      }
    }))

  // Under ErrorMapping unmasked (`maskDefects: false`), the answer's message is the defect's, not
  // the stop's: fails before, a prompt and a resource answered -32603 "InputRequiredSignal" (the
  // first reason of the cause, the server's internal stop), the branch's message hidden.
  it.live("under ErrorMapping with maskDefects: false: the defect's message, not the stop's", () =>
    Effect.gen(function*() {
      const { logged, request } = yield* serveWith([ErrorMapping.middleware({ maskDefects: false })])
      for (const [method, params] of [["prompts/get", { name: "ask" }], ["resources/read", { uri: "memo://ask" }]] as const) {
        const answered = yield* request(method, { ...params, _meta: meta })
        assert.strictEqual(answered.error?.code, -32603, `${method} ${JSON.stringify(answered)}`)
        assert.include(answered.error.message, "the cache branch died", `${method} ${JSON.stringify(answered)}`)
        assert.notInclude(answered.error.message, "InputRequiredSignal", `${method} ${JSON.stringify(answered)}`)
      }
      assert.strictEqual(defectLines(logged).length, 2, JSON.stringify(logged))
    }))
})
