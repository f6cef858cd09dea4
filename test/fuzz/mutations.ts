/**
 * The bad input of the bad-input fuzzer (`BadInput.test.ts`): a seeded generator of malformed
 * JSON-RPC messages, made from valid ones of either era by mutating their fields, their ids, their
 * bytes and (over HTTP) their headers and framing. Deterministic: the same seed gives the same
 * cases.
 */

/** mulberry32: a small seeded PRNG (deterministic across Node versions). */
export const prng = (seed: number) => {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number): number => Math.floor(next() * n)
  const pick = <A>(items: ReadonlyArray<A>): A => items[int(items.length)]!
  const chance = (p: number): boolean => next() < p
  return { next, int, pick, chance }
}

export type Random = ReturnType<typeof prng>

/** 2025-11-25 (a session), 2025-03-26 (a session that takes JSON-RPC batches), 2026-07-28. */
export type Era = "2025" | "2025-03" | "2026"

export const MODERN = "2026-07-28"
export const LEGACY = "2025-11-25"
export const BATCHING = "2025-03-26"

/** The `_meta` every 2026-07-28 request carries. */
export const modernMeta = () => ({
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "fuzz", version: "1" }
})

/** A valid request: its method, params, and the name `Mcp-Name` mirrors (2026-07-28). */
interface Template {
  readonly method: string
  readonly params?: Record<string, unknown>
  readonly name?: string
}

/**
 * Requests the everything server answers at once, whatever their era (none asks the client
 * anything back: a fuzz client answers nothing).
 */
const templates: ReadonlyArray<Template> = [
  { method: "ping" },
  { method: "tools/list" },
  { method: "tools/call", params: { name: "test_simple_text", arguments: {} }, name: "test_simple_text" },
  { method: "tools/call", params: { name: "test_error_handling", arguments: {} }, name: "test_error_handling" },
  { method: "tools/call", params: { name: "test_header_routed", arguments: { region: "eu" } }, name: "test_header_routed" },
  { method: "tools/call", params: { name: "test_task_slow", arguments: { ms: 1, steps: 1 } }, name: "test_task_slow" },
  { method: "tools/call", params: { name: "json_schema_2020_12_tool", arguments: { name: "a" } }, name: "json_schema_2020_12_tool" },
  { method: "resources/list" },
  { method: "resources/templates/list" },
  { method: "resources/read", params: { uri: "test://static-text" }, name: "test://static-text" },
  { method: "prompts/list" },
  { method: "prompts/get", params: { name: "test_simple_prompt" }, name: "test_simple_prompt" },
  { method: "prompts/get", params: { name: "test_prompt_with_arguments", arguments: { arg1: "a", arg2: "b" } }, name: "test_prompt_with_arguments" },
  { method: "completion/complete", params: { ref: { type: "ref/prompt", name: "test_prompt_with_arguments" }, argument: { name: "arg1", value: "a" } } },
  { method: "logging/setLevel", params: { level: "info" } },
  { method: "tasks/get", params: { taskId: "no-such-task" }, name: "no-such-task" },
  { method: "tasks/list" },
  { method: "server/discover" },
  { method: "skills/list" },
  { method: "skills/get", params: { uri: "skill://conformance-skill/SKILL.md" } },
  { method: "resources/directory/read", params: { uri: "skill://conformance-skill/references" } },
  { method: "resources/read", params: { uri: "skill://conformance-skill/references/guide.md" }, name: "skill://conformance-skill/references/guide.md" },
  {
    method: "tools/call",
    params: { name: "test_input_required_result_request_state", arguments: {}, inputResponses: {}, requestState: "e30" },
    name: "test_input_required_result_request_state"
  },
  { method: "tasks/update", params: { taskId: "no-such-task", inputResponses: { k: { action: "accept", content: {} } } }, name: "no-such-task" },
  { method: "tasks/cancel", params: { taskId: "no-such-task" }, name: "no-such-task" },
  { method: "subscriptions/listen", params: { notifications: { toolsListChanged: true, resourceSubscriptions: ["test://watched-resource"] } } },
  { method: "resources/subscribe", params: { uri: "test://watched-resource" } },
  { method: "resources/unsubscribe", params: { uri: "test://watched-resource" } },
  { method: "initialize", params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: "fuzz", version: "1" } } }
]

const notifications: ReadonlyArray<Template> = [
  { method: "notifications/cancelled", params: { requestId: "never-sent" } },
  { method: "notifications/cancelled", params: { requestId: 424242, reason: "fuzz" } },
  { method: "notifications/progress", params: { progressToken: "nope", progress: 1 } },
  { method: "notifications/roots/list_changed" },
  { method: "notifications/initialized" }
]

/**
 * A placeholder for JSON text no `JSON.stringify` writes (`1e400`, `-0`, nesting deeper than a
 * worker's stack): serialized as a string, then replaced by {@link serialize}.
 */
const RAW = "\u0001raw:"
const raw = (text: string, holder: Map<string, string>): string => {
  const key = `${RAW}${holder.size}`
  holder.set(key, text)
  return key
}

/** `value` as JSON text, placeholders replaced with their raw text. */
const serialize = (value: unknown, holder: Map<string, string>): string => {
  let text = JSON.stringify(value)
  for (const [key, replacement] of holder) text = text.replace(JSON.stringify(key), replacement)
  return text
}

/** One fuzz input. */
export interface Case {
  /** What was done to the valid message, for a failure's message (and to replay it). */
  readonly label: string
  readonly era: Era
  /** The bytes of the body (an HTTP POST's, or a stdio line without its newline). */
  readonly body: Buffer
  /**
   * The id an answer must carry when the body is still a well-formed request whose id is valid
   * (a string, or an integer JSON reads back exactly); `undefined` otherwise.
   */
  readonly id: string | number | undefined
  /** The id the valid message was given (unique to the case: other ids a mutation gives are shared). */
  readonly sent: string | number
  /** Whether the body is still the valid message (only its headers or framing were changed). */
  readonly intact: boolean
  /** Whether the message is a request (has an id) rather than a notification or response. */
  readonly request: boolean
  /** HTTP: the headers, mirrored from the body (2026-07-28) then mutated; `null` drops one. */
  readonly headers: Record<string, string | ReadonlyArray<string> | null>
  /** HTTP: how the body is framed. */
  readonly framing: "length" | "short-length" | "long-length" | "chunked" | "chunked-cut"
}

/** Odd values a field may be given in place of its own. */
const oddValues = (random: Random, holder: Map<string, string>): unknown => {
  switch (random.int(22)) {
    case 0:
      return null
    case 1:
      return random.pick([0, -1, 1.5, 2 ** 53 + 2, -(2 ** 63), Number.MAX_VALUE])
    case 2:
      return raw(random.pick(["1e400", "-1e400", "-0", "1E-400", "123456789012345678901234567890", "-0.0e0"]), holder)
    case 3:
      return random.pick([true, false])
    case 4:
      return []
    case 5:
      return {}
    case 6:
      return ""
    case 7:
      return "x".repeat(random.pick([1_000, 70_000, 300_000]))
    case 8:
    {
      const depth = random.pick([100, 5_000, 20_000])
      return raw(`${"[".repeat(depth)}1${"]".repeat(depth)}`, holder)
    }
    case 9: {
      const depth = random.pick([100, 5_000, 20_000])
      return raw(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`, holder)
    }
    case 10:
      // unclosed: the whole text is not JSON
      return raw("[".repeat(random.pick([100, 5_000, 20_000])), holder)
    case 11:
      return raw('{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}', holder)
    case 12:
      return { toString: "x", valueOf: 1, hasOwnProperty: null }
    case 13:
      return "\u0000"
    case 14:
      return "\ud800"
    case 15:
      return "a\u2028b\u2029c"
    case 16:
      return [1, "two", null, {}]
    case 17:
      return random.pick(["tools/call", "initialize", "ping", "rpc.discover", "notifications/cancelled"])
    case 18:
      return { name: "test_simple_text", arguments: {} }
    case 19:
      return raw(`"${"\\u0000".repeat(100)}"`, holder)
    case 20:
      return Array.from({ length: random.pick([1_000, 50_000]) }, (_, i) => i)
    default:
      return raw(`{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":${i}`).join(",")}}`, holder)
  }
}

const oddIds = (random: Random, holder: Map<string, string>): unknown =>
  random.pick([
    () => null,
    () => ({}),
    () => ({ id: 1 }),
    () => [1],
    () => true,
    () => 1.5,
    () => raw("-0", holder),
    () => raw("1e400", holder),
    () => raw("123456789012345678901234567890", holder),
    () => 2 ** 53 + 2,
    () => -1,
    () => "",
    () => "i".repeat(100_000),
    () => "__proto__",
    () => "constructor",
    () => "\u0000",
    () => "\ud800"
  ])()

/** The paths of the values in `value` (objects and arrays), at most `max`. */
const paths = (value: unknown, max: number): Array<Array<string | number>> => {
  const out: Array<Array<string | number>> = []
  const walk = (node: unknown, path: Array<string | number>) => {
    if (out.length >= max) return
    out.push(path)
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length && out.length < max; i++) walk(node[i], [...path, i])
    } else if (node !== null && typeof node === "object") for (const [k, child] of Object.entries(node)) walk(child, [...path, k])
  }
  walk(value, [])
  return out
}

const parentOf = (root: any, path: ReadonlyArray<string | number>): any => path.slice(0, -1).reduce((node, key) => node?.[key], root)

/** Integer ids JSON reads back exactly, and strings: the ids an answer must repeat. */
const answerableId = (id: unknown): id is string | number =>
  typeof id === "string" || (typeof id === "number" && Number.isSafeInteger(id) && !Object.is(id, -0))

/** The headers a 2026-07-28 request mirrors from its body (2025: none beyond the version). */
const mirrored = (era: Era, message: any): Record<string, string> => {
  if (era !== "2026") return { "mcp-protocol-version": era === "2025" ? LEGACY : BATCHING }
  const headers: Record<string, string> = { "mcp-protocol-version": MODERN }
  if (typeof message?.method === "string") headers["mcp-method"] = message.method
  const name = message?.params?.name ?? message?.params?.uri ?? message?.params?.taskId
  if (typeof name === "string") headers["mcp-name"] = name
  if (message?.method === "tools/call" && message?.params?.name === "test_header_routed") {
    const region = message.params.arguments?.region
    if (typeof region === "string") headers["mcp-param-region"] = region
  }
  return headers
}

/** One valid message of `era` (`id` for a request). */
const validMessage = (random: Random, era: Era, id: string | number): { message: any; request: boolean } => {
  const notify = random.chance(0.12)
  const template = notify ? random.pick(notifications) : random.pick(templates)
  const params: Record<string, unknown> | undefined = template.params === undefined
    ? (era === "2026" ? {} : undefined)
    : structuredClone(template.params)
  if (era === "2026" && params !== undefined) {
    params._meta = modernMeta()
    // tasks/* need the extension declared (else -32021 whatever the params)
    if (template.method.startsWith("tasks/")) {
      ;(params._meta as any)["io.modelcontextprotocol/clientCapabilities"] = { extensions: { "io.modelcontextprotocol/tasks": {} } }
    }
  }
  const message: Record<string, unknown> = { jsonrpc: "2.0" }
  if (!notify) message.id = id
  message.method = template.method
  if (params !== undefined) message.params = params
  return { message, request: !notify }
}

const utf8Breakers = [
  Buffer.from([0xff]),
  Buffer.from([0xc3]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  Buffer.from([0xe2, 0x82])
]

/**
 * The `n`th case of `seed`: a valid message of a random era (or `era`), then one to three
 * mutations of its fields, id, bytes, headers or framing.
 */
export const generate = (seed: number, n: number, options: { readonly era?: Era; readonly http: boolean }): Case => {
  const random = prng(seed * 1_000_003 + n)
  const era: Era = options.era ?? random.pick<Era>(["2025", "2025-03", "2026"])
  const validId = random.chance(0.5) ? `f${seed}-${n}` : seed * 100_000 + n
  const { message, request } = validMessage(random, era, validId)
  const holder = new Map<string, string>()
  const labels: Array<string> = [`${era} ${message.method}${request ? "" : " (notification)"}`]
  let root: any = message
  let headers: Record<string, string | ReadonlyArray<string> | null> = options.http
    ? { "content-type": "application/json", accept: "application/json, text/event-stream", ...mirrored(era, message) }
    : {}
  let framing: Case["framing"] = "length"
  let bodyChanged = false
  let bytes: ((text: string) => Buffer) | undefined
  const rounds = 1 + random.int(random.chance(0.3) ? 3 : 1)
  for (let round = 0; round < rounds; round++) {
    const kind = random.int(options.http ? 14 : 10)
    switch (kind) {
      case 0: {
        // drop a field
        const all = paths(root, 200).filter((path) => path.length > 0)
        if (all.length === 0) break
        const path = random.pick(all)
        const parent = parentOf(root, path)
        if (Array.isArray(parent)) parent.splice(path.at(-1) as number, 1)
        else delete parent[path.at(-1)!]
        labels.push(`drop ${path.join(".")}`)
        bodyChanged = true
        break
      }
      case 1: {
        // rename a field
        const all = paths(root, 200).filter((path) => path.length > 0 && typeof path.at(-1) === "string")
        if (all.length === 0) break
        const path = random.pick(all)
        const parent = parentOf(root, path)
        const to = random.pick(["__proto__", "constructor", "prototype", "ID", "Method", "", "jsonrpc", "id", "method", "params", "result", "error", "\u0000"])
        const value = parent[path.at(-1)!]
        delete parent[path.at(-1)!]
        // `__proto__` as an own key: defineProperty, as JSON.parse would make it.
        Object.defineProperty(parent, to, { value, enumerable: true, configurable: true, writable: true })
        labels.push(`rename ${path.join(".")} → ${JSON.stringify(to)}`)
        bodyChanged = true
        break
      }
      case 2: {
        // retype a field (or the whole message)
        const all = paths(root, 200)
        const path = random.pick(all)
        const value = oddValues(random, holder)
        if (path.length === 0) root = value
        else parentOf(root, path)[path.at(-1)!] = value
        labels.push(`retype ${path.join(".") || "message"} → ${String(holder.get(value as string) ?? JSON.stringify(value)).slice(0, 40)}`)
        bodyChanged = true
        break
      }
      case 3: {
        if (root === null || typeof root !== "object" || Array.isArray(root)) break
        const id = oddIds(random, holder)
        root.id = id
        labels.push(`id → ${String(holder.get(id as string) ?? JSON.stringify(id)).slice(0, 40)}`)
        bodyChanged = true
        break
      }
      case 4: {
        // params as something else, or an unknown method
        if (root === null || typeof root !== "object" || Array.isArray(root)) break
        if (random.chance(0.5)) {
          root.params = random.pick([[1, 2], "params", 5, null, true, [{ name: "test_simple_text" }]])
          labels.push(`params → ${JSON.stringify(root.params)}`)
        } else {
          root.method = random.pick(["no/such", "tools/calls", "Tools/List", "rpc.discover", "", "tools/list\u0000", "x".repeat(10_000), "notifications/nope"])
          labels.push(`method → ${JSON.stringify(root.method).slice(0, 40)}`)
        }
        bodyChanged = true
        break
      }
      case 5: {
        // batches
        const shape = random.int(5)
        root = shape === 0
          ? []
          : shape === 1
          ? [[]]
          : shape === 2
          ? [root, { jsonrpc: "2.0", id: "b2", method: "ping" }]
          : shape === 3
          ? [root, 5, "x", null]
          : Array.from({ length: 2_000 }, (_, i) => ({ jsonrpc: "2.0", id: `h${i}`, method: "ping" }))
        labels.push(`batch ${["empty", "nested", "mixed", "junk", "huge"][shape]}`)
        bodyChanged = true
        break
      }
      case 6: {
        // a response to a request never sent, or an error object
        root = random.chance(0.5)
          ? { jsonrpc: "2.0", id: random.pick(["never", 99_999, null]), result: {} }
          : { jsonrpc: "2.0", id: random.pick(["never", 99_999]), error: { code: random.pick([-1, 1.5, "x"]), message: random.pick(["no", 5]) } }
        labels.push(`response ${JSON.stringify(root).slice(0, 60)}`)
        bodyChanged = true
        break
      }
      case 7: {
        // bytes: invalid UTF-8 inside a string, a BOM, a NUL, truncation, trailing garbage
        const op = random.int(6)
        const previous = bytes
        bytes = (text) => {
          const base = previous === undefined ? Buffer.from(text) : previous(text)
          const cut = Math.max(1, random.int(base.length))
          switch (op) {
            case 0: {
              const quote = base.indexOf(0x22, Math.min(cut, base.length - 1))
              const at = quote === -1 ? cut : quote + 1
              return Buffer.concat([base.subarray(0, at), random.pick(utf8Breakers), base.subarray(at)])
            }
            case 1:
              return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), base])
            case 2:
              return Buffer.concat([base.subarray(0, cut), Buffer.from([0]), base.subarray(cut)])
            case 3:
              return base.subarray(0, cut)
            case 4:
              return Buffer.concat([base, Buffer.from(random.pick(["x", "}", " {}", "\u0000", "]", '{"jsonrpc":"2.0","id":"t","method":"ping"}']))])
            default:
              return Buffer.concat([base, Buffer.from(" \t\r ")])
          }
        }
        labels.push(`bytes ${["bad utf-8", "bom", "nul", "truncated", "trailing garbage", "trailing whitespace"][op]}`)
        bodyChanged = true
        break
      }
      case 8: {
        // __proto__ / constructor keys inside params and _meta
        if (root === null || typeof root !== "object" || Array.isArray(root)) break
        const target = root.params !== null && typeof root.params === "object" && !Array.isArray(root.params) ? root.params : root
        const where = random.pick(["", "_meta", "arguments"])
        const holderObject = where === "" ? target : target[where]
        if (holderObject === null || typeof holderObject !== "object" || Array.isArray(holderObject)) break
        const key = random.pick(["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"])
        Object.defineProperty(holderObject, key, {
          value: random.pick([{ polluted: true }, null, "x", 1, []]),
          enumerable: true,
          configurable: true,
          writable: true
        })
        labels.push(`key ${where}.${key}`)
        bodyChanged = true
        break
      }
      case 9: {
        // long strings in a place the server echoes (a name, a URI, a progress token)
        if (root === null || typeof root !== "object" || Array.isArray(root)) break
        const long = random.pick(["n", "é", "\ud83d\ude00", "%", "{", "\\"]).repeat(random.pick([5_000, 200_000]))
        if (root.params !== null && typeof root.params === "object" && !Array.isArray(root.params)) {
          const key = random.pick(["name", "uri", "taskId", "cursor", "level", "requestId", "progressToken"])
          root.params[key] = long
          labels.push(`long params.${key}`)
        } else {
          root.method = long
          labels.push("long method")
        }
        bodyChanged = true
        break
      }
      case 10: {
        // headers that disagree with the body
        const name = random.pick(["mcp-method", "mcp-name", "mcp-protocol-version", "mcp-param-region", "mcp-session-id"])
        const value = random.pick<string | ReadonlyArray<string> | null>([
          null,
          "",
          "tools/list",
          "2025-06-18",
          "2026-07-28",
          "2099-01-01",
          "=?base64?!!!?=",
          "=?base64??=",
          `=?base64?${Buffer.from("test_simple_text").toString("base64")}?=`,
          ["a", "b"],
          "x".repeat(9_000),
          "no-such-session"
        ])
        headers = { ...headers, [name]: value }
        labels.push(`header ${name}: ${JSON.stringify(value)?.slice(0, 40)}`)
        break
      }
      case 11: {
        const name = random.pick(["content-type", "accept"])
        const value = random.pick<string | ReadonlyArray<string> | null>([
          null,
          "text/plain",
          "application/json; charset=utf-16",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "*/*",
          "text/event-stream",
          "application/json, application/json",
          ["application/json", "text/plain"],
          "",
          "application/json;;;",
          'application/json; x="'
        ])
        headers = { ...headers, [name]: value }
        labels.push(`header ${name}: ${JSON.stringify(value)}`)
        break
      }
      case 12: {
        framing = random.pick(["short-length", "long-length", "chunked", "chunked-cut"] as const)
        labels.push(`framing ${framing}`)
        break
      }
      default: {
        headers = { ...headers, [random.pick(["mcp-method", "mcp-name", "mcp-protocol-version", "content-type"])]: ["x", "y"] }
        labels.push("repeated header")
      }
    }
  }
  let text: string
  try {
    text = serialize(root, holder)
  } catch {
    text = "{"
  }
  const body = bytes === undefined ? Buffer.from(text) : bytes(text)
  const id = !bodyChanged && request && answerableId(validId) ? validId : undefined
  return { label: labels.join(", "), era, body, id, sent: validId, intact: !bodyChanged, request, headers, framing }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/**
 * The ids a server must answer for `body`: read as strictly as the server reads it (UTF-8 without
 * a byte order mark, one JSON text), a request (a `method` key and no `result` or `error`) whose id
 * is a string or a safe integer, and, where batches are taken (`batching`), each such member of a
 * non-empty array holding no response. A subscription (answered at its end only) is left out.
 */
export const dueIds = (body: Buffer, batching: boolean): Array<string | number> => {
  let value: unknown
  try {
    const text = strictUtf8.decode(body)
    if (text.charCodeAt(0) === 0xfeff) return []
    value = JSON.parse(text)
  } catch {
    return []
  }
  const due = (message: any): Array<string | number> =>
    message !== null && typeof message === "object" && !Array.isArray(message) &&
      Object.hasOwn(message, "method") && !Object.hasOwn(message, "result") && !Object.hasOwn(message, "error") &&
      answerableId(message.id) && message.method !== "subscriptions/listen"
      ? [message.id]
      : []
  // A batch mixing responses with requests is refused whole (2025-03-26's HTTP transport).
  const response = (message: any) => message !== null && typeof message === "object" && (Object.hasOwn(message, "result") || Object.hasOwn(message, "error"))
  if (Array.isArray(value)) return batching && value.length > 0 && !value.some(response) ? value.flatMap(due) : []
  return due(value)
}
