/**
 * The client's answers to server→client requests: what a pending request waits on, the typed
 * failure for an error answer, and the decoding of a result (one decoder per method, built when
 * the server first asks the client for that method).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Deferred from "effect/Deferred"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { CreateMessageResult, ElicitResult, ServerRequests } from "../../protocol/internal/mcpSchemas.ts"
import { clip } from "../../internal/clip.ts"
import { jsonKindOf } from "../../internal/valueKind.ts"
import { type ClientRequestError, ClientRequestFailed, ClientResultInvalid } from "../ClientRequestError.ts"

/** A server→client request waiting for the client's answer. */
export interface PendingClientRequest {
  readonly deferred: Deferred.Deferred<unknown, ClientRequestError>
  readonly method: string
}

/**
 * The typed failure for a client's error answer. Client input must never throw in the read loop:
 * an error object that is not `{ code: integer, message: string }` is reported as malformed.
 */
export const clientError = (method: string, error: unknown): ClientRequestError => {
  const { code, message, data } = (typeof error === "object" && error !== null ? error : {}) as {
    readonly code?: unknown
    readonly message?: unknown
    readonly data?: unknown
  }
  if (typeof code !== "number" || !Number.isInteger(code) || typeof message !== "string") {
    return new ClientResultInvalid({ method, message: `malformed error answer: ${shown(error)}` })
  }
  return data === undefined
    ? new ClientRequestFailed({ method, code, message })
    : new ClientRequestFailed({ method, code, message, data })
}

/**
 * A client's malformed error as its message quotes it: as JSON, clipped. Never throws: an error
 * nested thousands deep (which `JSON.parse` reads, and `JSON.stringify` overflows the stack on) is
 * named by its kind; thrown here, in the read loop, it ended the session (a stdio server with it).
 */
const shown = (error: unknown): string => {
  try {
    return clip(JSON.stringify(error) ?? String(error))
  } catch {
    return jsonKindOf(error)
  }
}

/**
 * What a client's answer settles its pending request with: its result, or the typed failure of
 * its error. JSON-RPC allows one of them: an answer with both is malformed (taking its result
 * would leave the error it carries unseen).
 */
export const answerExit = (
  method: string,
  answer: { readonly result?: unknown; readonly error?: unknown }
): Exit.Exit<unknown, ClientRequestError> => {
  if (!("error" in answer)) return Exit.succeed(answer.result)
  if ("result" in answer) return Exit.fail(malformedAnswer(method, "it has both a \"result\" and an \"error\""))
  return Exit.fail(clientError(method, answer.error))
}

/** The typed failure for an answer that is not a JSON-RPC response (`detail` says why). */
export const malformedAnswer = (method: string, detail: string): ClientResultInvalid =>
  new ClientResultInvalid({ method, message: `malformed answer: ${detail}` })

/**
 * Decodes a client's result for a server→client request; a result that does not decode is a typed
 * `ClientResultInvalid`. Synchronous: an `Exit` (an Effect too), which a task taking an answer reads
 * at once.
 */
export type ResultDecoder = (method: string, u: unknown) => Exit.Exit<unknown, ClientResultInvalid>

const resultDecoders = new Map<string, ResultDecoder>()
const taskResultDecoders = new Map<string, ResultDecoder>()

/**
 * The results of the methods a request may ask as a task (`params.task`, 2025-11-25), without the
 * `CreateTaskResult` such a request may be answered with: a request that asked for no task takes
 * only these (a `CreateTaskResult` taken for an elicitation's answer gave the handler
 * `{ action: undefined }`). MCP 2026-07-28 asks for no task this way at all.
 */
const plainResults: { readonly [method: string]: () => Schema.Top } = {
  "sampling/createMessage": CreateMessageResult,
  "elicitation/create": ElicitResult
}

/**
 * The decoder of a server→client request's result, by method (`undefined` for a method with no
 * result schema), built on first use and kept. `taskAugmented`: the request asked to be run as a
 * task (`params.task`), so a `CreateTaskResult` answers it too.
 */
export const resultDecoder = (method: string, taskAugmented = false): ResultDecoder | undefined => {
  const decoders = taskAugmented ? taskResultDecoders : resultDecoders
  let decoder = decoders.get(method)
  if (decoder === undefined) {
    if (!Object.hasOwn(ServerRequests, method)) return undefined
    const spec = (ServerRequests as Record<string, { readonly result: () => Schema.Top }>)[method]!
    const result = !taskAugmented && Object.hasOwn(plainResults, method) ? plainResults[method]! : spec.result
    const decode = Schema.decodeUnknownExit(result() as Schema.Codec<unknown, unknown>)
    decoder = (method, u) => {
      const exit = decode(u)
      return exit._tag === "Success"
        ? Exit.succeed(exit.value)
        : Exit.fail(new ClientResultInvalid({ method, message: Cause.pretty(exit.cause) }))
    }
    decoders.set(method, decoder)
  }
  return decoder
}
