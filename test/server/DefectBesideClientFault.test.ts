/**
 * A failed request whose cause holds both the client's fault and a defect of the server's: a
 * handler runs two branches in parallel, one makes the client's invalid answer to a form a defect
 * (`Effect.orDie`, as the guides do), the other dies as it is stopped (a finalizer of its own).
 * The defect is the server's bug and must win (`McpError.hasServerDefect`): the masked -32603 (a
 * tool's "internal error" result) and the defect logged with its stack, not the -32602 of the
 * client's answer with nothing logged.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import { InMemory, McpContext, McpError, McpServer } from "../../src/index.ts"
import { ErrorMapping } from "../../src/middleware/index.ts"
import { requestsOver } from "../support/inMemoryRequests.ts"

/** The defect of the other branch: its message and a frame of this file in its stack. */
const branchDied = () => new Error("the cache branch died")

/** Asks for a name (the client answers content that does not match) beside a branch that dies when stopped. */
const both = Effect.flatMap(Deferred.make<void>(), (started) =>
  Effect.all([
    // Asked once the other branch waits (its finalizer in place): the two fail together.
    Effect.andThen(
      Deferred.await(started),
      Effect.andThen(Effect.yieldNow, McpContext.elicit("Name?", Schema.Struct({ name: Schema.String })).pipe(Effect.orDie))
    ),
    Effect.andThen(Deferred.succeed(started, undefined), Effect.never).pipe(
      Effect.ensuring(Effect.suspend(() => Effect.die(branchDied())))
    )
  ], { concurrency: 2 })).pipe(Effect.as("never"))

const Ask = McpServer.tool({ name: "ask", handler: () => both })
const AskPrompt = McpServer.prompt({ name: "ask", handler: () => both })
/**
 * A typed failure (-32602) and a defect in one cause, as code that combines causes makes it
 * (`Cause.combine`: Effect 4 itself makes a failure a defect when a finalizer dies after it).
 */
const Typed = McpServer.prompt({
  name: "typed",
  handler: () => Effect.failCause(Cause.combine(Cause.fail(McpError.invalidParams("bad argument")), Cause.die(branchDied())))
})

const invalid = { action: "accept", content: { name: 5 } }

/** A 2025-11-25 session on an in-memory pair whose client answers every elicitation `invalid`; what the server logs kept (message and cause). */
const serve = (middleware: Layer.Layer<never, never, McpServer.McpServer> = Layer.empty) => Effect.gen(function*() {
  const logged: Array<{ readonly level: string; readonly text: string }> = []
  const capture = Logger.make((entry) =>
    void logged.push({ level: entry.logLevel, text: `${String(entry.message)} ${Cause.pretty(entry.cause)}` })
  )
  const pair = InMemory.makePair()
  yield* Effect.forkScoped(
    McpServer.serve({ name: "defects", version: "1" }, Layer.mergeAll(Ask, AskPrompt, Typed, middleware), pair.server).pipe(
      Effect.provide(Logger.layer([capture]))
    )
  )
  const { notify, request } = requestsOver(pair.client)
  const ours = pair.client.onmessage!
  pair.client.onmessage = (message: any) => {
    if ("method" in message && "id" in message) {
      if (message.method === "elicitation/create") void pair.client.send({ jsonrpc: "2.0", id: message.id, result: invalid } as never)
      return
    }
    ours(message as never)
  }
  yield* request("initialize", { protocolVersion: "2025-11-25", capabilities: { elicitation: {} }, clientInfo: { name: "c", version: "1" } })
  yield* notify("notifications/initialized")
  return { request, logged }
})

/** The error lines logged that carry the branch's defect with its stack (a frame of this file). */
const defectLines = (logged: ReadonlyArray<{ readonly level: string; readonly text: string }>) =>
  logged.filter(({ level, text }) =>
    level === "Error" && text.includes("the cache branch died") && text.includes("DefectBesideClientFault.test.ts")
  )

describe("a defect beside the client's fault", () => {
  // Fails before: answered -32602 "Invalid params: The client's answer does not match the form…",
  // and nothing logged: the branch's defect was lost.
  it.live("a prompt: the masked -32603, the defect logged with its stack", () =>
    Effect.gen(function*() {
      const { logged, request } = yield* serve()
      const answered = yield* request("prompts/get", { name: "ask" })
      assert.deepStrictEqual(answered.error, { code: -32603, message: "Internal error" }, JSON.stringify(answered))
      assert.strictEqual(defectLines(logged).length, 1, JSON.stringify(logged))
    }))

  // Fails before: answered -32602 as the client's invalid answer, nothing logged.
  it.live("a tool: its internal-error result, the defect logged with its stack", () =>
    Effect.gen(function*() {
      const { logged, request } = yield* serve()
      const answered = yield* request("tools/call", { name: "ask", arguments: {} })
      assert.deepStrictEqual(answered.result, {
        content: [{ type: "text", text: "Tool ask failed: internal error" }],
        isError: true
      }, JSON.stringify(answered))
      assert.strictEqual(defectLines(logged).length, 1, JSON.stringify(logged))
    }))

  // Fails before: -32602 "bad argument", nothing logged (the typed failure answered first); under
  // ErrorMapping, the session's "Internal error" (a cause with an McpError was left as it was), not its defectMessage.
  it.live("a typed failure beside a defect, with and without ErrorMapping: -32603 and the defect logged with its stack", () =>
    Effect.gen(function*() {
      const plain = yield* serve()
      const answered = yield* plain.request("prompts/get", { name: "typed" })
      assert.deepStrictEqual(answered.error, { code: -32603, message: "Internal error" }, JSON.stringify(answered))
      assert.strictEqual(defectLines(plain.logged).length, 1, JSON.stringify(plain.logged))
      const mapped = yield* serve(McpServer.middleware(ErrorMapping.middleware({ defectMessage: "Something broke" })))
      for (const name of ["typed", "ask"]) {
        const answer = yield* mapped.request("prompts/get", { name })
        assert.deepStrictEqual(answer.error, { code: -32603, message: "Something broke" }, JSON.stringify(answer))
      }
      assert.strictEqual(defectLines(mapped.logged).length, 2, JSON.stringify(mapped.logged))
    }))
})
