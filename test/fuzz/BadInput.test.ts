/**
 * A seeded, bounded bad-input fuzzer: the everything server over Streamable HTTP on 127.0.0.1
 * (in-process; stateful and stateless; 2025-11-25 and 2025-03-26 sessions, 2026-07-28 requests
 * with their `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` headers and `_meta`), through the
 * web-standard handler (`Request` objects, no socket: the path of other platforms), and over stdio
 * (two child processes: a 2025-03-26 session, which takes batches, and a 2026-07-28 connection),
 * given mutations of valid messages (`mutations.ts`: fields dropped, renamed, retyped; odd ids;
 * params of the wrong type; batches; unknown methods; responses to nothing; cancellations of
 * unknown ids; long strings; deep nesting; bytes that are not UTF-8, a BOM, NUL, truncation,
 * trailing garbage; `__proto__` keys; headers that disagree with the body, repeated, wrong media
 * types; lying or cut framing).
 *
 * After each input the oracle asks: every JSON-RPC message sent back is well formed, an error of a
 * code MCP allows for bad input (never -32603) with a short message, or a result; a request whose
 * id can be read is answered with that id (once, over stdio); nothing hangs; a valid request right
 * after (and one concurrent with it, on another session) is answered right; the server logs no
 * error or defect and prints nothing on stderr of the kind; no unhandled rejection; the heap after
 * GC does not grow without bound.
 *
 * The seeds and counts are fixed (CI runs the same cases each time, in seconds; the three tests run
 * one after the other: run together, the servers and children starting at once in one worker on a
 * loaded machine missed the 5 s bound on the first cases); set `FUZZ_ROUNDS`
 * (cases per seed and transport), `FUZZ_SEEDS` (comma-separated) to run more, `FUZZ_OUT` (a file
 * each problem is appended to as found) and `FUZZ_VERBOSE` (case counts, heap sizes).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { request as httpRequest } from "node:http"
import { appendFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { components, options } from "../../examples/everything-server.ts"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import { WebHandler } from "../../src/web.ts"
import { startNode, kill, type NodeChild } from "../support/child.ts"
import { heapAfterGc } from "../support/heap.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { BATCHING, type Case, dueIds, generate, LEGACY, MODERN, modernMeta } from "./mutations.ts"

const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 20)
const SEEDS = (process.env.FUZZ_SEEDS ?? "1,2").split(",").map(Number)
/** How long an answer may take (a loaded 2-core machine). */
const BOUND = 5_000

/**
 * The codes bad input may get: JSON-RPC's own, MCP's (-32002 before 2026, -32020…-32022), and the
 * server's documented ones (-32000 unavailable, -32001 no such session, 429 a limit). Never -32603:
 * an internal error means the input reached code that did not expect it.
 */
const allowedCodes = new Set([-32700, -32600, -32601, -32602, -32002, -32020, -32021, -32022, -32000, -32001, 429])

/** What the oracle found wrong with one case. */
const problems: Array<string> = []
const flag = (c: Case, transport: string, what: string) => {
  const line = `${transport} [${c.label}]: ${what}`.slice(0, 600)
  problems.push(line)
  // FUZZ_OUT: a file each problem is appended to as found (a long local run).
  if (process.env.FUZZ_OUT) appendFileSync(process.env.FUZZ_OUT, `${line}\n`)
}

/** Checks one JSON-RPC message the server sent in answer to `c`. */
const checkMessage = (c: Case, transport: string, message: any) => {
  if (Array.isArray(message)) {
    for (const each of message) checkMessage({ ...c, id: undefined }, transport, each)
    return
  }
  if (message === null || typeof message !== "object" || message.jsonrpc !== "2.0") {
    return flag(c, transport, `not a JSON-RPC message: ${JSON.stringify(message)?.slice(0, 200)}`)
  }
  if (!("id" in message)) return // a notification of the server's (progress, a log)
  if (("result" in message) === ("error" in message)) return flag(c, transport, `neither or both result and error: ${JSON.stringify(message).slice(0, 200)}`)
  if ("error" in message) {
    const { code, message: text } = message.error ?? {}
    if (!Number.isSafeInteger(code) || typeof text !== "string") return flag(c, transport, `malformed error ${JSON.stringify(message.error).slice(0, 200)}`)
    if (!allowedCodes.has(code)) flag(c, transport, `code ${code}: ${text.slice(0, 200)}`)
    if (text.length > 2_000) flag(c, transport, `error message of ${text.length} characters`)
  }
}

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

interface HttpAnswer {
  readonly status: number
  readonly headers: Record<string, unknown>
  readonly body: string
  /** The JSON-RPC messages of the answer (a JSON body, or an SSE stream's events until the response). */
  readonly messages: ReadonlyArray<unknown>
}

/**
 * POSTs `body` to `/mcp` with `headers` (arrays are repeated headers) as `framing` says; resolves
 * with the answer, or `"no answer"` after `bound` ms. An SSE answer is read until it holds a
 * JSON-RPC response (or the bound), then dropped.
 */
const send = (
  port: number,
  headers: Record<string, string | ReadonlyArray<string> | null>,
  body: Buffer,
  framing: Case["framing"],
  bound: number
): Promise<HttpAnswer | "no answer" | "closed"> =>
  new Promise((resolve) => {
    const sent: Record<string, string | Array<string>> = {}
    for (const [name, value] of Object.entries(headers)) if (value !== null) sent[name] = value as string | Array<string>
    if (framing === "length") sent["content-length"] = String(body.length)
    else if (framing === "short-length") sent["content-length"] = String(Math.max(0, body.length - 1 - (body.length >> 2)))
    else if (framing === "long-length") sent["content-length"] = String(body.length + 10)
    let settled = false
    const done = (answer: HttpAnswer | "no answer" | "closed") => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      request.destroy()
      resolve(answer)
    }
    const timer = setTimeout(() => done("no answer"), bound)
    const request = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/mcp", headers: sent, agent: false }, (response) => {
      const chunks: Array<Buffer> = []
      const sse = String(response.headers["content-type"] ?? "").includes("text/event-stream")
      const answer = (): HttpAnswer => {
        const text = Buffer.concat(chunks).toString()
        const messages: Array<unknown> = []
        if (sse) {
          // Whole lines only: a chunk may end inside one.
          for (const line of text.slice(0, text.lastIndexOf("\n") + 1).split("\n")) {
            if (line.startsWith("data:") && line.slice(5).trim() !== "") {
              try {
                messages.push(JSON.parse(line.slice(5)))
              } catch {
                messages.push(`unparsable SSE data: ${line.slice(0, 100)}`)
              }
            }
          }
        } else if (text !== "") {
          try {
            messages.push(JSON.parse(text))
          } catch {
            // a non-JSON body is checked by its status
          }
        }
        return { status: response.statusCode ?? 0, headers: response.headers, body: text, messages }
      }
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk)
        if (sse) {
          const now = answer()
          // A listen's acknowledgement (its stream stays open); other streams end with their
          // answers (a batch's: each member's).
          if (now.messages.some((m: any) => m?.method === "notifications/subscriptions/acknowledged")) done(now)
        }
      })
      response.on("end", () => done(answer()))
      response.on("error", () => done(answer()))
    })
    request.on("error", () => done("closed"))
    if (framing === "chunked" || framing === "chunked-cut") {
      const half = body.length >> 1
      request.write(body.subarray(0, half))
      if (framing === "chunked-cut") setTimeout(() => done("closed"), 200)
      else setTimeout(() => request.end(body.subarray(half)), 20)
    } else request.end(body)
  })

const json = (port: number, headers: Record<string, string>, message: unknown) =>
  send(port, { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, Buffer.from(JSON.stringify(message)), "length", BOUND)

/**
 * `send` for the web-standard handler (a `Request`, no socket): repeated headers go as the platform
 * joins them; the framing is the platform's. An SSE answer is read until it holds a response.
 */
const sendWeb = async (
  handler: (request: Request) => Promise<Response>,
  headers: Record<string, string | ReadonlyArray<string> | null>,
  body: Buffer,
  bound: number
): Promise<HttpAnswer | "no answer"> => {
  const sent = new Headers()
  for (const [name, value] of Object.entries(headers)) {
    if (value === null) continue
    for (const each of typeof value === "string" ? [value] : value) sent.append(name, each)
  }
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), bound)
  try {
    const response = await handler(new Request("http://127.0.0.1/mcp", { method: "POST", headers: sent, body, signal: controller.signal }))
    const sse = (response.headers.get("content-type") ?? "").includes("text/event-stream")
    let text = ""
    const messages: Array<unknown> = []
    if (response.body !== null) {
      const reader = response.body.getReader()
      const decoder = new TextDecoder()
      for (;;) {
        const { done, value } = await Promise.race([
          reader.read(),
          new Promise<{ done: true; value: undefined }>((resolve) => controller.signal.addEventListener("abort", () => resolve({ done: true, value: undefined })))
        ])
        if (value !== undefined) text += decoder.decode(value, { stream: true })
        if (sse) {
          messages.length = 0
          for (const line of text.slice(0, text.lastIndexOf("\n") + 1).split("\n")) {
            if (line.startsWith("data:") && line.slice(5).trim() !== "") messages.push(JSON.parse(line.slice(5)))
          }
          if (messages.some((m: any) => m?.method === "notifications/subscriptions/acknowledged")) {
            void reader.cancel()
            break
          }
        }
        if (done) break
      }
    }
    if (!sse && text !== "") {
      try {
        messages.push(JSON.parse(text))
      } catch {
        // checked by its status
      }
    }
    const responseHeaders: Record<string, string> = {}
    for (const [name, value] of response.headers) responseHeaders[name] = value
    return { status: response.status, headers: responseHeaders, body: text, messages }
  } catch {
    return "no answer"
  } finally {
    clearTimeout(timer)
  }
}

/** The version each session negotiated, which its requests name. */
const versionOf = new Map<string, string>()

const openSession = async (port: number, version = LEGACY): Promise<string> => {
  const answer = await json(port, {}, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "fuzz", version: "1" } }
  })
  if (typeof answer === "string" || answer.status !== 200) throw new Error(`initialize: ${JSON.stringify(answer)}`)
  const session = String(answer.headers["mcp-session-id"])
  versionOf.set(session, version)
  await json(port, { "mcp-session-id": session, "mcp-protocol-version": version }, { jsonrpc: "2.0", method: "notifications/initialized" })
  return session
}

/** A valid `tools/list` (2025 on `session`, or 2026 without one) and whether it got every tool. */
const toolsListed = async (port: number, session: string | undefined, id: string, tools: number): Promise<string | undefined> => {
  const answer = session === undefined
    ? await json(port, { "mcp-protocol-version": MODERN, "mcp-method": "tools/list" }, {
      jsonrpc: "2.0",
      id,
      method: "tools/list",
      params: { _meta: modernMeta() }
    })
    : await json(port, { "mcp-session-id": session, "mcp-protocol-version": versionOf.get(session)! }, { jsonrpc: "2.0", id, method: "tools/list" })
  if (typeof answer === "string") return answer
  const message: any = answer.messages[0]
  if (answer.status !== 200 || message?.id !== id || message?.result?.tools?.length !== tools) {
    return `${answer.status} ${answer.body.slice(0, 300)}`
  }
  return undefined
}


/** Checks the answer `c` got over HTTP (`transport` names the server and era). */
const checkHttp = (c: Case, transport: string, answer: HttpAnswer | "no answer" | "closed", batching: boolean) => {
  const framed = c.framing === "length" || c.framing === "chunked" || c.framing === "short-length"
  if (answer === "no answer") {
    if (framed) flag(c, transport, "no answer")
    return
  }
  if (answer === "closed") {
    if (framed && c.framing !== "short-length") flag(c, transport, "connection closed without an answer")
    return
  }
  if (answer.status >= 500) return flag(c, transport, `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`)
  if (![200, 202, 400, 404, 405, 406, 408, 409, 413, 415, 429].includes(answer.status)) {
    flag(c, transport, `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`)
  }
  if (answer.status === 202 && c.intact && c.request) flag(c, transport, "a request taken with 202 (never answered)")
  if (answer.status !== 202 && answer.body !== "" && answer.messages.length === 0) {
    flag(c, transport, `HTTP ${answer.status} body is not JSON-RPC: ${answer.body.slice(0, 200)}`)
  }
  for (const message of answer.messages) checkMessage(c, transport, message)
  // 2026-07-28 statuses (the spec's HTTP section): a header, capability or version refusal is 400,
  // an unknown method 404, an unreadable message 400.
  const first: any = answer.messages[0]
  if (c.headers["mcp-protocol-version"] === MODERN && first?.error !== undefined && !Array.isArray(first)) {
    const code = first.error.code
    const expected = [-32020, -32021, -32022, -32700, -32600].includes(code) ? [400, 406, 409, 413, 415] : code === -32601 ? [404] : code === -32602 ? [200, 400] : [200]
    if (!expected.includes(answer.status)) flag(c, transport, `2026-07-28: ${code} with HTTP ${answer.status}: ${answer.body.slice(0, 200)}`)
  }
  // A request whose id can be read is answered with that id, whatever is wrong with it (once its
  // body is read: not a 406, 415 or 413, refused by their headers or size).
  // A batch refused whole (its headers) has no id to answer with.
  const batch = c.body[0] === 0x5b
  if ((batch ? [200] : [200, 400, 404, 409]).includes(answer.status) && c.framing !== "short-length") {
    const flat = answer.messages.flatMap((m) => Array.isArray(m) ? m : [m]) as Array<any>
    for (const id of dueIds(c.body, batching)) {
      if (!flat.some((m) => m?.id === id)) flag(c, transport, `no answer with the id ${JSON.stringify(id).slice(0, 40)}: ${answer.status} ${answer.body.slice(0, 200)}`)
    }
  }
  if (c.id !== undefined && answer.status === 200) {
    const ours = answer.messages.find((m: any) => m !== null && typeof m === "object" && ("result" in m || "error" in m)) as any
    if (ours !== undefined && ours.id !== c.id) flag(c, transport, `answered with id ${JSON.stringify(ours.id)?.slice(0, 60)}, not ${JSON.stringify(c.id)}`)
  }
}

describe("bad-input fuzzer", () => {
  it.live("Streamable HTTP (stateful and stateless; 2025-11-25, 2025-03-26 and 2026-07-28): every case answered right, the server unharmed", () =>
    Effect.gen(function*() {
      const logged: Array<string> = []
      const capture = Logger.make((entry) => {
        const level = String(entry.logLevel)
        if (level === "Error" || level === "Fatal" || Cause.hasDies(entry.cause)) {
          logged.push(`${level} ${String(entry.message)} ${Cause.pretty(entry.cause)}`.slice(0, 600))
        }
      })
      const serve = (stateless: boolean) =>
        serveOnAnyPort(
          (port) => McpServer.serve(options, components, StreamableHttp.make({ host: "127.0.0.1", port, stateless })),
          { loggers: [capture] }
        )
      const stateful = yield* serve(false)
      const stateless = yield* serve(true)
      const { tools, sessions, control } = yield* Effect.promise(async () => {
        const sessions = { "2025": await openSession(stateful.port), "2025-03": await openSession(stateful.port, BATCHING) }
        const control = await openSession(stateful.port)
        const listed = await json(stateful.port, { "mcp-protocol-version": LEGACY, "mcp-session-id": control }, { jsonrpc: "2.0", id: "t", method: "tools/list" })
        const tools = typeof listed === "string" ? 0 : (listed.messages[0] as any).result.tools.length
        return { tools, sessions, control }
      })
      assert.isAbove(tools, 10)
      const rejections: Array<string> = []
      const onRejection = (reason: unknown) => void rejections.push(String(reason))
      process.on("unhandledRejection", onRejection)
      yield* Effect.addFinalizer(() => Effect.sync(() => process.off("unhandledRejection", onRejection)))
      const heaps: Array<number> = []
      let cases = 0
      for (const seed of SEEDS) {
        for (let n = 0; n < ROUNDS; n++) {
          const c = generate(seed, n, { http: true })
          const server = n % 2 === 0 ? stateful : stateless
          const transport = `http ${server === stateful ? "stateful" : "stateless"} ${c.era}`
          const headers = { ...c.headers }
          const session = server === stateful && c.era !== "2026" ? sessions[c.era] : undefined
          if (session !== undefined && !("mcp-session-id" in headers)) headers["mcp-session-id"] = session
          const [answer, concurrent] = yield* Effect.promise(() =>
            Promise.all([
              send(server.port, headers, c.body, c.framing, c.framing === "long-length" || c.framing === "chunked-cut" ? 1_000 : BOUND),
              toolsListed(stateful.port, control, `ctl-${seed}-${n}`, tools)
            ])
          )
          cases++
          checkHttp(c, transport, answer, session !== undefined && c.era === "2025-03")
          if (concurrent !== undefined) flag(c, transport, `a concurrent request on another session: ${concurrent}`)
          const after = yield* Effect.promise(() =>
            toolsListed(server.port, session, `after-${seed}-${n}`, tools)
          )
          if (after !== undefined) flag(c, transport, `the next valid request: ${after}`)
          if (n % Math.max(1, Math.floor(ROUNDS / 4)) === 0) heaps.push(heapAfterGc())
        }
      }
      heaps.push(heapAfterGc())
      if (process.env.FUZZ_VERBOSE) console.log(`http: ${cases} cases, heap after GC (MB): ${heaps.map((h) => h.toFixed(1)).join(" ")}`)
      assert.deepStrictEqual(problems.filter((p) => p.startsWith("http")), [])
      assert.deepStrictEqual(logged, [])
      assert.deepStrictEqual(rejections, [])
      // The heap after GC: bounded, whatever the number of rounds (the first look is after one case).
      assert.isBelow(heaps.at(-1)! - heaps[0]!, 64, `heap after GC (MB): ${heaps.join(" ")}`)
    }), Math.max(120_000, ROUNDS * SEEDS.length * 400))

  it.live("the web-standard handler (stateful; 2025-11-25, 2025-03-26 and 2026-07-28): every case answered right", () =>
    Effect.gen(function*() {
      const web = yield* Effect.acquireRelease(
        Effect.sync(() => WebHandler.make(options, components, {})),
        (web) => Effect.promise(() => web.dispose())
      )
      const rejections: Array<string> = []
      const onRejection = (reason: unknown) => void rejections.push(String(reason))
      process.on("unhandledRejection", onRejection)
      yield* Effect.addFinalizer(() => Effect.sync(() => process.off("unhandledRejection", onRejection)))
      const open = async (version: string) => {
        const answer = await sendWeb(web.handler, { "content-type": "application/json", accept: "application/json, text/event-stream" }, Buffer.from(JSON.stringify({
          jsonrpc: "2.0",
          id: 0,
          method: "initialize",
          params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "fuzz", version: "1" } }
        })), BOUND)
        if (typeof answer === "string" || answer.status !== 200) throw new Error(`initialize: ${JSON.stringify(answer)}`)
        const session = String(answer.headers["mcp-session-id"])
        await sendWeb(web.handler, { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": session, "mcp-protocol-version": version }, Buffer.from(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })), BOUND)
        return session
      }
      const sessions = yield* Effect.promise(async () => ({ "2025": await open(LEGACY), "2025-03": await open(BATCHING) }))
      let cases = 0
      for (const seed of SEEDS) {
        for (let n = 0; n < ROUNDS; n++) {
          const c = generate(seed, n, { http: true })
          if (c.framing !== "length") continue
          const transport = `web ${c.era}`
          const session = c.era === "2026" ? undefined : sessions[c.era]
          const headers = { ...c.headers }
          if (session !== undefined && !("mcp-session-id" in headers)) headers["mcp-session-id"] = session
          const answer = yield* Effect.promise(() => sendWeb(web.handler, headers, c.body, BOUND))
          cases++
          checkHttp(c, transport, answer, c.era === "2025-03")
          const after = yield* Effect.promise(() =>
            sendWeb(
              web.handler,
              session === undefined
                ? { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": MODERN, "mcp-method": "tools/list" }
                : { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": c.era === "2025" ? LEGACY : BATCHING, "mcp-session-id": session },
              Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: `after-${n}`, method: "tools/list", params: session === undefined ? { _meta: modernMeta() } : {} })),
              BOUND
            )
          )
          const listed: any = typeof after === "string" ? undefined : after.messages[0]
          if (listed?.result?.tools === undefined) flag(c, transport, `the next valid request: ${typeof after === "string" ? after : `${after.status} ${after.body.slice(0, 200)}`}`)
        }
      }
      if (process.env.FUZZ_VERBOSE) console.log(`web: ${cases} cases`)
      assert.deepStrictEqual(problems.filter((p) => p.startsWith("web")), [])
      assert.deepStrictEqual(rejections, [])
    }), Math.max(120_000, ROUNDS * SEEDS.length * 400))

  it.live("stdio (a child per era): every case answered right, the server alive and answering", () =>
    Effect.gen(function*() {
      const script = fileURLToPath(new URL("../../examples/everything-server.ts", import.meta.url))
      const children = yield* Effect.acquireRelease(
        Effect.sync(() => ({ legacy: startNode(script), modern: startNode(script) })),
        ({ legacy, modern }) =>
          Effect.promise(() => {
            kill(legacy.child)
            kill(modern.child)
            return Promise.all([legacy.exited(5_000), modern.exited(5_000)])
          })
      )
      /** A child's stdout lines parsed (`{ unparsable }` for one that is not JSON), read on from where the last call stopped. */
      const parsed = new Map<NodeChild, { upTo: number; lines: Array<any> }>()
      const lines = (child: NodeChild): ReadonlyArray<any> => {
        const state = parsed.get(child) ?? { upTo: 0, lines: [] }
        parsed.set(child, state)
        const out = child.stdout()
        const end = out.lastIndexOf("\n") + 1
        if (end > state.upTo) {
          for (const line of out.slice(state.upTo, end - 1).split("\n")) {
            if (line.trim() === "") continue
            try {
              state.lines.push(JSON.parse(line))
            } catch {
              state.lines.push({ unparsable: line.slice(0, 200) })
            }
          }
          state.upTo = end
        }
        return state.lines
      }
      let fences = 0
      /** Writes `bytes` then a ping (2026-07-28, which has none: `server/discover`); what came before the ping's answer (undefined: no answer in time). */
      const exchange = async (child: NodeChild, era: "2025-03" | "2026", bytes: Buffer, bound = BOUND) => {
        const before = lines(child).length
        const id = `fence-${++fences}`
        const ping = era !== "2026"
          ? { jsonrpc: "2.0", id, method: "ping" }
          : { jsonrpc: "2.0", id, method: "server/discover", params: { _meta: modernMeta() } }
        child.child.stdin!.write(Buffer.concat([bytes, Buffer.from(`\n${JSON.stringify(ping)}\n`)]))
        const at = await child.until(() => {
          const all = lines(child)
          let index = -1
          for (let i = before; i < all.length && index === -1; i++) if (all[i]?.id === id) index = i
          return index === -1 ? undefined : index
        }, bound)
        if (at === undefined) return undefined
        const all = lines(child)
        return { fence: all[at], between: all.slice(before, at), before }
      }
      const initialized = yield* Effect.promise(() =>
        exchange(children.legacy, "2025-03", Buffer.from(JSON.stringify({
          jsonrpc: "2.0",
          id: "init",
          method: "initialize",
          params: { protocolVersion: BATCHING, capabilities: {}, clientInfo: { name: "fuzz", version: "1" } }
        }) + `\n${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}`), 20_000)
      )
      assert.isDefined(initialized, children.legacy.stderr())
      let cases = 0
      /** The ids (by era) an answer was due for, each sent by one case only. */
      const due = new Set<string>()
      for (const seed of SEEDS) {
        for (let n = 0; n < ROUNDS; n++) {
          const era = n % 2 === 0 ? "2025-03" : "2026"
          const child = era === "2025-03" ? children.legacy : children.modern
          const c = generate(seed, n, { http: false, era })
          const transport = `stdio ${era}`
          // A line may not hold a newline (the framing's): the body never does, bytes aside.
          const body = Buffer.from(c.body.toString("latin1").replace(/\n/g, " "), "latin1")
          const seen = yield* Effect.promise(() => exchange(child, era, body))
          cases++
          if (seen === undefined) {
            flag(c, transport, `the ping after it was not answered within ${BOUND} ms; exit: ${child.child.exitCode}; stderr: ${child.stderr().slice(-500)}`)
            break
          }
          if (era === "2025-03" ? JSON.stringify(seen.fence.result) !== "{}" : !Array.isArray(seen.fence.result?.supportedVersions)) flag(c, transport, `ping answered ${JSON.stringify(seen.fence)}`)
          for (const message of seen.between) {
            if ("unparsable" in message) flag(c, transport, `stdout line not JSON: ${message.unparsable}`)
            else checkMessage(c, transport, message)
          }
          // Every request whose id can be read is answered (an error, or its result), once.
          for (const id of dueIds(body, era === "2025-03")) {
            const answered = (m: any) => m?.id === id || (Array.isArray(m) && m.some((each) => each?.id === id))
            const found = yield* Effect.promise(() => child.until(() => lines(child).slice(seen.before).find(answered), BOUND))
            if (found === undefined) flag(c, transport, `the request ${JSON.stringify(id).slice(0, 40)} was never answered`)
            // Only the case's own id is unique to it (a mutation's, `"tools/call"`, may come again).
            if (id === c.sent) due.add(`${era} ${JSON.stringify(id)}`)
          }
        }
      }
      // Answered once each.
      const answers = new Map<string, number>()
      for (const [era, child] of [["2025-03", children.legacy], ["2026", children.modern]] as const) {
        for (const message of lines(child)) {
          for (const each of Array.isArray(message) ? message : [message]) {
            if (each !== null && typeof each === "object" && "id" in each && ("result" in each || "error" in each)) {
              const key = `${era} ${JSON.stringify(each.id)}`
              answers.set(key, (answers.get(key) ?? 0) + 1)
            }
          }
        }
      }
      for (const key of due) {
        if ((answers.get(key) ?? 0) > 1) problems.push(`stdio: ${key.slice(0, 60)} answered ${answers.get(key)} times`)
      }
      for (const [name, child] of Object.entries(children)) {
        assert.isNull(child.child.exitCode, `${name} exited: ${child.stderr().slice(-1_000)}`)
        assert.notMatch(child.stderr(), /Unhandled|uncaught|TypeError|RangeError|defect/i, `${name}'s stderr`)
      }
      if (process.env.FUZZ_VERBOSE) console.log(`stdio: ${cases} cases`)
      assert.deepStrictEqual(problems.filter((p) => p.startsWith("stdio")), [])
    }), Math.max(120_000, ROUNDS * SEEDS.length * 400))
})
