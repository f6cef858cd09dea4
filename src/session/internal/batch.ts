/**
 * The answer to one JSON-RPC batch (MCP 2025-03-26, JSON-RPC 2.0 §6) being made: a slot per
 * member, filled with the member's response or left empty (a notification, a response, a request
 * the client cancelled or the session stopped), written as one array once every slot is settled.
 * The members run as single messages do (middleware, request slots, cancellation); only where
 * their answers go differs.
 *
 * @internal
 */
import type * as JsonRpc from "../../protocol/JsonRpc.ts"

/** The batch being answered, and its members' answers in the order of the batch. */
export class BatchAnswer {
  private readonly entries: Array<JsonRpc.Response | undefined>
  /** Members not settled yet (the batch is complete at 0, once `sealed`). */
  private unsettled: number
  /** Every member has been taken in: no slot is added any more. */
  private sealed = false

  constructor(size: number) {
    this.entries = new Array(size)
    this.unsettled = size
  }

  /** Settles a member's slot (`undefined`: no entry); whether the batch is complete now. */
  settle(index: number, response: JsonRpc.Response | undefined): boolean {
    this.entries[index] = response
    this.unsettled--
    return this.complete
  }

  /** Every member has been taken in; whether the batch is complete already. */
  seal(): boolean {
    this.sealed = true
    return this.complete
  }

  private get complete(): boolean {
    return this.sealed && this.unsettled === 0
  }

  /** The answer to write: the responses, in the order of their requests (`undefined`: none). */
  get responses(): JsonRpc.BatchResponse | undefined {
    const responses = this.entries.filter((entry): entry is JsonRpc.Response => entry !== undefined)
    return responses.length === 0 ? undefined : responses
  }
}

/** A request of a batch, waiting for its answer: its batch and its slot there. */
export class BatchMember {
  readonly batch: BatchAnswer
  readonly index: number
  constructor(batch: BatchAnswer, index: number) {
    this.batch = batch
    this.index = index
  }
}
