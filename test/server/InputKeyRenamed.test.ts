/**
 * An `inputKey` a handler chooses twice (two questions under "confirm") is unique in the round: the
 * second question stands under a key the server makes from it (`confirm-<n>`). Another branch may
 * choose that very spelling for a question of its own: when the branches ask in another order in
 * the next round, the renamed question must not take the answer the client gave to the other
 * branch's question. The SDK v2 client pinned to 2026-07-28 over Streamable HTTP (it answers each
 * listed input by its message).
 */
import { assert, describe, it } from "@effect/vitest"
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "../../src/index.ts"
import { sdk } from "../e2e/harness.ts"
import { serveHttp } from "../extensions/support.ts"

const Text = Schema.Struct({ text: Schema.String })

/** The answer to `question` (under `inputKey`). */
const ask = (question: string, inputKey: string) =>
  Effect.map(
    Effect.orDie(McpContext.elicit(question, Text, { inputKey })),
    (answer) => answer.action === "accept" ? answer.content.text : answer.action
  )

/** How many times the handler ran: the second branch waits for the first from the second round on. */
let runs = 0

/**
 * One branch asks "First?" then "Second?", both under "confirm" (the second renamed); the other
 * asks "Other?" under "confirm-3", the spelling the renamed question gets when it is the third
 * asked in its round: at once in the first round (before "Second?" is reached), and from the
 * second round on only once "Second?" was asked (answered, or the round stopped for it), as a
 * branch whose step became slow would. Waited for, not a fixed time the first branch may outlast
 * on a loaded machine (then "Other?" was asked first in the second round too, and the renamed
 * question never stood under "confirm-3").
 */
const Branches = McpServer.tool({
  name: "branches",
  handler: () =>
    Effect.suspend(() => {
      const slow = runs++ > 0
      const secondAsked = Deferred.makeUnsafe<void>()
      return Effect.map(
        Effect.all([
          Effect.all([ask("First?", "confirm"), Effect.ensuring(ask("Second?", "confirm"), Deferred.succeed(secondAsked, undefined))]),
          Effect.andThen(slow ? Deferred.await(secondAsked) : Effect.void, ask("Other?", "confirm-3"))
        ], { concurrency: 2 }),
        ([[first, second], other]) => JSON.stringify({ first, second, other })
      )
    })
})

describe("a chosen inputKey asked twice, renamed", () => {
  // Fails before: in round 2 the renamed "Second?" stood under confirm-3 and took the answer the
  // user gave to "Other?" (chosen confirm-3 in round 1), and "Other?" was asked again.
  it.live("2026-07-28 (SDK v2 client): the renamed question never takes the answer of another branch's chosen key", () =>
    Effect.gen(function*() {
      runs = 0
      const { url } = yield* serveHttp({ name: "keys", version: "1" }, Branches)
      const asked: Array<string> = []
      const client = yield* Effect.acquireRelease(
        Effect.gen(function*() {
          const client = new Client({ name: "keys", version: "1" }, {
            capabilities: { elicitation: { form: {} } },
            versionNegotiation: { mode: { pin: "2026-07-28" } as never }
          })
          client.setRequestHandler("elicitation/create", async (request: any) => {
            asked.push(request.params.message)
            return { action: "accept", content: { text: `answer to ${request.params.message}` } }
          })
          yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url))))
          return client
        }),
        (client) => Effect.promise(() => client.close().catch(() => undefined))
      )
      const result: any = yield* sdk(() => client.callTool({ name: "branches", arguments: {} }))
      const text = result.content?.[0]?.text as string
      assert.deepStrictEqual(
        JSON.parse(text),
        { first: "answer to First?", second: "answer to Second?", other: "answer to Other?" },
        `asked: ${JSON.stringify(asked)}`
      )
      assert.deepStrictEqual([...asked].sort(), ["First?", "Other?", "Second?"], "each question asked once")
    }))
})
