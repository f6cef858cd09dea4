/**
 * `npm run soak` (`node bench/soak.ts`; not part of `npm test` nor `npm run bench`): a soak test of
 * the Streamable HTTP transport. The everything server (`examples/everything-server.ts --http
 * --port N`, stateful) runs as a child process on 127.0.0.1 with its heap capped
 * (`node --max-old-space-size=SOAK_HEAP_MB`), and SOAK_CLIENTS concurrent clients drive mixed,
 * valid traffic at it for SOAK_SECONDS:
 *
 * - sessions opened (`initialize` + `notifications/initialized`) and closed (`DELETE`), half of
 *   them with the standalone `GET` stream open for their whole life (it must end at `DELETE`, and
 *   never carry a response); one session in SOAK_SDK_EVERY is driven by the official SDK v1 client
 *   (`StreamableHTTPClientTransport`: tools/list, calls with progress, sampling, elicitation, the
 *   `test_reconnection` SSE polling, `terminateSession`);
 * - `tools/list`, quick `tools/call`s, `resources/read`, `prompts/get`, calls streaming progress and
 *   log messages, sampling and elicitation answered by a separate POST;
 * - slow calls cancelled with `notifications/cancelled` (the POST, JSON or SSE, must end within
 *   SOAK_CANCEL_DEADLINE_MS without a result, and the id must be usable again right after);
 * - task-augmented calls (`tasks/get`, `tasks/result`; `tasks/cancel` of a slow task, after which
 *   `tasks/get` says cancelled and `tasks/result` answers an error); at most one task per session
 *   runs at a time;
 * - SSE resumption: `test_reconnection` (the server closes the stream after the priming event; a
 *   `GET` with `Last-Event-ID` must bring the result) and a live stream dropped after its first
 *   progress event (the `GET` with `Last-Event-ID` must bring exactly the rest: progress 2, 3, result);
 * - abandoned POSTs: a slow call whose fetch is aborted mid-way; once the tool's time is over
 *   (plus SOAK_REUSE_MARGIN_MS) the same request id must be accepted again.
 *
 * Every request has a timeout (SOAK_TIMEOUT_MS), every stream read is bounded in events and time,
 * every loop in count. An error is any unexpected HTTP status, a JSON-RPC error or result the
 * operation did not expect (`429` limit exceeded included: the traffic stays within the
 * default limits), a timeout, a transport failure, or the child dying. After an error, the client
 * closes its session (`DELETE`) and opens a new one.
 *
 * The child's RSS (`/proc/<pid>/status` VmRSS; nothing is asked of the server) is sampled every
 * SOAK_SAMPLE_SECONDS, with its V8 heap and external memory (`process.memoryUsage()`, written once a
 * second by `bench/memory-probe.ts`, preloaded with `--import`), and printed as a Markdown table row
 * (time, RSS MB, heap used MB, external MB, ops/s, errors so far);
 * at the end: operations and errors per operation, the first distinct errors, and a summary line
 * (total ops, errors, error rate, RSS min/max after the warm-up (SOAK_WARMUP_SECONDS) and its
 * growth over the second half of the run, whether the child is still alive). The report is appended to `bench/results.md` (unless SOAK_RESULTS=0).
 * Exit code: 0 when there were no errors and the child lived, 1 otherwise, 2 when the soak itself
 * failed.
 *
 * Knobs (environment; `npm run soak -- --help` prints them):
 *
 * - SOAK_SECONDS (600): how long traffic is driven;
 * - SOAK_CLIENTS (16): concurrent clients (each one session at a time, one operation at a time);
 * - SOAK_HEAP_MB (128): the child's `--max-old-space-size`;
 * - SOAK_SAMPLE_SECONDS (10): RSS sampling period;
 * - SOAK_WARMUP_SECONDS (60): samples before this are left out of the RSS min/max;
 * - SOAK_TIMEOUT_MS (10000): timeout of every request (and of every stream read);
 * - SOAK_CANCEL_DEADLINE_MS (5000): how soon a cancelled request's POST must end;
 * - SOAK_REUSE_MARGIN_MS (1500): after an abandoned call's tool time, when its id must be reusable;
 * - SOAK_OPS_PER_SESSION (40): at most this many operations per session (at least 5);
 * - SOAK_SDK_EVERY (8): one session in this many is an SDK client session;
 * - SOAK_RESULTS (1): 0 = do not append to bench/results.md.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { CreateMessageRequestSchema, ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import { children, fmt, freePort, intEnv, runBenchmark } from "./support.ts"

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

const help = (): string => {
  const source = readFileSync(fileURLToPath(import.meta.url), "utf8")
  const doc = source.slice(source.indexOf("/**") + 3, source.indexOf("*/"))
  return doc.split("\n").map((line) => line.replace(/^ \* ?/, "")).join("\n").trim() + "\n"
}
if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(help())
  process.exit(0)
}

const SECONDS = intEnv("SOAK_SECONDS", 600)
const CLIENTS = intEnv("SOAK_CLIENTS", 16)
const HEAP_MB = intEnv("SOAK_HEAP_MB", 128)
const SAMPLE_SECONDS = intEnv("SOAK_SAMPLE_SECONDS", 10)
const WARMUP_SECONDS = intEnv("SOAK_WARMUP_SECONDS", 60)
const TIMEOUT_MS = intEnv("SOAK_TIMEOUT_MS", 10_000)
const CANCEL_DEADLINE_MS = intEnv("SOAK_CANCEL_DEADLINE_MS", 5_000)
const REUSE_MARGIN_MS = intEnv("SOAK_REUSE_MARGIN_MS", 1_500)
const OPS_PER_SESSION = Math.max(5, intEnv("SOAK_OPS_PER_SESSION", 40))
const SDK_EVERY = intEnv("SOAK_SDK_EVERY", 8)
const WRITE_RESULTS = process.env["SOAK_RESULTS"] !== "0"

const HOST = "127.0.0.1"
const PROTOCOL_VERSION = "2025-11-25"
/** Events read from one SSE response at most. */
const MAX_EVENTS = 200
/** How long the standalone stream may stay open after its session's DELETE. */
const STANDALONE_CLOSE_MS = 3_000
/** How long the clients may take to wind down after SOAK_SECONDS before they count as hung. */
const DRAIN_MS = Math.max(30_000, 3 * TIMEOUT_MS)

const repoRoot = fileURLToPath(new URL("..", import.meta.url))
const resultsPath = fileURLToPath(new URL("results.md", import.meta.url))

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1))
const clip = (text: string, max = 240) => (text.length > max ? `${text.slice(0, max)}…` : text)
let startedAt = Date.now()
const log = (line: string) => process.stderr.write(`[soak ${((Date.now() - startedAt) / 1000).toFixed(0)}s] ${line}\n`)

// ---------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------

/** An unexpected outcome of an operation (what the report shows). */
class Failure extends Error {}
/** A request this driver aborted on purpose (an abandoned POST, a dropped stream). */
class Dropped extends Error {}

const fail = (message: string): never => {
  throw new Failure(message)
}

const errorText = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
  const detail = cause === undefined ? "" : ` (${String(cause.code ?? cause.message ?? cause)})`
  return `${error.name}: ${error.message}${detail}`
}

interface OpStats {
  ok: number
  errors: number
  /** Distinct error messages (the first few) and how often each was seen. */
  readonly messages: Map<string, number>
}

const stats = new Map<string, OpStats>()
let totalOps = 0
let totalErrors = 0

const statsOf = (op: string): OpStats => {
  let s = stats.get(op)
  if (s === undefined) stats.set(op, s = { ok: 0, errors: 0, messages: new Map() })
  return s
}

const recordOk = (op: string) => {
  statsOf(op).ok++
  totalOps++
}

const recordError = (op: string, message: string) => {
  const s = statsOf(op)
  s.errors++
  totalOps++
  totalErrors++
  // numbers (ids, ms, ports) vary: the key groups messages that differ only in them
  const key = message.replace(/\d+/g, "N")
  const firstOfKind = ![...s.messages.keys()].some((m) => m.replace(/\d+/g, "N") === key)
  if (firstOfKind && s.messages.size < 12) {
    s.messages.set(message, 1)
    log(`error in ${op}: ${message}`)
  } else {
    for (const m of s.messages.keys()) {
      if (m.replace(/\d+/g, "N") === key) s.messages.set(m, s.messages.get(m)! + 1)
    }
  }
}

/** How successful operations ended, where there is more than one acceptable way (per operation). */
const observations = new Map<string, Map<string, number>>()
const observe = (op: string, outcome: string) => {
  let m = observations.get(op)
  if (m === undefined) observations.set(op, m = new Map())
  m.set(outcome, (m.get(outcome) ?? 0) + 1)
}

/** Runs one operation, counts its outcome; true when it succeeded. */
const op = async (name: string, body: () => Promise<void>): Promise<boolean> => {
  try {
    await body()
    recordOk(name)
    return true
  } catch (error) {
    recordError(name, error instanceof Failure ? error.message : errorText(error))
    return false
  }
}

// ---------------------------------------------------------------------------
// Requests: every one bounded in time
// ---------------------------------------------------------------------------

/**
 * One HTTP exchange (request and reading its body) under a time limit. `run` maps what goes
 * wrong to a {@link Failure} naming the exchange (or {@link Dropped} when this driver aborted it on
 * purpose), and aborts whatever is still open when it returns.
 */
class Exchange {
  private readonly controller = new AbortController()
  private reason: string | undefined = undefined
  private timer: ReturnType<typeof setTimeout> | undefined = undefined
  readonly signal = this.controller.signal
  readonly what: string
  constructor(what: string, ms = TIMEOUT_MS) {
    this.what = what
    this.limit(ms, `no answer within ${ms} ms`)
  }
  /** (Re)sets the time limit. */
  limit(ms: number, reason: string): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.abort(reason), ms)
  }
  /** Aborts on purpose (the connection breaks). */
  drop(): void {
    this.abort("dropped")
  }
  private abort(reason: string): void {
    if (this.reason !== undefined) return
    this.reason = reason
    this.controller.abort()
  }
  async run<A>(body: (signal: AbortSignal) => Promise<A>): Promise<A> {
    try {
      return await body(this.signal)
    } catch (error) {
      if (error instanceof Failure) throw error
      if (this.reason === "dropped") throw new Dropped()
      if (this.reason !== undefined) throw new Failure(`${this.what}: ${this.reason}`)
      throw new Failure(`${this.what}: ${errorText(error)}`)
    } finally {
      clearTimeout(this.timer)
      this.abort("finished")
    }
  }
}

let url = ""

const sessionHeaders = (sessionId: string | undefined, extra: Record<string, string> = {}): Record<string, string> => ({
  accept: "application/json, text/event-stream",
  "content-type": "application/json",
  "mcp-protocol-version": PROTOCOL_VERSION,
  ...(sessionId === undefined ? {} : { "mcp-session-id": sessionId }),
  ...extra
})

const postRaw = (sessionId: string | undefined, message: unknown, signal: AbortSignal): Promise<Response> =>
  fetch(url, { method: "POST", headers: sessionHeaders(sessionId), body: JSON.stringify(message), signal })

/** The body, for a report (bounded: the exchange's limit applies). */
const bodyOf = async (response: Response): Promise<string> => {
  try {
    return clip(await response.text())
  } catch (error) {
    return `(body unreadable: ${errorText(error)})`
  }
}

const isSse = (response: Response) => (response.headers.get("content-type") ?? "").includes("text/event-stream")

interface SseEvent {
  readonly id: string | undefined
  readonly retry: number | undefined
  readonly data: string
}

/** The events of an SSE body, as they arrive (at most {@link MAX_EVENTS}). */
async function* sseEvents(response: Response, what: string): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder()
  let buffer = ""
  let count = 0
  const take = function*(final: boolean): Generator<SseEvent> {
    const blocks = buffer.replace(/\r\n?/g, "\n").split("\n\n")
    buffer = final ? "" : blocks.pop()!
    for (const block of blocks) {
      let id: string | undefined
      let retry: number | undefined
      const data: Array<string> = []
      let any = false
      for (const line of block.split("\n")) {
        if (line === "" || line.startsWith(":")) continue
        any = true
        const colon = line.indexOf(":")
        const field = colon === -1 ? line : line.slice(0, colon)
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "")
        if (field === "id") id = value
        else if (field === "retry") retry = Number(value)
        else if (field === "data") data.push(value)
      }
      if (!any) continue
      if (++count > MAX_EVENTS) fail(`${what}: more than ${MAX_EVENTS} SSE events`)
      yield { id, retry, data: data.join("\n") }
    }
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true })
    yield* take(false)
  }
  buffer += decoder.decode()
  yield* take(true)
}

const parse = (data: string, what: string): any => {
  try {
    return JSON.parse(data)
  } catch {
    return fail(`${what}: unparsable JSON ${clip(data)}`)
  }
}

const describeMessage = (message: any): string => clip(JSON.stringify(message))

/** The stream id of an event id `<stream>.<seq>`. */
const streamOf = (eventId: string | undefined) => (eventId ?? "").slice(0, (eventId ?? "").lastIndexOf("."))

// ---------------------------------------------------------------------------
// Raw sessions
// ---------------------------------------------------------------------------

interface ReuseCheck {
  readonly id: number
  readonly due: number
  readonly abandonedAt: number
  readonly toolMs: number
}

class RawSession {
  id: string | undefined = undefined
  private nextRequestId = 1
  readonly reuse: Array<ReuseCheck> = []
  /** The standalone GET stream's reader, while it runs; its outcome. */
  standalone: { readonly exchange: Exchange; readonly done: Promise<void>; problem: string | undefined } | undefined =
    undefined
  nextId(): number {
    return this.nextRequestId++
  }
}

type Handler = (request: any) => unknown

interface Answer {
  /** The response to the request. */
  readonly message: any
  /** Notifications that came before it on its stream. */
  readonly notifications: ReadonlyArray<any>
  readonly sse: boolean
}

/** Answers a server→client request with a POST of its response (202 expected). */
const reply = async (session: RawSession, id: unknown, result: unknown): Promise<void> => {
  const exchange = new Exchange(`POST response to server request ${JSON.stringify(id)}`)
  await exchange.run(async (signal) => {
    const response = await postRaw(session.id, { jsonrpc: "2.0", id, result }, signal)
    if (response.status !== 202) fail(`${exchange.what}: HTTP ${response.status} ${await bodyOf(response)}`)
    await response.body?.cancel()
  })
}

/**
 * Reads the answer to request `id` from a POST's response: a JSON body, or an SSE stream whose
 * server→client requests are answered by `handler` (an error when there is none).
 */
const readAnswer = async (
  session: RawSession,
  response: Response,
  id: unknown,
  what: string,
  handler?: Handler
): Promise<Answer> => {
  if (response.status !== 200) fail(`${what}: HTTP ${response.status} ${await bodyOf(response)}`)
  if (!isSse(response)) {
    const message = parse(await response.text(), what)
    if (message?.id !== id) fail(`${what}: answer for another id: ${describeMessage(message)}`)
    return { message, notifications: [], sse: false }
  }
  const notifications: Array<any> = []
  for await (const event of sseEvents(response, what)) {
    if (event.data === "") continue // priming
    const message = parse(event.data, what)
    if (typeof message?.method === "string") {
      if (message.id === undefined) notifications.push(message)
      else if (handler === undefined) fail(`${what}: unexpected server request ${describeMessage(message)}`)
      else await reply(session, message.id, handler(message))
    } else if (message?.id === id) {
      return { message, notifications, sse: true }
    } else fail(`${what}: a response for another id on the stream: ${describeMessage(message)}`)
  }
  return fail(`${what}: the SSE stream ended without the response`)
}

/** Sends request `method` and returns its answer; a JSON-RPC error fails unless `allowError`. */
const request = async (
  session: RawSession,
  method: string,
  params: Record<string, unknown>,
  options: { readonly id?: number; readonly handler?: Handler; readonly allowError?: boolean } = {}
): Promise<Answer> => {
  const id = options.id ?? session.nextId()
  const exchange = new Exchange(`${method} (id ${id})`)
  const answer = await exchange.run(async (signal) => {
    const response = await postRaw(session.id, { jsonrpc: "2.0", id, method, params }, signal)
    return readAnswer(session, response, id, exchange.what, options.handler)
  })
  if (answer.message.error !== undefined && options.allowError !== true) {
    fail(`${exchange.what}: JSON-RPC error ${describeMessage(answer.message.error)}`)
  }
  if (answer.message.error === undefined && answer.message.result === undefined) {
    fail(`${exchange.what}: neither result nor error: ${describeMessage(answer.message)}`)
  }
  return answer
}

/** Sends a notification (202 expected). */
const notify = async (session: RawSession, method: string, params: Record<string, unknown>): Promise<void> => {
  const exchange = new Exchange(method)
  await exchange.run(async (signal) => {
    const response = await postRaw(session.id, { jsonrpc: "2.0", method, params }, signal)
    if (response.status !== 202) fail(`${method}: HTTP ${response.status} ${await bodyOf(response)}`)
    await response.body?.cancel()
  })
}

const textsOf = (result: any): Array<string> =>
  Array.isArray(result?.content) ? result.content.filter((c: any) => c?.type === "text").map((c: any) => String(c.text)) : []

/** Fails unless the tool result has exactly the text `expected` (and no isError). */
const expectText = (answer: Answer, expected: string | RegExp, what: string): void => {
  const result = answer.message.result
  const texts = textsOf(result)
  const ok = texts.length === 1 && (typeof expected === "string" ? texts[0] === expected : expected.test(texts[0]!))
  if (!ok || result?.isError === true) fail(`${what}: unexpected result ${describeMessage(result)}`)
}

const toolCall = (name: string, args: Record<string, unknown>, meta?: Record<string, unknown>, task?: unknown) => ({
  name,
  arguments: args,
  ...(meta === undefined ? {} : { _meta: meta }),
  ...(task === undefined ? {} : { task })
})

const openSession = async (session: RawSession): Promise<void> => {
  const exchange = new Exchange("initialize")
  session.id = await exchange.run(async (signal) => {
    const response = await postRaw(undefined, {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: { sampling: {}, elicitation: {} },
        clientInfo: { name: "soak", version: "1.0.0" }
      }
    }, signal)
    const sessionId = response.headers.get("mcp-session-id")
    const answer = await readAnswer(session, response, 0, "initialize")
    if (answer.message.result?.protocolVersion !== PROTOCOL_VERSION) {
      fail(`initialize: unexpected answer ${describeMessage(answer.message)}`)
    }
    if (sessionId === null) fail("initialize: no Mcp-Session-Id header")
    return sessionId!
  })
  await notify(session, "notifications/initialized", {})
}

/** Opens the standalone GET stream; once primed, reads it in the background until it ends. */
const openStandalone = async (session: RawSession): Promise<void> => {
  const exchange = new Exchange("standalone GET", 3_600_000)
  exchange.limit(TIMEOUT_MS, `no priming event within ${TIMEOUT_MS} ms`)
  let primed: () => void = () => {}
  let failed: (error: unknown) => void = () => {}
  const ready = new Promise<void>((resolve, reject) => {
    primed = resolve
    failed = reject
  })
  const state = { exchange, done: Promise.resolve(), problem: undefined as string | undefined }
  state.done = exchange.run(async (signal) => {
    const response = await fetch(url, {
      headers: { accept: "text/event-stream", "mcp-protocol-version": PROTOCOL_VERSION, "mcp-session-id": session.id! },
      signal
    })
    if (response.status !== 200 || !isSse(response)) {
      fail(`standalone GET: HTTP ${response.status} ${response.headers.get("content-type")} ${await bodyOf(response)}`)
    }
    let first = true
    for await (const event of sseEvents(response, "standalone GET")) {
      if (first) {
        first = false
        if (event.data !== "") fail(`standalone GET: the first event is not a priming event: ${clip(event.data)}`)
        exchange.limit(3_600_000, "open for an hour")
        primed()
        continue
      }
      if (event.data === "") continue
      const message = parse(event.data, "standalone GET")
      if (message?.method === undefined) {
        state.problem ??= `standalone GET: a response on the standalone stream: ${describeMessage(message)}`
      } else if (message.id !== undefined) {
        state.problem ??= `standalone GET: an unexpected server request: ${describeMessage(message)}`
      }
    }
    if (first) fail("standalone GET: the stream ended before its priming event")
  }).then(
    () => primed(),
    (error) => {
      if (!(error instanceof Dropped)) state.problem ??= error instanceof Failure ? error.message : errorText(error)
      failed(error)
    }
  )
  session.standalone = state
  await ready
}

/** DELETE, then the standalone stream (if any) must end. */
const closeSession = async (session: RawSession): Promise<void> => {
  const exchange = new Exchange("DELETE")
  await exchange.run(async (signal) => {
    const response = await fetch(url, { method: "DELETE", headers: sessionHeaders(session.id), signal })
    if (response.status !== 200) fail(`DELETE: HTTP ${response.status} ${await bodyOf(response)}`)
    await response.body?.cancel()
  })
}

const settleStandalone = async (session: RawSession, deleted: boolean): Promise<void> => {
  const standalone = session.standalone
  if (standalone === undefined) return
  session.standalone = undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const ended = await Promise.race([
    standalone.done.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), STANDALONE_CLOSE_MS)))
  ])
  clearTimeout(timer)
  if (!ended) {
    standalone.exchange.drop()
    await standalone.done
    if (deleted) standalone.problem ??= `standalone GET: still open ${STANDALONE_CLOSE_MS} ms after DELETE`
  }
  if (deleted && standalone.problem !== undefined) fail(standalone.problem)
}

// ---------------------------------------------------------------------------
// Operations of a raw session
// ---------------------------------------------------------------------------

const quickTools: ReadonlyArray<{ readonly name: string; readonly args: Record<string, unknown>; readonly check: (result: any) => boolean }> = [
  {
    name: "test_simple_text",
    args: {},
    check: (r) => r.isError !== true && textsOf(r)[0] === "This is a simple text response for testing."
  },
  { name: "test_image_content", args: {}, check: (r) => r.content?.[0]?.type === "image" && r.content[0].mimeType === "image/png" },
  { name: "test_multiple_content_types", args: {}, check: (r) => r.content?.length === 3 },
  { name: "test_embedded_resource", args: {}, check: (r) => r.content?.[0]?.type === "resource" },
  { name: "test_error_handling", args: {}, check: (r) => r.isError === true },
  {
    name: "json_schema_2020_12_tool",
    // The fixture's schema requires a phone or an email (allOf/anyOf, if/then/else: SEP-2106).
    args: { name: "soak", address: { street: "1 Main St", city: "Springfield" }, contactMethod: "email", email: "soak@example.com" },
    check: (r) => r.isError !== true && /^Received: .*Springfield/.test(textsOf(r)[0] ?? "")
  }
]

/** A quick tools/call (optionally under a given id); checks the result. */
const quickCall = async (session: RawSession, id?: number): Promise<void> => {
  const tool = quickTools[randomInt(0, quickTools.length - 1)]!
  const answer = await request(session, "tools/call", toolCall(tool.name, tool.args), id === undefined ? {} : { id })
  if (!tool.check(answer.message.result)) fail(`tools/call ${tool.name}: unexpected result ${describeMessage(answer.message.result)}`)
}

const listTools = async (session: RawSession): Promise<void> => {
  const answer = await request(session, "tools/list", {})
  const names: Array<string> = (answer.message.result.tools ?? []).map((t: any) => t.name)
  const missing = ["test_task_slow", "test_reconnection", ...quickTools.map((t) => t.name)].filter((n) => !names.includes(n))
  if (missing.length > 0) fail(`tools/list: ${missing.join(", ")} missing from ${clip(names.join(","))}`)
}

const readResource = async (session: RawSession): Promise<void> => {
  if (Math.random() < 0.5) {
    const answer = await request(session, "resources/read", { uri: "test://static-text" })
    if (answer.message.result.contents?.[0]?.text !== "This is the content of the static text resource.") {
      fail(`resources/read: unexpected ${describeMessage(answer.message.result)}`)
    }
  } else {
    const id = String(randomInt(1, 999))
    const answer = await request(session, "resources/read", { uri: `test://template/${id}/data` })
    if (!String(answer.message.result.contents?.[0]?.text).includes(`Data for ID: ${id}`)) {
      fail(`resources/read template: unexpected ${describeMessage(answer.message.result)}`)
    }
  }
}

const getPrompt = async (session: RawSession): Promise<void> => {
  const answer = await request(session, "prompts/get", { name: "test_prompt_with_arguments", arguments: { arg1: "a", arg2: "b" } })
  if (answer.message.result.messages?.[0]?.content?.text !== "Prompt with arguments: arg1='a', arg2='b'") {
    fail(`prompts/get: unexpected ${describeMessage(answer.message.result)}`)
  }
}

/** test_tool_with_progress (3 progress notifications on its stream) or test_tool_with_logging. */
const streamingCall = async (session: RawSession): Promise<void> => {
  if (Math.random() < 0.5) {
    const token = `p${randomInt(1, 1e9)}`
    const answer = await request(session, "tools/call", toolCall("test_tool_with_progress", {}, { progressToken: token }))
    expectText(answer, `Progress reported for token ${token}`, "test_tool_with_progress")
    const progress = answer.notifications.filter((n) => n.method === "notifications/progress").map((n) => n.params.progress)
    if (progress.join(",") !== "0,50,100") fail(`test_tool_with_progress: progress ${JSON.stringify(progress)}`)
  } else {
    const answer = await request(session, "tools/call", toolCall("test_tool_with_logging", {}))
    expectText(answer, "Tool with logging executed successfully", "test_tool_with_logging")
  }
}

const sample = async (session: RawSession): Promise<void> => {
  const word = `w${randomInt(1, 1e6)}`
  let asked = 0
  const answer = await request(session, "tools/call", toolCall("test_sampling", { prompt: `say ${word}` }), {
    handler: (message) => {
      if (message.method !== "sampling/createMessage" || asked++ > 0) fail(`test_sampling: unexpected ${describeMessage(message)}`)
      return { role: "assistant", model: "soak", content: { type: "text", text: `sampled ${word}` } }
    }
  })
  expectText(answer, `LLM response: sampled ${word}`, "test_sampling")
}

const elicit = async (session: RawSession): Promise<void> => {
  const accept = Math.random() < 0.7
  let asked = 0
  const answer = await request(session, "tools/call", toolCall("test_elicitation", { message: "Who are you?" }), {
    handler: (message) => {
      if (message.method !== "elicitation/create" || asked++ > 0) fail(`test_elicitation: unexpected ${describeMessage(message)}`)
      return accept ? { action: "accept", content: { username: "soak", email: "soak@example.com" } } : { action: "decline" }
    }
  })
  expectText(answer, accept ? /^User response: action=accept, content=.*soak@example\.com/ : /^User response: action=decline/, "test_elicitation")
}

/**
 * A slow call cancelled with notifications/cancelled: its POST (an SSE stream after its first
 * progress event, or a JSON answer still pending) must end within the deadline, without a result;
 * then the id must be accepted again.
 */
const cancelCall = async (session: RawSession): Promise<void> => {
  const id = session.nextId()
  const streaming = Math.random() < 0.5
  const exchange = new Exchange(`cancelled tools/call test_task_slow (id ${id}, ${streaming ? "SSE" : "JSON"})`)
  const deadline = `the POST did not end within ${CANCEL_DEADLINE_MS} ms after notifications/cancelled`
  const message = {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: toolCall("test_task_slow", { ms: 30_000, steps: 60 }, streaming ? { progressToken: `c${id}` } : undefined)
  }
  const cancel = () => notify(session, "notifications/cancelled", { requestId: id, reason: "soak: cancelled" })
  await exchange.run(async (signal) => {
    const pending = postRaw(session.id, message, signal)
    pending.catch(() => {})
    if (streaming) {
      const response = await pending
      if (response.status !== 200 || !isSse(response)) fail(`${exchange.what}: HTTP ${response.status} ${await bodyOf(response)}`)
      const events = sseEvents(response, exchange.what)
      // up to the first progress event: the call is running
      for (let i = 0;; i++) {
        const next = await events.next()
        if (next.done === true) fail(`${exchange.what}: the stream ended before any progress`)
        if (next.value!.data === "") continue
        const event = parse(next.value!.data, exchange.what)
        if (event.method === "notifications/progress") break
        if (i > 5) fail(`${exchange.what}: unexpected ${describeMessage(event)}`)
      }
      await cancel()
      exchange.limit(CANCEL_DEADLINE_MS, deadline)
      for await (const event of events) {
        if (event.data === "") continue
        const received = parse(event.data, exchange.what)
        if (received.method === "notifications/progress") continue // sent before the cancel took effect
        if (received.id === id && received.error !== undefined) {
          observe("cancel", `SSE: error ${received.error.code} as the last event`)
          return // an error answer is acceptable
        }
        fail(`${exchange.what}: after notifications/cancelled: ${describeMessage(received)}`)
      }
      observe("cancel", "SSE: stream ended without a response")
    } else {
      await sleep(randomInt(200, 400)) // the call is running
      await cancel()
      exchange.limit(CANCEL_DEADLINE_MS, deadline)
      const response = await pending
      if (response.status === 202 || response.status === 204) {
        observe("cancel", `JSON: HTTP ${response.status}`)
        await response.body?.cancel()
        return
      }
      if (response.status !== 200) fail(`${exchange.what}: HTTP ${response.status} ${await bodyOf(response)}`)
      if (isSse(response)) {
        for await (const event of sseEvents(response, exchange.what)) {
          if (event.data === "") continue
          const received = parse(event.data, exchange.what)
          if (received.id === id && received.error !== undefined) {
            observe("cancel", `JSON request answered with SSE: error ${received.error.code}`)
            return
          }
          fail(`${exchange.what}: after notifications/cancelled: ${describeMessage(received)}`)
        }
        observe("cancel", "JSON request answered with SSE: stream ended without a response")
      } else {
        const received = parse(await response.text(), exchange.what)
        if (received?.id !== id || received.error === undefined) {
          fail(`${exchange.what}: after notifications/cancelled: ${describeMessage(received)}`)
        }
        observe("cancel", `JSON: error ${received.error.code}`)
      }
    }
  })
  // The request is over: its id is free again.
  await quickCall(session, id).catch((error) => {
    throw new Failure(`reusing the id ${id} of a cancelled call right after its POST ended: ${error instanceof Error ? error.message : error}`)
  })
}

/** A slow call whose POST is aborted mid-way; its id is checked later (see {@link reuseDue}). */
const abandonCall = async (session: RawSession): Promise<void> => {
  const id = session.nextId()
  const toolMs = randomInt(800, 1_500)
  const streaming = Math.random() < 0.5
  const exchange = new Exchange(`abandoned tools/call test_task_slow (id ${id}, ${streaming ? "SSE" : "JSON"})`)
  const message = {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: toolCall("test_task_slow", { ms: toolMs, steps: streaming ? 4 : 1 }, streaming ? { progressToken: `a${id}` } : undefined)
  }
  try {
    await exchange.run(async (signal) => {
      const pending = postRaw(session.id, message, signal)
      pending.catch(() => {})
      if (streaming) {
        const response = await pending
        if (response.status !== 200 || !isSse(response)) fail(`${exchange.what}: HTTP ${response.status} ${await bodyOf(response)}`)
        const first = await sseEvents(response, exchange.what).next()
        if (first.done === true) fail(`${exchange.what}: the stream ended at once`)
      } else {
        await sleep(randomInt(100, 300))
      }
      exchange.drop()
      await pending
    })
  } catch (error) {
    if (!(error instanceof Dropped)) throw error
  }
  const now = Date.now()
  session.reuse.push({ id, abandonedAt: now, toolMs, due: now + toolMs + REUSE_MARGIN_MS })
}

/** The ids of abandoned calls whose time is over must be accepted again. */
const reuseDue = async (session: RawSession, all: boolean): Promise<void> => {
  for (;;) {
    const check = session.reuse[0]
    if (check === undefined || serverDied()) return
    const wait = check.due - Date.now()
    if (wait > 0) {
      if (!all) return
      await sleep(wait)
    }
    session.reuse.shift()
    await op("abandon/reuse-id", () =>
      quickCall(session, check.id).catch((error) => {
        throw new Failure(
          `reusing the id ${check.id} ${Date.now() - check.abandonedAt} ms after its POST was abandoned (the tool takes ` +
            `${check.toolMs} ms): ${error instanceof Error ? error.message : error}`
        )
      }))
  }
}

const taskTtl = 30_000

const createTask = async (session: RawSession, name: string, args: Record<string, unknown>): Promise<string> => {
  const answer = await request(session, "tools/call", toolCall(name, args, undefined, { ttl: taskTtl }))
  const task = answer.message.result?.task
  if (typeof task?.taskId !== "string" || task.status !== "working") fail(`tools/call ${name} as a task: ${describeMessage(answer.message)}`)
  return task.taskId
}

const taskStatus = async (session: RawSession, taskId: string): Promise<string> =>
  String((await request(session, "tasks/get", { taskId })).message.result.status)

/** A task-augmented call: tasks/get, tasks/result, tasks/get again. */
const taskCall = async (session: RawSession): Promise<void> => {
  const kind = randomInt(0, 9)
  if (kind < 7) {
    const taskId = await createTask(session, "test_task_slow", { ms: randomInt(100, 400), steps: 2 })
    const status = await taskStatus(session, taskId)
    if (status !== "working" && status !== "completed") fail(`tasks/get of a fresh task: status ${status}`)
    const result = await request(session, "tasks/result", { taskId })
    expectText(result, "done", "tasks/result of test_task_slow")
    const after = await taskStatus(session, taskId)
    if (after !== "completed") fail(`tasks/get after tasks/result: status ${after}`)
  } else if (kind < 9) {
    const taskId = await createTask(session, "test_task_required", {})
    const result = await request(session, "tasks/result", { taskId })
    expectText(result, "required task done", "tasks/result of test_task_required")
  } else {
    const taskId = await createTask(session, "test_task_fail", {})
    let status = "working"
    for (let i = 0; i < 40 && status === "working"; i++) {
      await sleep(50)
      status = await taskStatus(session, taskId)
    }
    if (status !== "failed") fail(`tasks/get of test_task_fail: status ${status}`)
  }
}

/** A slow task cancelled with tasks/cancel. */
const taskCancel = async (session: RawSession): Promise<void> => {
  const taskId = await createTask(session, "test_task_slow", { ms: 30_000, steps: 30 })
  await sleep(randomInt(20, 200))
  const cancelled = await request(session, "tasks/cancel", { taskId })
  if (cancelled.message.result.status !== "cancelled") fail(`tasks/cancel: ${describeMessage(cancelled.message.result)}`)
  const status = await taskStatus(session, taskId)
  if (status !== "cancelled") fail(`tasks/get after tasks/cancel: status ${status}`)
  const result = await request(session, "tasks/result", { taskId }, { allowError: true })
  if (result.message.error === undefined) fail(`tasks/result of a cancelled task: ${describeMessage(result.message)}`)
}

/** GET with Last-Event-ID: the messages of the resumed stream, up to the response to `id`. */
const resume = async (session: RawSession, lastEventId: string, id: number, what: string): Promise<{
  readonly messages: ReadonlyArray<any>
  readonly eventIds: ReadonlyArray<string | undefined>
}> => {
  const exchange = new Exchange(`${what}: GET with Last-Event-ID ${lastEventId}`)
  return exchange.run(async (signal) => {
    const response = await fetch(url, {
      headers: {
        accept: "text/event-stream",
        "mcp-protocol-version": PROTOCOL_VERSION,
        "mcp-session-id": session.id!,
        "last-event-id": lastEventId
      },
      signal
    })
    if (response.status !== 200 || !isSse(response)) {
      fail(`${exchange.what}: HTTP ${response.status} ${response.headers.get("content-type")} ${await bodyOf(response)}`)
    }
    const messages: Array<any> = []
    const eventIds: Array<string | undefined> = []
    for await (const event of sseEvents(response, exchange.what)) {
      if (event.data === "") continue
      const message = parse(event.data, exchange.what)
      messages.push(message)
      eventIds.push(event.id)
      if (message.id === id && message.method === undefined) return { messages, eventIds }
    }
    return fail(`${exchange.what}: the stream ended without the response; got ${clip(JSON.stringify(messages))}`)
  })
}

/** test_reconnection: the server closes the stream after priming; the result comes on resumption. */
const resumeClosed = async (session: RawSession): Promise<void> => {
  const id = session.nextId()
  const exchange = new Exchange(`tools/call test_reconnection (id ${id})`)
  const priming = await exchange.run(async (signal) => {
    const response = await postRaw(session.id, { jsonrpc: "2.0", id, method: "tools/call", params: toolCall("test_reconnection", {}) }, signal)
    if (response.status !== 200 || !isSse(response)) fail(`${exchange.what}: HTTP ${response.status} ${await bodyOf(response)}`)
    const events: Array<SseEvent> = []
    for await (const event of sseEvents(response, exchange.what)) events.push(event)
    if (events.length !== 1 || events[0]!.data !== "" || events[0]!.id === undefined) {
      fail(`${exchange.what}: expected only a priming event, got ${clip(JSON.stringify(events))}`)
    }
    return events[0]!
  })
  await sleep(Math.min(priming.retry ?? 0, 1_000)) // the client waits `retry` before reconnecting
  const { messages, eventIds } = await resume(session, priming.id!, id, "test_reconnection")
  if (messages.length !== 1) fail(`test_reconnection resumed: expected only the response, got ${clip(JSON.stringify(messages))}`)
  if (textsOf(messages[0].result)[0] !== "Reconnection test completed") fail(`test_reconnection resumed: ${describeMessage(messages[0])}`)
  if (eventIds.some((e) => streamOf(e) !== streamOf(priming.id))) fail(`test_reconnection resumed: events of another stream ${eventIds}`)
}

/** A live stream dropped after its first progress event, resumed with Last-Event-ID. */
const resumeLive = async (session: RawSession): Promise<void> => {
  const id = session.nextId()
  const exchange = new Exchange(`tools/call test_task_slow with progress (id ${id}), dropped`)
  let lastEventId = ""
  let primingId = ""
  try {
    await exchange.run(async (signal) => {
      const response = await postRaw(session.id, {
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: toolCall("test_task_slow", { ms: 900, steps: 3 }, { progressToken: `r${id}` })
      }, signal)
      if (response.status !== 200 || !isSse(response)) fail(`${exchange.what}: HTTP ${response.status} ${await bodyOf(response)}`)
      const events = sseEvents(response, exchange.what)
      const priming = await events.next()
      const first = await events.next()
      if (priming.done === true || priming.value!.data !== "" || first.done === true) {
        fail(`${exchange.what}: expected a priming event then progress`)
      }
      const progress = parse(first.value!.data, exchange.what)
      if (progress.method !== "notifications/progress" || progress.params.progress !== 1) {
        fail(`${exchange.what}: expected progress 1, got ${describeMessage(progress)}`)
      }
      primingId = priming.value!.id ?? ""
      lastEventId = first.value!.id ?? fail(`${exchange.what}: an event without id`)
      exchange.drop() // the connection breaks
    })
  } catch (error) {
    if (!(error instanceof Dropped)) throw error
  }
  const { messages, eventIds } = await resume(session, lastEventId, id, "dropped stream")
  const seen = messages.map((m) => (m.method === "notifications/progress" ? `progress ${m.params.progress}` : m.id === id ? "result" : m.method))
  if (seen.join(",") !== "progress 2,progress 3,result") fail(`dropped stream resumed: expected progress 2, 3, result; got ${seen.join(", ")}`)
  if (textsOf(messages.at(-1).result)[0] !== "done") fail(`dropped stream resumed: ${describeMessage(messages.at(-1))}`)
  if (eventIds.some((e) => streamOf(e) !== streamOf(primingId))) fail(`dropped stream resumed: events of another stream ${eventIds}`)
}

const operations: ReadonlyArray<readonly [string, number, (session: RawSession) => Promise<void>]> = [
  ["tools/list", 8, listTools],
  ["tools/call quick", 24, (session) => quickCall(session)],
  ["resources/read", 4, readResource],
  ["prompts/get", 3, getPrompt],
  ["tools/call streaming", 8, streamingCall],
  ["sampling", 5, sample],
  ["elicitation", 5, elicit],
  ["cancel", 6, cancelCall],
  ["abandon", 4, abandonCall],
  ["task", 8, taskCall],
  ["task/cancel", 4, taskCancel],
  ["resume/closed-stream", 4, resumeClosed],
  ["resume/dropped-stream", 4, resumeLive]
]
const totalWeight = operations.reduce((sum, [, weight]) => sum + weight, 0)

const pickOperation = () => {
  let roll = Math.random() * totalWeight
  for (const operation of operations) {
    roll -= operation[1]
    if (roll < 0) return operation
  }
  return operations[0]!
}

const rawSession = async (): Promise<void> => {
  const session = new RawSession()
  if (!(await op("session/open", () => openSession(session)))) return sleep(200)
  const withStandalone = Math.random() < 0.5
  if (withStandalone && !(await op("session/standalone-open", () => openStandalone(session)))) {
    await settleStandalone(session, false).catch(() => {})
    await op("session/close", () => closeSession(session))
    return
  }
  const count = randomInt(5, OPS_PER_SESSION)
  let healthy = true
  for (let i = 0; i < count && healthy && !stopping(); i++) {
    await reuseDue(session, false)
    const [name, , run] = pickOperation()
    healthy = await op(name, () => run(session))
  }
  if (serverDied()) {
    // nothing more to ask of a dead server: the crash is the error
    await settleStandalone(session, false)
    return
  }
  if (healthy) await reuseDue(session, true)
  const closed = await op("session/close", () => closeSession(session))
  if (!withStandalone) return
  if (closed) await op("session/standalone-end", () => settleStandalone(session, true))
  else await settleStandalone(session, false)
}

// ---------------------------------------------------------------------------
// SDK sessions
// ---------------------------------------------------------------------------

/** A promise bounded in time (the SDK's own timeouts cover requests, not connect/close). */
const within = <A>(promise: Promise<A>, ms: number, what: string): Promise<A> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Failure(`${what}: no answer within ${ms} ms`)), ms)))
  ]).finally(() => clearTimeout(timer))
}

const sdkSession = async (): Promise<void> => {
  let closing = false
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    reconnectionOptions: { initialReconnectionDelay: 100, maxReconnectionDelay: 1_000, reconnectionDelayGrowFactor: 1.5, maxRetries: 3 }
  })
  const client = new Client({ name: "soak-sdk", version: "1.0.0" }, { capabilities: { sampling: {}, elicitation: {} } })
  client.setRequestHandler(CreateMessageRequestSchema, () => ({
    role: "assistant",
    model: "soak",
    content: { type: "text", text: "an SDK answer" }
  }))
  client.setRequestHandler(ElicitRequestSchema, () => ({ action: "accept", content: { username: "sdk", email: "sdk@example.com" } }))
  client.onerror = (error) => {
    if (!closing && !serverDied()) recordError("sdk/transport", `SDK client error: ${errorText(error)}`)
  }
  const options = { timeout: TIMEOUT_MS }
  const text = (result: any) => textsOf(result)[0]
  const connected = await op("sdk/connect", () => within(client.connect(transport), TIMEOUT_MS, "SDK connect"))
  if (connected) {
    const calls: ReadonlyArray<readonly [string, () => Promise<void>]> = [
      ["sdk/tools/list", async () => {
        const { tools } = await client.listTools(undefined, options)
        if (!tools.some((t) => t.name === "test_task_slow")) fail("SDK tools/list: test_task_slow missing")
      }],
      ["sdk/tools/call", async () => {
        const result = await client.callTool({ name: "test_simple_text", arguments: {} }, undefined, options)
        if (text(result) !== "This is a simple text response for testing.") fail(`SDK test_simple_text: ${describeMessage(result)}`)
      }],
      ["sdk/progress", async () => {
        const progress: Array<number> = []
        const result = await client.callTool({ name: "test_tool_with_progress", arguments: {} }, undefined, {
          ...options,
          onprogress: (p) => void progress.push(p.progress)
        })
        if (!/^Progress reported for token /.test(text(result) ?? "") || progress.join(",") !== "0,50,100") {
          fail(`SDK test_tool_with_progress: ${describeMessage(result)}, progress ${progress}`)
        }
      }],
      ["sdk/sampling", async () => {
        const result = await client.callTool({ name: "test_sampling", arguments: { prompt: "hi" } }, undefined, options)
        if (text(result) !== "LLM response: an SDK answer") fail(`SDK test_sampling: ${describeMessage(result)}`)
      }],
      ["sdk/elicitation", async () => {
        const result = await client.callTool({ name: "test_elicitation", arguments: { message: "who?" } }, undefined, options)
        if (!/^User response: action=accept/.test(text(result) ?? "")) fail(`SDK test_elicitation: ${describeMessage(result)}`)
      }],
      ["sdk/reconnection", async () => {
        const result = await client.callTool({ name: "test_reconnection", arguments: {} }, undefined, options)
        if (text(result) !== "Reconnection test completed") fail(`SDK test_reconnection: ${describeMessage(result)}`)
      }]
    ]
    const rounds = randomInt(1, 3)
    for (let round = 0; round < rounds && !stopping(); round++) {
      for (const [name, call] of calls) {
        if (!(await op(name, call))) break
      }
    }
  }
  closing = true
  if (connected && !serverDied()) await op("sdk/terminate", () => within(transport.terminateSession(), TIMEOUT_MS, "SDK terminateSession"))
  await within(client.close(), TIMEOUT_MS, "SDK close").catch(() => {})
}

// ---------------------------------------------------------------------------
// The child
// ---------------------------------------------------------------------------


interface ServerChild {
  readonly process: ChildProcess
  readonly pid: number
  readonly port: number
  /** Why the child ended, once it did unexpectedly. */
  died: string | undefined
  stderr: string
  stderrLines: number
  close(): Promise<string>
}

const startServer = async (): Promise<ServerChild> => {
  const port = await freePort()
  const proc = spawn(
    process.execPath,
    [
      `--max-old-space-size=${HEAP_MB}`,
      "--import",
      "./bench/memory-probe.ts",
      "examples/everything-server.ts",
      "--http",
      "--port",
      String(port),
      "--host",
      HOST
    ],
    { cwd: repoRoot, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, SOAK_MEMORY_FILE: memoryFile } }
  )
  children.add(proc)
  if (proc.pid === undefined) throw new Error("spawn failed")
  let closing = false
  let exited: (description: string) => void = () => {}
  const exit = new Promise<string>((resolve) => (exited = resolve))
  const child: ServerChild = {
    process: proc,
    pid: proc.pid,
    port,
    died: undefined,
    stderr: "",
    stderrLines: 0,
    close: () => {
      closing = true
      if (proc.exitCode !== null || proc.signalCode !== null) return exit
      proc.kill("SIGTERM")
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000)
      return exit.then((description) => {
        clearTimeout(timer)
        return description
      })
    }
  }
  proc.stderr!.setEncoding("utf8")
  proc.stderr!.on("data", (chunk: string) => {
    child.stderrLines += chunk.split("\n").length - 1
    child.stderr = (child.stderr + chunk).slice(-4_000)
  })
  proc.on("exit", (code, signal) => {
    children.delete(proc)
    const description = signal !== null ? `killed by ${signal}` : `exit code ${code}`
    if (!closing) {
      child.died = `the server exited unexpectedly (${description})`
      recordError("server", child.died)
    }
    exited(description)
  })
  // Listening: any HTTP answer to a GET.
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.died !== undefined) throw new Error(`${child.died}\n${child.stderr}`)
    const answered = await new Promise<boolean>((resolve) => {
      const req = httpRequest({ host: HOST, port, path: "/mcp", method: "GET", agent: false }, (res) => {
        res.resume()
        res.on("end", () => resolve(true))
      })
      req.on("error", () => resolve(false))
      req.end()
    })
    if (answered) return child
    if (Date.now() > deadline) throw new Error(`the server is not listening after 30 s\n${child.stderr}`)
    await sleep(50)
  }
}

/** Where the child's memory probe (`bench/memory-probe.ts`) writes its `process.memoryUsage()`. */
const memoryFile = join(mkdtempSync(join(tmpdir(), "soak-")), "memory.json")

/** The child's last `process.memoryUsage()` in MB (heap used, external incl. array buffers), if any. */
const childMemoryMb = (): { readonly heapUsed: number; readonly external: number } | undefined => {
  try {
    const usage = JSON.parse(readFileSync(memoryFile, "utf8")) as NodeJS.MemoryUsage
    return { heapUsed: usage.heapUsed / 1048576, external: usage.external / 1048576 }
  } catch {
    return undefined
  }
}

/** VmRSS of `pid` in MB, or undefined when it is gone. */
const rssMb = (pid: number): number | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
    return match === null ? undefined : Number(match[1]) / 1024
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

let endAt = Number.POSITIVE_INFINITY
let server: ServerChild | undefined
const serverDied = () => server?.died !== undefined
const stopping = () => Date.now() >= endAt || serverDied()

interface Sample {
  readonly seconds: number
  readonly rss: number | undefined
  readonly heapUsed: number | undefined
  readonly external: number | undefined
  readonly opsPerSecond: number
  readonly errors: number
}

const main = async (): Promise<number> => {
  const loadAtStart = loadavg()[0]!
  startedAt = Date.now()
  server = await startServer()
  url = `http://${HOST}:${server.port}/mcp`
  log(
    `everything server pid ${server.pid} at ${url} (--max-old-space-size=${HEAP_MB}); ${CLIENTS} clients for ${SECONDS} s ` +
      `(SOAK_SECONDS), RSS every ${SAMPLE_SECONDS} s`
  )
  startedAt = Date.now()
  endAt = startedAt + SECONDS * 1000

  const samples: Array<Sample> = []
  const header = [
    "| time (s) | RSS (MB) | V8 heap used (MB) | external (MB) | ops/s | errors so far |",
    "|---:|---:|---:|---:|---:|---:|"
  ]
  for (const line of header) process.stdout.write(`${line}\n`)
  let lastOps = 0
  let lastAt = startedAt
  const takeSample = () => {
    const now = Date.now()
    const memory = childMemoryMb()
    const s: Sample = {
      seconds: Math.round((now - startedAt) / 1000),
      rss: rssMb(server!.pid),
      heapUsed: memory?.heapUsed,
      external: memory?.external,
      opsPerSecond: now > lastAt ? ((totalOps - lastOps) * 1000) / (now - lastAt) : 0,
      errors: totalErrors
    }
    lastOps = totalOps
    lastAt = now
    samples.push(s)
    process.stdout.write(`${row(s)}\n`)
  }
  const row = (s: Sample) =>
    `| ${s.seconds} | ${s.rss === undefined ? "(gone)" : fmt(s.rss, 1)} | ${s.heapUsed === undefined ? "–" : fmt(s.heapUsed, 1)} | ` +
    `${s.external === undefined ? "–" : fmt(s.external, 1)} | ${fmt(s.opsPerSecond, 1)} | ${fmt(s.errors)} |`
  takeSample()
  const sampler = setInterval(takeSample, SAMPLE_SECONDS * 1000)

  let sessions = 0
  const client = async (index: number) => {
    // staggered starts
    await sleep(index * 50)
    while (!stopping()) {
      sessions++
      if (sessions % SDK_EVERY === 0) await sdkSession()
      else await rawSession()
    }
  }
  const clients = Array.from({ length: CLIENTS }, (_, i) => client(i).catch((error) => recordError("client", errorText(error))))
  let drainTimer: ReturnType<typeof setTimeout> | undefined
  const drained = await Promise.race([
    Promise.all(clients).then(() => true),
    sleep(SECONDS * 1000).then(
      () => new Promise<boolean>((resolve) => (drainTimer = setTimeout(() => resolve(false), DRAIN_MS)))
    )
  ])
  clearTimeout(drainTimer)
  clearInterval(sampler)
  if (!drained) recordError("client", `clients still busy ${DRAIN_MS} ms after the end of the soak`)
  if (Date.now() - lastAt > 1_000) takeSample()

  const alive = server.died === undefined && rssMb(server.pid) !== undefined
  const elapsed = (Date.now() - startedAt) / 1000
  const shutdown = await server.close()

  // RSS after warm-up
  const afterWarmup = samples.filter((s) => s.seconds >= WARMUP_SECONDS && s.rss !== undefined)
  const considered = afterWarmup.length > 0 ? afterWarmup : samples.filter((s) => s.rss !== undefined)
  const rssValues = considered.map((s) => s.rss!)
  const rssRange = rssValues.length === 0
    ? "n/a"
    : `${fmt(Math.min(...rssValues), 1)}–${fmt(Math.max(...rssValues), 1)} MB` +
      (afterWarmup.length > 0 ? ` after warm-up (first ${WARMUP_SECONDS} s excluded)` : ` (all samples: the run is shorter than the ${WARMUP_SECONDS} s warm-up)`)
  // growth over the second half of the run (a leak keeps growing; a warmed-up heap does not)
  const measured = samples.filter((s) => s.rss !== undefined)
  const half = measured.filter((s) => s.seconds >= elapsed / 2)
  const growth = half.length >= 2 ? `, ${half.at(-1)!.rss! - half[0]!.rss! >= 0 ? "+" : ""}${fmt(half.at(-1)!.rss! - half[0]!.rss!, 1)} MB over the second half` : ""
  const rate = totalOps === 0 ? 0 : (totalErrors / totalOps) * 100
  const summary =
    `Summary: ${fmt(totalOps)} ops in ${elapsed.toFixed(0)} s (${fmt(totalOps / elapsed, 1)}/s), ${fmt(totalErrors)} errors ` +
    `(error rate ${rate.toFixed(rate > 0 && rate < 0.01 ? 4 : 2)}%), RSS ${rssRange}${growth}, child ${alive ? "alive" : `DEAD (${server.died ?? "gone"})`} ` +
    `at the end.`

  const opLines = [
    "| operation | ok | errors |",
    "|---|---:|---:|",
    ...[...stats.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, s]) => `| ${name} | ${fmt(s.ok)} | ${fmt(s.errors)} |`)
  ]
  const errorLines = [...stats.entries()].flatMap(([name, s]) =>
    [...s.messages.entries()].map(([message, count]) => `- ${name} (×${count}): ${message.replace(/\|/g, "\\|").replace(/\n/g, " ")}`)
  )
  const observationLines = [...observations.entries()].map(([name, m]) =>
    `- How \`${name}\` ended: ${[...m.entries()].map(([outcome, count]) => `${outcome} ×${fmt(count)}`).join("; ")}.`
  )
  const notes = [
    ...observationLines,
    `- Server: \`node --max-old-space-size=${HEAP_MB} examples/everything-server.ts --http\` (stateful, default limits); ` +
      `${CLIENTS} clients, ${fmt(sessions)} sessions (one in ${SDK_EVERY} driven by the SDK v1 client), request timeout ${TIMEOUT_MS} ms, ` +
      `cancel deadline ${CANCEL_DEADLINE_MS} ms.`,
    `- Shutdown after the soak: ${shutdown}; stderr lines from the server: ${server.stderrLines}.`,
    `- Node ${process.version}, ${cpus().length} cores; 1-min load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end.`
  ]
  const report = [
    `### Soak: mixed traffic over Streamable HTTP for ${SECONDS} s (${new Date().toISOString()})`,
    "",
    ...header,
    ...samples.map(row),
    "",
    ...opLines,
    "",
    ...(errorLines.length > 0 ? ["Errors (first of each kind):", "", ...errorLines, ""] : []),
    ...notes,
    "",
    summary,
    ""
  ].join("\n")
  process.stdout.write(`\n${opLines.join("\n")}\n\n`)
  if (errorLines.length > 0) process.stdout.write(`Errors (first of each kind):\n\n${errorLines.join("\n")}\n\n`)
  process.stdout.write(`${notes.join("\n")}\n\n${summary}\n`)
  if (server.stderrLines > 0) process.stderr.write(`last stderr of the server:\n${server.stderr}\n`)
  if (WRITE_RESULTS) appendFileSync(resultsPath, `\n${report}`)
  return totalErrors > 0 || !alive ? 1 : 0
}

runBenchmark("bench/soak", main)
