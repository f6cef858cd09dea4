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
import type * as JsonRpc from "../protocol/JsonRpc.ts"

/** An input the handler needs: a request the client answers (`elicitation/create`, `sampling/createMessage`, `roots/list`). */
export interface InputRequest {
  readonly method: string
  readonly params?: JsonRpc.Params | undefined
}

/** What the client answered so far (by key), and what this round still asks for. */
export class InputRound {
  readonly answers: ReadonlyMap<string, unknown>
  // Made at the first input missing: most rounds (and the tasks that keep theirs) never need one.
  private missing: { [key: string]: InputRequest } | undefined = undefined
  // The keys the handler asked for in this round, made at the first one.
  private asked: Set<string> | undefined = undefined
  private counter = 0
  /**
   * The keys whose answers are the request's own though this round may not reach them: those
   * carried in the sealed state, and those the last round listed (see {@link kept}).
   */
  private readonly expected: ReadonlyArray<string> | undefined
  constructor(answers: ReadonlyMap<string, unknown>, expected?: ReadonlyArray<string> | undefined) {
    this.answers = answers
    this.expected = expected
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
    this.counter++
    let key = chosen ?? `${method}-${this.counter}`
    while (asked.has(key)) key = `${chosen ?? method}-${++this.counter}`
    asked.add(key)
    return key
  }
  /**
   * Records an input still missing (an answer given for it did not decode: it is asked again).
   * Without a prototype: any key is an entry (`__proto__` assigned into `{}` set its prototype,
   * and the round was answered with no input listed).
   */
  ask(key: string, request: InputRequest): void {
    ;(this.missing ??= Object.create(null) as { [key: string]: InputRequest })[key] = request
  }
  /**
   * The answers to carry to the next round (sealed in `requestState`), as the client sent them:
   * those the handler asked for in this round and took, and those to inputs it did not reach in
   * this round that are the request's own (carried in the sealed state, or to an input the last
   * round listed): a handler asking concurrently may be stopped by one question before another
   * branch, after a slow step, reaches a question the user answered, who must not be asked again.
   * Answers to inputs nobody asked for are dropped (the spec: ignore them), as are answers asked
   * for in this round that did not decode: keys a client makes up do not grow the state it must
   * send back. (An answer nested deeper than 64 levels never gets here: the request is -32602,
   * see `server/internal/inputResponses.ts`.)
   */
  kept(): { readonly [key: string]: unknown } {
    const kept: Array<[string, unknown]> = []
    const asked = this.asked ?? noKeys
    for (const key of asked) {
      if (this.answers.has(key) && (this.missing === undefined || !Object.hasOwn(this.missing, key))) {
        kept.push([key, this.answers.get(key)])
      }
    }
    if (this.expected !== undefined) {
      for (const key of this.expected) {
        if (!asked.has(key) && this.answers.has(key)) kept.push([key, this.answers.get(key)])
      }
    }
    return Object.fromEntries(kept)
  }
}

const nonePending: { readonly [key: string]: InputRequest } = Object.freeze({})
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

/** Whether a failure is a handler stopped for input. */
export const isInputRequired = (cause: Cause.Cause<unknown>): boolean =>
  cause.reasons.some((reason) => reason._tag === "Die" && reason.defect instanceof InputRequiredSignal)
