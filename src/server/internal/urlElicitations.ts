/**
 * The URL elicitations a failed MCP 2026-07-28 request requires (`McpError.UrlElicitationRequired`,
 * one or more in its cause, from concurrent branches), each asked once: by multi round-trip (its
 * `elicitationId` keys the input request) and in a task's `inputRequests` (the tasks extension).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import { canonicalJson } from "../../internal/canonicalJson.ts"
import * as McpError from "../../protocol/McpError.ts"

/** One URL elicitation to ask, and the first failure that required it. */
export interface UrlElicitation {
  /** Its `elicitationId`, when it has one (a non-empty string). */
  readonly id: string | undefined
  /** Its place among the elicitations of the failures (from 1, duplicates counted). */
  readonly order: number
  /** Its params as asked: without `elicitationId` (2026-07-28's URL elicitation has none), `mode: "url"`. */
  readonly params: { readonly [key: string]: unknown }
  /** The failure that required it first (the one a decline names). */
  readonly failure: McpError.UrlElicitationRequired
}

/**
 * The failures of a cause that holds nothing but URL elicitations required (and interruptions:
 * `McpError.failureBesideUrlElicitation` answered `undefined` for it), in order.
 */
export const urlFailuresOf = (cause: Cause.Cause<McpError.McpError>): ReadonlyArray<McpError.UrlElicitationRequired> =>
  cause.reasons.filter(Cause.isFailReason).map((reason) => reason.error as McpError.UrlElicitationRequired)

/**
 * The URL elicitations of `failures`, in order, those of one `elicitationId` once: two branches
 * that need the same sign-in (an elicitation under the same id, twice in the cause when the two
 * failures differ otherwise, by their message or their other elicitations) ask the user once.
 * Two different elicitations under one id are the server's bug (the id names one elicitation:
 * asked once, the user completed one of the two, and the branch that needed the other was told
 * so): a `RangeError` naming the id (a defect, logged: nothing asked), as a question keyed as a
 * URL elicitation is. The same is the same as asked: its params (all but the id) deeply equal, keys
 * in any order, `mode` "url" whatever it says. Elicitations without an id are told apart by what
 * is asked alone: the same one twice (two branches that need the same sign-in, written without an
 * id) is asked once, at its first place (the user sent to the same page once; the page is all the
 * user sees of it, and an id-less elicitation has nothing else to be completed by); it stays apart
 * from one with an id, whose key is that id.
 */
export const distinctUrlElicitations = (
  failures: ReadonlyArray<McpError.UrlElicitationRequired>
): ReadonlyArray<UrlElicitation> | RangeError => {
  const distinct: Array<UrlElicitation> = []
  // The elicitations seen by id (the first one's, and its params as asked), made at the first one.
  let byId: Map<string, { readonly elicitation: object; readonly params: object }> | undefined
  // Those without an id, by their params as asked (canonical), made at the second one.
  let withoutId: Set<string> | undefined
  let firstWithoutId: UrlElicitation | undefined
  let i = 0
  for (const failure of failures) {
    for (const elicitation of failure.elicitations) {
      const { elicitationId, ...rest } = elicitation
      const params = { ...rest, mode: "url" }
      i++
      if (typeof elicitationId !== "string" || elicitationId.length === 0) {
        const one: UrlElicitation = { id: undefined, order: i, params, failure }
        if (firstWithoutId === undefined) {
          firstWithoutId = one
        } else {
          if (withoutId === undefined) withoutId = new Set([canonicalJson(firstWithoutId.params, true)])
          const canonical = canonicalJson(params, true)
          if (withoutId.has(canonical)) continue
          withoutId.add(canonical)
        }
        distinct.push(one)
        continue
      }
      const seen = byId?.get(elicitationId)
      if (seen !== undefined) {
        // The same when asked the same (keys in any order, a `mode` of its own or none: "url" is asked).
        if (seen.elicitation !== elicitation && canonicalJson(seen.params, true) !== canonicalJson(params, true)) {
          return twoElicitations(elicitationId)
        }
        continue
      }
      byId ??= new Map()
      byId.set(elicitationId, { elicitation, params })
      distinct.push({ id: elicitationId, order: i, params, failure })
    }
  }
  return distinct
}

/** The defect of two different URL elicitations under one `elicitationId` (see {@link distinctUrlElicitations}). */
const twoElicitations = (elicitationId: string): RangeError =>
  new RangeError(
    `elicitationId ${JSON.stringify(elicitationId)} names two different URL elicitations this request requires (McpError.UrlElicitationRequired, from concurrent branches): one would be asked, the other never completed; give each elicitation its own id, or the same elicitation the same payload`
  )

/**
 * The -32021 of URL elicitations required from a client that did not declare `elicitation.url`
 * (`first`: the first failure that required one): `data.requiredCapabilities` says what to declare
 * for them to be asked. The client's failure, as often as it likes: no stack trace. One answer
 * whether the call is answered directly (multi round-trip) or it is a task (its error).
 */
export const urlCapabilityMissing = (first: McpError.UrlElicitationRequired): McpError.MissingRequiredClientCapability =>
  McpError.withoutStackTrace(() =>
    new McpError.MissingRequiredClientCapability({
      requiredCapabilities: { elicitation: { url: {} } },
      message: `Missing required client capability: elicitation.url (${first.message || "URL elicitation required"})`
    })
  )
