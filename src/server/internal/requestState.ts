/**
 * The sealed `requestState` of a multi round-trip request (MRTR, MCP 2026-07-28): the answers a
 * client gave in earlier rounds travel back to the server inside it, so any replica can continue
 * the request (no server-side state). It is attacker-controlled input, so it is authenticated
 * (HMAC-SHA256 with a key ring: the first key seals, every key opens, for rotation), bound to the
 * request it belongs to (a digest of its method and target arguments) and short-lived.
 *
 * Hand-written on `node:crypto` (a MAC and a JSON payload, no format a library would add to); kept
 * small.
 *
 * @internal
 */
import { canonicalJson } from "../../internal/canonicalJson.ts"
import { nodeCrypto } from "../../internal/nodeCrypto.ts"
import type * as JsonRpc from "../../protocol/JsonRpc.ts"

/** How `requestState` is sealed. */
export interface RequestStateOptions {
  /**
   * The key ring (at least 32 random bytes each, e.g. base64 strings): the first key seals, all
   * open. Replicas serving one client must share it. Default: a random key per process (a
   * retry then has to reach the same process).
   */
  readonly keys?: ReadonlyArray<string | Uint8Array> | undefined
  /** How long a sealed state may be used (positive, finite). Default 10 minutes. */
  readonly ttlMillis?: number | undefined
}

/**
 * What a state carries: the answers so far, the keys of the inputs its round listed, and which
 * question each key the server made stood for (see `InputRound`), when it records any.
 */
export interface OpenedState {
  readonly answers: { readonly [key: string]: unknown }
  readonly listed: ReadonlyArray<string>
  readonly questions?: ReadonlyMap<string, string> | undefined
}

/** Seals and opens request states. */
export interface RequestStateSealer {
  /**
   * Seals the answers so far, the keys of the inputs the round lists (`listed`), and the digest of
   * the question each key the server made stands for (`questions`, see `InputRound.questions`).
   */
  readonly seal: (
    digest: string,
    answers: { readonly [key: string]: unknown },
    listed?: ReadonlyArray<string>,
    questions?: { readonly [key: string]: string } | undefined
  ) => string
  /** What a state carries; `undefined` when it is tampered with, expired, or another request's. */
  readonly open: (state: string, digest: string) => OpenedState | undefined
}

/** What is wrong with a key ring (a key shorter than 32 bytes), or `undefined`. */
const keyProblem = (keys: ReadonlyArray<Uint8Array>): string | undefined => {
  const short = keys.find((key) => key.length < 32)
  return short === undefined ? undefined : `requestState: a key must have at least 32 bytes, got ${short.length}`
}

/**
 * What is wrong with `options` (the key ring, the time to live), or `undefined`: for the server
 * to refuse them when it is built, not when its first session builds the sealer.
 */
export const checkRequestState = (options: RequestStateOptions | undefined): string | undefined =>
  (options?.keys === undefined ? undefined : keyProblem(options.keys.map((key) => typeof key === "string" ? Buffer.from(key) : key))) ??
    ttlProblem(options?.ttlMillis ?? defaultTtlMillis)

/** How long a sealed state may be used when the options do not say: 10 minutes. */
const defaultTtlMillis = 10 * 60_000

/**
 * What is wrong with a time to live, or `undefined`. Infinity would be sealed as `null` (JSON has
 * no Infinity), NaN likewise, and 0 or less is past at once: every state refused as expired, a
 * server whose MRTR rounds never end.
 */
const ttlProblem = (ttl: number): string | undefined =>
  Number.isFinite(ttl) && ttl > 0 ? undefined : `requestState: ttlMillis must be a positive, finite number of milliseconds, got ${ttl}`

/** A state whose round listed no input (or sealed before inputs were listed in it). */
const noneListed: ReadonlyArray<string> = []

/** The default key ring: one random key per process, made at its first use. */
let processRing: ReadonlyArray<Buffer> | undefined

/**
 * Builds a sealer from the options. Given keys are checked now; the default key is made once per
 * process, at the first seal or open (a server that never runs an MRTR round never loads
 * `node:crypto` for it).
 */
export const makeSealer = (options: RequestStateOptions = {}): RequestStateSealer => {
  const given = options.keys !== undefined && options.keys.length > 0
    ? options.keys.map((key) => typeof key === "string" ? Buffer.from(key) : Buffer.from(key))
    : undefined
  const problem = keyProblem(given ?? [])
  if (problem !== undefined) throw new Error(problem)
  const ring = (): ReadonlyArray<Buffer> => given ?? (processRing ??= [nodeCrypto().randomBytes(32)])
  const ttl = options.ttlMillis ?? defaultTtlMillis
  const badTtl = ttlProblem(ttl)
  if (badTtl !== undefined) throw new Error(badTtl)
  const mac = (key: Buffer, payload: string) => nodeCrypto().createHmac("sha256", key).update(payload).digest()
  return {
    seal: (digest, answers, listed, questions) => {
      const body: { d: string; a: object; e: number; l?: ReadonlyArray<string>; q?: object } = { d: digest, a: answers, e: Date.now() + ttl }
      if (listed !== undefined && listed.length > 0) body.l = listed
      if (questions !== undefined) body.q = questions
      const payload = Buffer.from(JSON.stringify(body)).toString("base64url")
      return `${payload}.${mac(ring()[0]!, payload).toString("base64url")}`
    },
    open: (state, digest) => {
      const dot = state.indexOf(".")
      if (dot <= 0) return undefined
      const payload = state.slice(0, dot)
      // The tag compared as the text it must be, not as the bytes it decodes to: Node's base64url
      // decoding skips characters it does not know and ignores the unused bits of the last one,
      // so `tag!`, `tag==` or another last character would all decode to the same MAC, and one
      // state would have many spellings (a single-use check keyed on the string could be passed).
      const tag = Buffer.from(state.slice(dot + 1))
      const authentic = ring().some((key) => {
        const expected = Buffer.from(mac(key, payload).toString("base64url"))
        return expected.length === tag.length && nodeCrypto().timingSafeEqual(expected, tag)
      })
      if (!authentic) return undefined
      try {
        const body = JSON.parse(Buffer.from(payload, "base64url").toString()) as {
          readonly d?: unknown
          readonly a?: unknown
          readonly e?: unknown
          readonly l?: unknown
          readonly q?: unknown
        }
        if (body.d !== digest || typeof body.e !== "number" || body.e < Date.now()) return undefined
        if (typeof body.a !== "object" || body.a === null) return undefined
        const listed = Array.isArray(body.l) ? body.l.filter((key): key is string => typeof key === "string") : noneListed
        const answers = body.a as { readonly [key: string]: unknown }
        const questions = questionsOf(body.q)
        return questions === undefined ? { answers, listed } : { answers, listed, questions }
      } catch {
        return undefined
      }
    }
  }
}

/** The questions a state records, by key (a map: a key may spell `__proto__` or `toString`). */
const questionsOf = (sealed: unknown): ReadonlyMap<string, string> | undefined => {
  if (typeof sealed !== "object" || sealed === null) return undefined
  const questions = new Map<string, string>()
  for (const [key, digest] of Object.entries(sealed)) if (typeof digest === "string") questions.set(key, digest)
  return questions.size === 0 ? undefined : questions
}

/**
 * What a state is bound to: the method and what the request targets (tool or prompt name and
 * arguments, resource URI) and who asks (the principal, when there is one), not `_meta`,
 * `inputResponses` or `requestState`.
 */
export const digestOf = (request: JsonRpc.Request, requestor: string | undefined): string => {
  const params = request.params ?? {}
  const target = [request.method, params["name"] ?? null, params["uri"] ?? null, params["arguments"] ?? null, requestor ?? null]
  return nodeCrypto().createHash("sha256").update(canonicalJson(target)).digest("base64url")
}
