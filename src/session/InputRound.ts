/**
 * One round of a multi round-trip request (MRTR, MCP 2026-07-28, SEP-2322): the answers the
 * client has given so far, and the input the handler still needs.
 *
 * In 2026-07-28 a server sends the client no requests. A handler that asks for input
 * (`McpContext.elicit`, `sample`, `listRoots`) is replayed instead: in each round, an input whose
 * answer arrived (in `inputResponses`, or carried over in the sealed `requestState`) is answered
 * at once; the first one missing stops the handler, and the request is answered with an
 * `InputRequiredResult` listing what is missing. The client retries the same request with the
 * answers, and the handler runs again from the start. Inputs asked concurrently (`Effect.all` with
 * concurrency) are asked together, in one round.
 *
 * A handler must therefore be replayable: ask before it acts, or make what it does before an
 * input idempotent.
 *
 * @since 0.2.0
 */
import type * as Cause from "effect/Cause"
import { canonicalJson } from "../internal/canonicalJson.ts"
import { nodeCrypto } from "../internal/nodeCrypto.ts"
import type * as JsonRpc from "../protocol/JsonRpc.ts"
import * as McpError from "../protocol/McpError.ts"

/** An input the handler needs: a request the client answers (`elicitation/create`, `sampling/createMessage`, `roots/list`). */
export interface InputRequest {
  readonly method: string
  readonly params?: JsonRpc.Params | undefined
}

/**
 * What identifies a question from round to round: a short digest of its method and params
 * (canonical JSON, SHA-256 cut to 96 bits; the state it is sealed in is authenticated, so no
 * client chooses it). Computed only in a round that has answers to check or stops for input.
 */
const questionDigest = (request: InputRequest): string =>
  nodeCrypto().createHash("sha256").update(canonicalJson([request.method, request.params ?? null], true)).digest("base64url").slice(0, 16)

/** What the client answered so far (by key), and what this round still asks for. */
export class InputRound {
  readonly answers: ReadonlyMap<string, unknown>
  // Made at the first input missing: most rounds (and the tasks that keep theirs) never need one.
  private missing: { [key: string]: InputRequest } | undefined = undefined
  // The keys handed out by order of asking in this round (see `keyOf`), made at the first one.
  private asked: Set<string> | undefined = undefined
  // The keys the questions of this round stand under (given their answer, or listed), made at the
  // first one: a key the order gave whose answer is another question's is not one of them.
  private used: Set<string> | undefined = undefined
  // The questions of this round under keys the server made (by order, or fresh), by key: the
  // question until its digest is needed, then the digest (see `questions`).
  private made: Map<string, InputRequest | string> | undefined = undefined
  // The keys by order whose question was asked under a fresh key in this round (see `fresh`).
  private refreshed: Set<string> | undefined = undefined
  // The keys the handler chose (`inputKey`) that a question of this round stands under (see `chose`).
  private chosen: Set<string> | undefined = undefined
  private counter = 0
  /**
   * The keys whose answers are the request's own though this round may not reach them: those
   * carried in the sealed state, and those the last round listed (see {@link kept}).
   */
  private readonly expected: ReadonlyArray<string> | undefined
  /** The question each key the server made stood for, by its digest, as the sealed state records them. */
  private readonly sealed: ReadonlyMap<string, string> | undefined
  /** The one input the last round listed, when it listed one (see {@link superseded}). */
  private readonly listedAlone: string | undefined
  constructor(
    answers: ReadonlyMap<string, unknown>,
    expected?: ReadonlyArray<string> | undefined,
    sealed?: ReadonlyMap<string, string> | undefined,
    listedAlone?: string | undefined
  ) {
    this.answers = answers
    this.expected = expected
    this.sealed = sealed
    this.listedAlone = listedAlone
  }
  /** The inputs asked for in this round that have no answer yet, by key. */
  get pending(): { readonly [key: string]: InputRequest } {
    return this.missing ?? nonePending
  }
  /**
   * The key of the next input: the one the handler chose, else `<method>-<n>` by order of asking
   * (stable from round to round, as the handler replays the same way: an input is given or stopped
   * after one yield alike, so that concurrent askers take their keys in the same order whichever
   * answers are in). Unique in the round, as a
   * task's keys are: a key asked already (the same `inputKey` for another question, or one that
   * spells a default key) is followed by `-<n>`, else the second question got the first one's
   * answer, and only one of them was listed.
   */
  keyOf(method: string, chosen: string | undefined): string {
    const asked = this.asked ??= new Set()
    const used = this.used
    this.counter++
    let key = chosen ?? `${method}-${this.counter}`
    while (asked.has(key) || used?.has(key)) key = `${chosen ?? method}-${++this.counter}`
    asked.add(key)
    return key
  }
  /**
   * The key a question stands under in this round: the one its answer is given by (`answers` has
   * it), or the one it is listed under. A key the handler chose (`inputKey`) names its question,
   * whatever its params say in this round (a message with a count, a fresh URL): it is the
   * handler's word that the answer is the question's. A key the server made ({@link keyOf}) goes
   * by order of asking, which concurrent branches may change from round to round (a step that
   * took longer): its answer is given only to the question the sealed state says it answered
   * (same method and params). Another question under it takes the answer the state records for
   * it under another key (given in an earlier round, the order being different then), else is
   * listed under a fresh key; the answer stays the request's, for its question.
   */
  keyFor(method: string, params: JsonRpc.Params | undefined, chosen: string | undefined): string {
    const key = this.keyOf(method, chosen)
    const used = this.used ??= new Set()
    if (key === chosen) {
      used.add(key)
      ;(this.chosen ??= new Set()).add(key)
      return key
    }
    const request: InputRequest = params === undefined ? { method } : { method, params }
    const made = this.made ??= new Map()
    // A round with no state (a first round): nothing to check an answer against.
    if (this.expected === undefined && this.sealed === undefined) {
      used.add(key)
      made.set(key, request)
      return key
    }
    // A state that records no question under a key the server made: none of its answers is one.
    const sealed = this.sealed ?? noQuestions
    const digest = questionDigest(request)
    const answered = this.answers.has(key)
    let taken: string | undefined = key
    // Not its answer (none, taken by another question, or another question's: one the state
    // records for another question, or none, the answer to a question under a key the handler
    // chose, which a key the server made may spell: `confirm-3`, a second `confirm` renamed, and
    // another branch's chosen `confirm-3`): the one the state records for it under another key,
    // else it is asked (under its key when no answer is there).
    if (!answered || used.has(key) || sealed.get(key) !== digest) {
      taken = undefined
      for (const [other, question] of sealed) {
        if (question === digest && !used.has(other) && this.answers.has(other)) {
          taken = other
          break
        }
      }
      taken ??= answered || used.has(key) ? this.fresh(key) : key
    }
    // A key handed out that the question does not stand under is free again: a question asked
    // later under that very key (chosen) takes it, and its answer.
    if (taken !== key) this.asked!.delete(key)
    used.add(taken)
    made.set(taken, digest)
    return taken
  }
  /**
   * Whether a question of this round stands under `key` as the key the handler chose for it
   * (`inputKey`), given its answer or listed.
   */
  chose(key: string): boolean {
    return this.chosen?.has(key) === true
  }
  /**
   * Whether the sealed state records `key` as a URL elicitation's (see {@link urlQuestion}): its
   * answer is the URL's, no question's.
   */
  urlKeyed(key: string): boolean {
    return this.sealed?.get(key) === urlQuestion
  }
  /**
   * A key no question of this round has, no answer has, and the sealed state does not record:
   * `<key>.<n>`. The answers under the fresh keys an earlier round made from the same key that no
   * question of this round takes are dropped (see {@link kept}).
   */
  private fresh(key: string): string {
    ;(this.refreshed ??= new Set()).add(key)
    let n = 0
    let fresh = key
    while (this.used!.has(fresh) || this.asked!.has(fresh) || this.answers.has(fresh) || this.sealed?.has(fresh) === true) {
      fresh = `${key}.${++n}`
    }
    return fresh
  }
  /**
   * The digest of the question each kept or listed key stands for (`keys`), for the keys the
   * server made: recorded in the sealed state, so that the next round gives each answer only to
   * its question (see {@link keyFor}). `undefined` when there is none.
   */
  questions(keys: Iterable<string>): { readonly [key: string]: string } | undefined {
    let questions: { [key: string]: string } | undefined
    for (const key of keys) {
      let digest: string | undefined
      const question = this.made?.get(key)
      if (question !== undefined) {
        digest = typeof question === "string" ? question : questionDigest(question)
      } else if (this.used?.has(key) !== true) {
        digest = this.sealed?.get(key)
      }
      if (digest !== undefined) (questions ??= Object.create(null) as { [key: string]: string })[key] = digest
    }
    return questions
  }
  /**
   * Records an input still missing (an answer of the wrong shape is no missing input: the handler
   * got `ClientResultInvalid` for it).
   * Without a prototype: any key is an entry (`__proto__` assigned into `{}` set its prototype,
   * and the round was answered with no input listed).
   */
  ask(key: string, request: InputRequest): void {
    ;(this.missing ??= Object.create(null) as { [key: string]: InputRequest })[key] = request
  }
  /**
   * Takes back an input recorded missing ({@link ask}): the question went another way (the call
   * became a task of the tasks extension as it stopped, and the task asks it).
   */
  unask(key: string): void {
    if (this.missing !== undefined) delete this.missing[key]
  }
  /**
   * The answers to carry to the next round (sealed in `requestState`), as the client sent them:
   * those the handler asked for in this round and took, and those to inputs it did not reach in
   * this round that are the request's own (carried in the sealed state, or to an input the last
   * round listed): a handler asking concurrently may be stopped by one question before another
   * branch, after a slow step, reaches a question the user answered, who must not be asked again.
   * Answers to inputs nobody asked for are dropped (the spec: ignore them): keys a client makes up
   * do not grow the state it must send back. (An answer of the wrong shape to a question asked is
   * kept as any taken answer is, should the handler catch its `ClientResultInvalid` and go on to
   * ask: the next round replays the same.) (An answer nested deeper than 64 levels never gets here: the request is -32602,
   * see `server/internal/inputResponses.ts`.)
   */
  kept(): { readonly [key: string]: unknown } {
    const kept: Array<[string, unknown]> = []
    const used = this.used ?? noKeys
    for (const key of used) {
      if (this.answers.has(key) && (this.missing === undefined || !Object.hasOwn(this.missing, key))) {
        kept.push([key, this.answers.get(key)])
      }
    }
    if (this.expected !== undefined) {
      for (const key of this.expected) {
        if (!used.has(key) && this.answers.has(key) && !this.superseded(key)) kept.push([key, this.answers.get(key)])
      }
    }
    return Object.fromEntries(kept)
  }
  /**
   * Whether a key is the fresh key (`<key>.<n>`, its question recorded in the sealed state) the
   * last round listed alone, made from a key whose question is asked under a fresh key again in
   * this round, and no question of this round took its answer: a question whose text changes from
   * round to round (asked again in every round: see `docs/protocol-eras.md`), whose answers the
   * state would otherwise carry one more of each round, under a new key each time. Its answer is
   * dropped. (The last round listed nothing else: every other branch ran to its end or to
   * questions answered, so the question that answer was for is not one a branch has yet to reach.)
   */
  private superseded(key: string): boolean {
    if (key !== this.listedAlone || this.refreshed === undefined || this.sealed?.has(key) !== true) return false
    const dot = key.lastIndexOf(".")
    return dot > 0 && this.refreshed.has(key.slice(0, dot))
  }
}

/**
 * What the sealed state records for the key of a URL elicitation a handler required
 * (`McpError.UrlElicitationRequired`, asked as input in MCP 2026-07-28) in place of a question's
 * digest: never a digest (those are 16 characters), so no question the server keys takes its
 * answer, and a question the handler keys so (`inputKey`) is told apart (see {@link InputRound.urlKeyed}).
 *
 * @since 0.2.0
 * @category constants
 */
export const urlQuestion = "url"

const nonePending: { readonly [key: string]: InputRequest } = Object.freeze({})
const noQuestions: ReadonlyMap<string, string> = new Map()
const noKeys: ReadonlySet<string> = new Set()

/**
 * The signal that stops a handler whose input is missing: a defect value (so handlers that catch
 * their typed failures do not swallow it), turned into the `InputRequiredResult` by the server.
 */
export class InputRequiredSignal {
  readonly _tag = "InputRequiredSignal"
}

/** The one signal value. */
export const inputRequired = new InputRequiredSignal()

/**
 * Whether a failure is a handler stopped for input and nothing else: stops, and interruptions
 * (another branch's, which the stop ended), as `McpError.failureBesideInput` answers
 * `input_required`. A cause with anything else beside the stop (a defect, a failure) is answered as
 * that would be alone: false.
 */
export const isInputRequired = (cause: Cause.Cause<unknown>): boolean => McpError.failureBesideInput(cause) === undefined
