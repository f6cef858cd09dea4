/**
 * JSON-RPC batches over stdio (MCP 2025-03-26: "MUST support receiving JSON-RPC batches"): the
 * everything server as a child process, raw NDJSON. A session that negotiated 2025-03-26 answers a
 * line holding an array with one line holding the array of its responses (JSON-RPC 2.0 §6); every
 * other version, and a session not initialized yet, keeps answering -32600.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const serverPath = fileURLToPath(new URL("../../examples/everything-server.ts", import.meta.url))

const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/** A spawned server, its stdout read line by line. */
interface Child {
  /** every stdout line parsed as JSON (`undefined` for a line that did not parse), in order */
  readonly lines: Array<any>
  readonly send: (value: unknown) => Promise<void>
  /** Sends the values as lines in one write (a pipelining client's). */
  readonly sendAll: (values: ReadonlyArray<unknown>) => Promise<void>
  /** The index of the first line (from `from`) that holds, waiting up to 10 s for it. */
  readonly waitFor: (predicate: (line: any) => boolean, from?: number) => Promise<number>
  readonly kill: () => void
}

const spawnServer = (): Child => {
  const child: ChildProcess = spawn(process.execPath, [serverPath], { stdio: ["pipe", "pipe", "pipe"] })
  const lines: Array<any> = []
  const stderr: Array<Buffer> = []
  let partial = ""
  child.stdout!.setEncoding("utf8")
  child.stdout!.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n")
    partial = parts.pop()!
    for (const line of parts) {
      try {
        lines.push(JSON.parse(line))
      } catch {
        lines.push(undefined)
      }
    }
  })
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk))
  child.stdin!.on("error", () => {})
  const send = (value: unknown) =>
    new Promise<void>((resolve, reject) => {
      child.stdin!.write(JSON.stringify(value) + "\n", (error) => (error ? reject(error) : resolve()))
    })
  const sendAll = (values: ReadonlyArray<unknown>) =>
    new Promise<void>((resolve, reject) => {
      child.stdin!.write(values.map((value) => JSON.stringify(value) + "\n").join(""), (error) => (error ? reject(error) : resolve()))
    })
  const waitFor = async (predicate: (line: any) => boolean, from = 0) => {
    const deadline = Date.now() + 10_000
    for (;;) {
      const index = lines.findIndex((line, i) => i >= from && line !== undefined && predicate(line))
      if (index !== -1) return index
      if (Date.now() > deadline) {
        throw new Error(`no such line; stdout: ${JSON.stringify(lines).slice(0, 3000)}; stderr: ${Buffer.concat(stderr).toString().slice(0, 2000)}`)
      }
      await sleep(5)
    }
  }
  return {
    lines,
    send,
    sendAll,
    waitFor,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    }
  }
}

/** Initializes `child` at `version` (the handshake: initialize, its answer checked, initialized). */
const initializeAt = async (child: Child, version: string) => {
  await child.send({
    jsonrpc: "2.0",
    id: "init",
    method: "initialize",
    params: { protocolVersion: version, capabilities: { sampling: {} }, clientInfo: { name: "raw-batch", version: "0" } }
  })
  const init = child.lines[await child.waitFor((line) => line.id === "init")]
  assert.strictEqual(init.result?.protocolVersion, version, JSON.stringify(init))
  await child.send({ jsonrpc: "2.0", method: "notifications/initialized" })
}

/** Spawns a server initialized at `version` (`undefined`: not initialized) for the body. */
const withServer = (version: string | undefined, body: (child: Child) => Promise<void>) =>
  Effect.tryPromise({
    try: async () => {
      const child = spawnServer()
      try {
        if (version !== undefined) await initializeAt(child, version)
        await body(child)
      } finally {
        child.kill()
      }
    },
    catch: (error) => error
  })

/**
 * One server initialized at `version` for the cases of a describe, as one client's session:
 * spawned by the first case that runs, killed after the last. For cases that read only the lines
 * from where they start up to their own answer or fence (`from`, {@link answersTo}), and leave
 * nothing running: a spawn of the everything server is Node's start and the library's loading
 * (about 1 s of CPU), once per case before. The cases run on it one at a time (two at once, under
 * `describe.concurrent`, would read each other's lines); a case that fails may leave its requests
 * running and its lines coming (a batch still unanswered, its ids in flight): its server is
 * killed, and the next case gets one of its own.
 */
const sharedServer = (version: string) => {
  let started: Promise<Child> | undefined
  let turn: Promise<unknown> = Promise.resolve()
  afterAll(async () => {
    const child = await started?.catch(() => undefined)
    child?.kill()
  })
  const start = async () => {
    const child = spawnServer()
    await initializeAt(child, version).catch((error) => {
      child.kill()
      throw error
    })
    return child
  }
  return (body: (child: Child) => Promise<void>) =>
    Effect.tryPromise({
      try: () => {
        const run = turn.then(async () => {
          const current = started ??= start()
          try {
            await body(await current)
          } catch (error) {
            if (started === current) started = undefined
            ;(await current.catch(() => undefined))?.kill()
            throw error
          }
        })
        turn = run.catch(() => undefined)
        return run
      },
      catch: (error) => error
    })
}

const call = (id: string | number, name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: meta === undefined ? { name, arguments: args } : { name, arguments: args, _meta: meta }
})
const ping = (id: string | number) => ({ jsonrpc: "2.0", id, method: "ping" })

/** Sends `value`, then a ping fence; the lines that came before the fence's answer. */
const answersTo = async (child: Child, value: unknown, fence: string): Promise<Array<any>> => {
  const from = child.lines.length
  await child.send(value)
  await child.send(ping(fence))
  const at = await child.waitFor((line) => line.id === fence, from)
  return child.lines.slice(from, at)
}

describe("JSON-RPC batches over stdio (MCP 2025-03-26)", () => {
  // The four cases of a 2025-03-26 session share one (each read from its own start), as a client's
  // batches do; the other versions and the uninitialized server below are a process each.
  const withSession = sharedServer("2025-03-26")

  it.live("a batch is answered with one array of its requests' responses, in order; notifications and invalid members as JSON-RPC says", () =>
    withSession(async (child) => {
      const from = child.lines.length
      await child.send([
        ping("a"),
        call("slow", "test_task_slow", { ms: 150, steps: 2 }, { progressToken: "p" }),
        { jsonrpc: "2.0", method: "notifications/roots/list_changed" },
        call("text", "test_simple_text"),
        42,
        { jsonrpc: "2.0", id: "init2", method: "initialize", params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "x", version: "0" } } },
        { jsonrpc: "2.0", id: "unknown", method: "no/such/method" },
        [ping("nested")]
      ])
      const at = await child.waitFor(Array.isArray, from)
      const answer = child.lines[at]
      assert.deepStrictEqual(answer.map((response: any) => response.id), ["a", "slow", "text", undefined, "init2", "unknown", undefined])
      assert.deepStrictEqual(answer[0], { jsonrpc: "2.0", id: "a", result: {} })
      assert.deepStrictEqual(answer[1].result.content, [{ type: "text", text: "done" }])
      assert.strictEqual(answer[2].result.content[0].type, "text")
      assert.strictEqual(answer[3].error.code, -32600)
      assert.strictEqual(answer[4].error.code, -32600)
      assert.include(answer[4].error.message, "initialize")
      assert.strictEqual(answer[5].error.code, -32601)
      assert.strictEqual(answer[6].error.code, -32600)
      // What the slow member sent while it ran went out on its own lines, before the array.
      const progress = child.lines.slice(from, at).filter((line) => line?.method === "notifications/progress")
      assert.deepStrictEqual(progress.map((line) => line.params.progress), [1, 2])
      assert.strictEqual(child.lines.slice(from, at).filter((line) => "id" in (line ?? {})).length, 0)
      // The session still works, one message at a time.
      assert.deepStrictEqual(await answersTo(child, ping("single"), "fence-1"), [{ jsonrpc: "2.0", id: "single", result: {} }])
    }))

  it.live("a batch of notifications (or of responses) gets no answer; an empty batch is -32600 (one error, no id)", () =>
    withSession(async (child) => {
      assert.deepStrictEqual(
        await answersTo(child, [
          { jsonrpc: "2.0", method: "notifications/roots/list_changed" },
          { jsonrpc: "2.0", id: 999, result: {} }
        ], "fence-1"),
        []
      )
      const empty = await answersTo(child, [], "fence-2")
      assert.strictEqual(empty.length, 1, JSON.stringify(empty))
      assert.isFalse(Array.isArray(empty[0]))
      assert.strictEqual(empty[0].error.code, -32600)
      assert.notProperty(empty[0], "id")
    }))

  it.live("a member cancelled while it runs gets no entry; a server→client request of a member goes out on its own line and its answer comes back", () =>
    withSession(async (child) => {
      const from = child.lines.length
      await child.send([
        call("slow", "test_task_slow", { ms: 5_000 }),
        call("sampled", "test_sampling", { prompt: "hi" }),
        ping("b")
      ])
      // The sampling request arrives on its own line while the batch is unanswered.
      const asked = child.lines[await child.waitFor((line) => line.method === "sampling/createMessage", from)]
      await child.send({
        jsonrpc: "2.0",
        id: asked.id,
        result: { role: "assistant", content: { type: "text", text: "sampled text" }, model: "m", stopReason: "endTurn" }
      })
      await child.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "slow", reason: "test" } })
      const answer = child.lines[await child.waitFor(Array.isArray, from)]
      assert.deepStrictEqual(answer.map((response: any) => response.id), ["sampled", "b"])
      assert.include(JSON.stringify(answer[0].result), "sampled text")
    }))

  // The 2025-03-26 spec: receivers of a cancellation "SHOULD: [...] Not send a response for the cancelled request". Over
  // stdio nothing waits for one; over Streamable HTTP the POST must answer each request it carries,
  // so there the member gets a -32800 entry (test/http/Batch.test.ts, docs/protocol-eras.md).
  it.live("a member cancelled by a notification of its own batch gets no entry (HTTP gives it -32800)", () =>
    withSession(async (child) => {
      const from = child.lines.length
      await child.send([
        call("slow", "test_task_slow", { ms: 5_000 }),
        { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "slow", reason: "test" } },
        ping("b")
      ])
      const answer = child.lines[await child.waitFor(Array.isArray, from)]
      assert.deepStrictEqual(answer.map((response: any) => response.id), ["b"])
    }))

  it.live("every other version, and before initialize, keeps -32600 for a batch", () =>
    Effect.gen(function*() {
      for (const version of [undefined, "2024-11-05", "2025-06-18", "2025-11-25"]) {
        yield* withServer(version, async (child) => {
          const answers = await answersTo(child, [ping("a")], "fence")
          assert.strictEqual(answers.length, 1, `${version}: ${JSON.stringify(answers)}`)
          assert.isFalse(Array.isArray(answers[0]), String(version))
          assert.strictEqual(answers[0].error.code, -32600)
          assert.include(answers[0].error.message, "batches are not supported")
        })
      }
    }))
})

describe("a pipelining client's handshake over stdio: the initialize answer comes first", () => {
  const initialize = {
    jsonrpc: "2.0",
    id: "init",
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: { elicitation: {} }, clientInfo: { name: "pipelined", version: "0" } }
  }
  const initialized = { jsonrpc: "2.0", method: "notifications/initialized" }
  // Fails before the fix: the tool's first log (its first step runs as the read is processed) and
  // its elicitation/create request were written before the initialize result (a batch's answers went
  // out behind what its requests' fibers had queued meanwhile): the client got a server message
  // before the handshake's answer (the lifecycle: the server sends nothing but pings and logging
  // before initialized; the client learns the version from that answer). With and without
  // notifications/initialized in the read.
  for (const [what, tool, args, withInitialized] of [
    ["logs", "test_tool_with_logging", {}, true],
    ["logs (no initialized notification)", "test_tool_with_logging", {}, false],
    ["elicitation/create", "test_elicitation", { message: "Who?" }, true]
  ] as const) {
    it.live(`initialize, ${withInitialized ? "notifications/initialized, " : ""}tools/call in one read: the tool's ${what} come after the initialize result`, () =>
      withServer(undefined, async (child) => {
        await child.sendAll([initialize, ...(withInitialized ? [initialized] : []), call("call", tool, args)])
        const first = await child.waitFor((line) => line.method !== undefined || line.id !== undefined)
        assert.strictEqual(first, 0, JSON.stringify(child.lines.slice(0, 3)))
        assert.strictEqual(child.lines[0].id, "init", JSON.stringify(child.lines.slice(0, 3)))
        assert.strictEqual(child.lines[0].result?.protocolVersion, "2025-11-25")
        if (tool === "test_elicitation") {
          const asked = child.lines[await child.waitFor((line) => line.method === "elicitation/create")]
          await child.send({ jsonrpc: "2.0", id: asked.id, result: { action: "decline" } })
        }
        const answer = child.lines[await child.waitFor((line) => line.id === "call" && line.method === undefined)]
        assert.isDefined(answer.result, JSON.stringify(answer))
        if (tool === "test_tool_with_logging") {
          const logs = child.lines.filter((line) => line?.method === "notifications/message")
          assert.strictEqual(logs.length, 3, JSON.stringify(child.lines))
        }
      }), 30_000)
  }
})
