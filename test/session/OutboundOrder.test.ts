/**
 * Found by a fuzzing helper: the order of a pull session's output (stdio, in-memory) when its
 * outbound Queue is full. The writer fiber's `Queue.takeAll` resumes a handler waiting to offer
 * (`releaseCapacity`) inside the take; that handler ends, frees a request slot, and the reader,
 * paused for room in the FIFO, is resumed inside the same take: it reads on and writes the Queue's
 * newer contents (the response) with its batch before the writer has handed the older batch it
 * took to the connection.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { InMemory, McpContext, McpServer } from "../../src/index.ts"
import { recorder } from "../support/recorder.ts"

const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/** Sleeps `wait` ms, then reports progress `k` times without pause, then answers. */
const Chatty = McpServer.tool({
  name: "chatty",
  parameters: { k: Schema.Int, wait: Schema.Int },
  handler: ({ k, wait }) =>
    Effect.gen(function*() {
      if (wait > 0) yield* Effect.sleep(wait)
      for (let i = 0; i < k; i++) yield* McpContext.progress(i, k)
      return "done"
    })
})

/** A `chatty` call with id `id` (its progress token the id in lower case). */
const chatty = (id: string, k: number, wait: number) =>
  ({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "chatty", arguments: { k, wait }, _meta: { progressToken: id.toLowerCase() } }
  }) as never

describe("outbound order of a pull session", () => {
  it.live("a request's progress is written before its response while the outbound Queue is full and the FIFO was full", () =>
    Effect.gen(function*() {
      const pair = InMemory.makePair()
      const { received, record, waitFor } = recorder()
      pair.client.onmessage = record
      yield* Effect.forkScoped(McpServer.serve(
        { name: "order", version: "1.0.0" },
        Chatty,
        pair.server,
        { outboundCapacity: 2, maxConcurrentRequests: 1, maxQueuedRequests: 1 }
      ))
      yield* Effect.addFinalizer(() => Effect.promise(() => pair.client.close()))
      yield* Effect.promise(async () => {
        await pair.client.send({
          jsonrpc: "2.0",
          id: "init",
          method: "initialize",
          params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } }
        } as never)
        await waitFor((m) => m.id === "init")
        await pair.client.send({ jsonrpc: "2.0", method: "notifications/initialized" } as never)
        // H runs (the only slot), Q waits in the FIFO (full: the reader pauses), then a ping.
        await pair.client.send(chatty("H", 3, 20))
        await pair.client.send(chatty("Q", 1, 0))
        await sleep(2)
        await pair.client.send({ jsonrpc: "2.0", id: "P", method: "ping" } as never)
        await waitFor((m) => m.id === "Q")
        await sleep(20)
      })
      const ofH = received
        .filter((m) => m.id === "H" || (m.method === "notifications/progress" && m.params.progressToken === "h"))
        .map((m) => m.id === "H" ? "response" : `progress ${m.params.progress}`)
      // Fails before: ["progress 2", "progress 0", "response", "progress 1"]
      assert.deepStrictEqual(ofH, ["progress 0", "progress 1", "progress 2", "response"])
    }))
})
