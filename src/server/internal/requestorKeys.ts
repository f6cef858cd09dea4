/**
 * Requestor keys (task owners) made once per requestor.
 *
 * @internal
 */
import type { RequestContext } from "../../session/RequestContext.ts"
import * as Requestor from "../../session/Requestor.ts"
import { type ClientAddress, peerAddress } from "../../session/Requestor.ts"

/**
 * `keyOf`, made once per principal or per stateful session (the key is theirs, the same for all
 * their requests), else per request: a key made per request is a new string, hashed again by
 * every store lookup and kept by every task (measured: 3 % of the CPU of creating tasks).
 */
export const perRequestor = (
  keyOf: (context: RequestContext, clientAddress?: ClientAddress) => string
): (context: RequestContext, clientAddress?: ClientAddress) => string => {
  const keys = new WeakMap<object, string>()
  return (context, clientAddress) => {
    const requestor = context.principal ?? (context.session.stateless ? undefined : context.session)
    if (requestor === undefined) return keyOf(context, clientAddress)
    let key = keys.get(requestor)
    if (key === undefined) keys.set(requestor, key = keyOf(context, clientAddress))
    return key
  }
}

/** Who a task belongs to, and the client address it counts against. */
export interface TaskKeys {
  /**
   * The owner: the principal when there is one; else, for a stateless session (one session
   * answering every client) reached over HTTP, the client's address; else the session.
   */
  readonly owner: string
  /** The client address of an anonymous caller over HTTP (`maxTasksPerAddress`), else `undefined`. */
  readonly address: string | undefined
}

/**
 * The {@link TaskKeys} of a request. A principal is never keyed by address (many users may share
 * one); an anonymous stateless caller whose address is unknown falls back to the shared session
 * (the task id is then the only key).
 */
export const keysOf = (context: RequestContext, clientAddress: ClientAddress = peerAddress): TaskKeys => ({
  owner: ownerKeyOf(context, clientAddress),
  address: Requestor.anonymousAddressOf(context, clientAddress)
})

/** The owner key, made once per requestor (see `perRequestor`). */
const ownerKeyOf = perRequestor(Requestor.keyOf)
